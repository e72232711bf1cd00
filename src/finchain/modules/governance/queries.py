"""Read-only queries of the governance module (JSON-ready): proposals with their votes."""

from __future__ import annotations

import typing

from finchain.crypto import Address, format_address
from finchain.errors import NotFound
from finchain.modules.governance.keeper import GovernanceView, Proposal
from finchain.modules.governance.messages import decode_action
from finchain.modules.module import Query
from finchain.modules.query_params import parse_id_param
from finchain.state import StateReader


def query_proposals(state: StateReader) -> list[dict[str, object]]:
    view = GovernanceView(state)
    return [_proposal_json(view, p) for p in view.list_proposals()]


def query_proposal(state: StateReader, proposal_id: int) -> dict[str, object]:
    view = GovernanceView(state)
    proposal = view.find_proposal(proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}")
    return _proposal_json(view, proposal)


def query_params(state: StateReader) -> dict[str, object]:
    return GovernanceView(state).get_params().to_json()


def _proposal_json(view: GovernanceView, proposal: Proposal) -> dict[str, object]:
    action = decode_action(proposal.action)
    return {
        "id": proposal.proposal_id,
        "proposer": proposal.proposer,
        "title": proposal.title,
        "action": {"type": action.TYPE, "value": _action_value(action)},
        "threshold": proposal.threshold,
        "status": proposal.status,
        "submit_height": proposal.submit_height,
        "voting_end_height": proposal.voting_end_height,
        "tally": proposal.tally.to_json(),
        "result": proposal.result,
        "votes": dict(view.list_votes(proposal.proposal_id)),
    }


def _action_value(action: object) -> dict[str, object]:
    """Fields as in TxJson: addresses `0x…`, other bytes plain hex, integers as strings."""
    hints = typing.get_type_hints(type(action))
    values: dict[str, object] = {}
    for name in getattr(action, "__dataclass_fields__", {}):
        value = getattr(action, name)
        if hints[name] is Address:
            values[name] = format_address(value)
        elif isinstance(value, bytes):
            values[name] = value.hex()
        elif isinstance(value, int):
            values[name] = str(value)
        else:
            values[name] = value
    return values


QUERIES: dict[str, Query] = {
    "governance/proposals": lambda q, _: query_proposals(q.state),
    "governance/proposal": lambda q, p: query_proposal(q.state, parse_id_param(p, "id")),
    "governance/params": lambda q, _: query_params(q.state),
}
