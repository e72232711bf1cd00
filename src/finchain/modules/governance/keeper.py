"""Read view and keeper over the `governance/` key prefix: proposals, votes, weights, params."""

from __future__ import annotations

from dataclasses import dataclass, replace

from finchain.codec import decode, decode_uint, encode, encode_uint
from finchain.errors import InvalidTransaction
from finchain.modules.governance import keys
from finchain.modules.governance.errors import ERR_UNKNOWN_PROPOSAL
from finchain.modules.governance.params import GovernanceParams
from finchain.state import StateReader, StateWriter

DRAFT, VOTING, PASSED, REJECTED, EXPIRED, EXECUTED, FAILED = (
    "DRAFT",
    "VOTING",
    "PASSED",
    "REJECTED",
    "EXPIRED",
    "EXECUTED",
    "FAILED",
)
OPTIONS = ("yes", "no", "abstain")


@dataclass(frozen=True, slots=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0
    total: int = 0  # the voting weight of every member at the close

    def to_json(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain, "total": self.total}


@dataclass(frozen=True, slots=True)
class Proposal:
    proposal_id: int
    proposer: str  # org id
    title: str
    action_type: str
    action: bytes  # the encoded message a pass executes
    threshold: str  # fixed when submitted
    status: str
    submit_height: int
    voting_end_height: int = 0  # 0 while DRAFT
    tally: Tally = Tally()
    result: str = ""  # the error code of a FAILED execution

    def with_status(self, status: str, **changes: object) -> Proposal:
        return replace(self, status=status, **changes)  # type: ignore[arg-type]

    def encode(self) -> bytes:
        t = self.tally
        return encode(
            [
                self.proposal_id,
                self.proposer,
                self.title,
                self.action_type,
                self.action,
                self.threshold,
                self.status,
                self.submit_height,
                self.voting_end_height,
                [t.yes, t.no, t.abstain, t.total],
                self.result,
            ]
        )

    @staticmethod
    def decode(raw: bytes) -> Proposal:
        fields = decode(raw)
        fields[9] = Tally(*fields[9])
        return Proposal(*fields)


class GovernanceView:
    def __init__(self, state: StateReader) -> None:
        self.state = state

    def get_params(self) -> GovernanceParams:
        raw = self.state.get(keys.PARAMS)
        return GovernanceParams() if raw is None else GovernanceParams.decode(raw)

    def find_proposal(self, proposal_id: int) -> Proposal | None:
        raw = self.state.get(keys.proposal_key(proposal_id))
        return None if raw is None else Proposal.decode(raw)

    def get_proposal(self, proposal_id: int) -> Proposal:
        proposal = self.find_proposal(proposal_id)
        if proposal is None:
            raise InvalidTransaction(ERR_UNKNOWN_PROPOSAL, f"no proposal {proposal_id}")
        return proposal

    def list_proposals(self) -> list[Proposal]:
        return [Proposal.decode(raw) for _, raw in self.state.iterate(keys.PROPOSAL_PREFIX)]

    def list_votes(self, proposal_id: int) -> list[tuple[str, str]]:
        """(org id, option) in org order."""
        prefix = keys.vote_prefix(proposal_id)
        return [(k[len(prefix) :].decode(), v.decode()) for k, v in self.state.iterate(prefix)]

    def list_closing(self, height: int) -> list[int]:
        return [keys.parse_ending_key(k) for k, _ in self.state.iterate(keys.ending_prefix(height))]

    def get_weight(self, org_id: str) -> int:
        raw = self.state.get(keys.weight_key(org_id))
        return self.get_params().default_weight if raw is None else decode_uint(raw)


class GovernanceKeeper(GovernanceView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.writer = state

    def set_params(self, params: GovernanceParams) -> None:
        self.writer.set(keys.PARAMS, params.encode())

    def next_proposal_id(self) -> int:
        raw = self.state.get(keys.PROPOSAL_COUNTER)
        proposal_id = 0 if raw is None else decode_uint(raw)
        self.writer.set(keys.PROPOSAL_COUNTER, encode_uint(proposal_id + 1))
        return proposal_id

    def save_proposal(self, proposal: Proposal) -> None:
        self.writer.set(keys.proposal_key(proposal.proposal_id), proposal.encode())

    def schedule_close(self, proposal: Proposal) -> None:
        self.writer.set(keys.ending_key(proposal.voting_end_height, proposal.proposal_id), b"")

    def unschedule_close(self, proposal: Proposal) -> None:
        self.writer.delete(keys.ending_key(proposal.voting_end_height, proposal.proposal_id))

    def set_vote(self, proposal_id: int, org_id: str, option: str) -> None:
        self.writer.set(keys.vote_key(proposal_id, org_id), option.encode())

    def set_weight(self, org_id: str, weight: int) -> None:
        self.writer.set(keys.weight_key(org_id), encode_uint(weight))
