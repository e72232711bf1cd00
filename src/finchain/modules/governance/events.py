"""Events of the governance module: names and attributes in one place.

The action of a passed proposal emits its own module's events; they come just before the
proposal's `proposal_closed` (status EXECUTED), and a FAILED action leaves none.
"""

from __future__ import annotations

from finchain.modules.context import ExecutionContext
from finchain.modules.governance.keeper import Proposal

PROPOSAL_SUBMITTED = "governance.proposal_submitted"
VOTING_OPENED = "governance.voting_opened"
VOTE_CAST = "governance.vote_cast"
PROPOSAL_CLOSED = "governance.proposal_closed"
WEIGHT_SET = "governance.weight_set"
PARAMS_SET = "governance.params_set"
THRESHOLD_SET = "governance.threshold_set"


def emit_proposal_submitted(ctx: ExecutionContext, proposal: Proposal) -> None:
    ctx.emit(
        PROPOSAL_SUBMITTED,
        id=str(proposal.proposal_id),
        proposer=proposal.proposer,
        action=proposal.action_type,
        threshold=proposal.threshold,
    )


def emit_voting_opened(ctx: ExecutionContext, proposal_id: int, voting_end_height: int) -> None:
    ctx.emit(VOTING_OPENED, id=str(proposal_id), voting_end_height=str(voting_end_height))


def emit_vote_cast(ctx: ExecutionContext, proposal_id: int, org_id: str, option: str) -> None:
    ctx.emit(VOTE_CAST, id=str(proposal_id), org=org_id, option=option)


def emit_proposal_closed(ctx: ExecutionContext, closed: Proposal) -> None:
    tally = closed.tally
    ctx.emit(
        PROPOSAL_CLOSED,
        id=str(closed.proposal_id),
        status=closed.status,
        yes=str(tally.yes),
        no=str(tally.no),
        abstain=str(tally.abstain),
        total=str(tally.total),
        result=closed.result,
    )


def emit_weight_set(ctx: ExecutionContext, org_id: str, weight: int) -> None:
    ctx.emit(WEIGHT_SET, org=org_id, weight=str(weight))


def emit_params_set(
    ctx: ExecutionContext, voting_period_blocks: int, default_threshold: str, default_weight: int
) -> None:
    ctx.emit(
        PARAMS_SET,
        voting_period_blocks=str(voting_period_blocks),
        default_threshold=default_threshold,
        default_weight=str(default_weight),
    )


def emit_threshold_set(ctx: ExecutionContext, action_type: str, threshold: str) -> None:
    ctx.emit(THRESHOLD_SET, action=action_type, threshold=threshold)
