"""Message types of the governance module.

`Propose.action` is a whole encoded message (`finchain.model.message.encode_msg`, then the
canonical codec) of one of the governable types in `GOVERNABLE_ACTIONS`; a passed proposal runs
it with the governance authority as its sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finchain.codec import decode, encode
from finchain.errors import InvalidTransaction
from finchain.model.message import ANY_MEMBER, GOVERNANCE_ONLY, decode_msg, encode_msg, message_type
from finchain.modules.governance.errors import ERR_BAD_FIELD, ERR_NOT_GOVERNABLE
from finchain.modules.governance.keeper import OPTIONS
from finchain.modules.governance.params import THRESHOLDS

GOVERNABLE_ACTIONS = frozenset(
    {
        "members/AddOrg@1",
        "members/RemoveOrg@1",
        "members/GrantRole@1",
        "members/RevokeRole@1",
        "validators/SetPower@1",
        "governance/SetWeight@1",
        "governance/SetParams@1",
        "governance/SetThreshold@1",
        "supervision/SetScope@1",
        "clearing/SetAutoProcess@1",
        "params/SetChainParams@1",
        "contracts/Upgrade@1",
        "contracts/SetParams@1",
    }
)
MAX_TITLE = 200
MAX_VOTING_PERIOD_BLOCKS = 1_000_000


def encode_action(msg: Any) -> bytes:
    """The bytes a proposal carries for `msg`."""
    return encode(encode_msg(msg))


def decode_action(action: bytes) -> Any:
    """The governable message in `action`, checked (InvalidTransaction otherwise)."""
    msg = decode_msg(decode(action))
    if msg.TYPE not in GOVERNABLE_ACTIONS:
        raise InvalidTransaction(
            ERR_NOT_GOVERNABLE,
            f"{msg.TYPE} cannot be proposed",
            governable=sorted(GOVERNABLE_ACTIONS),
        )
    msg.validate_basic()
    return msg


@message_type("governance/Propose@1", roles=frozenset({"admin"}))
@dataclass(frozen=True, slots=True)
class Propose:
    """An admin member proposes `action` (DRAFT until its proposer opens the vote)."""

    action: bytes
    title: str

    def validate_basic(self) -> None:
        if not 0 < len(self.title) <= MAX_TITLE:
            raise InvalidTransaction(ERR_BAD_FIELD, f"title must be 1-{MAX_TITLE} characters")
        decode_action(self.action)


@message_type("governance/OpenVoting@1", roles=frozenset({"admin"}))
@dataclass(frozen=True, slots=True)
class OpenVoting:
    """The proposer opens voting: DRAFT -> VOTING until height + voting period."""

    proposal_id: int

    def validate_basic(self) -> None:
        _validate_id(self.proposal_id)


@message_type("governance/Vote@1", roles=ANY_MEMBER)
@dataclass(frozen=True, slots=True)
class Vote:
    """A member organisation votes yes, no or abstain; a later vote replaces its earlier one."""

    proposal_id: int
    option: str

    def validate_basic(self) -> None:
        _validate_id(self.proposal_id)
        if self.option not in OPTIONS:
            raise InvalidTransaction(ERR_BAD_FIELD, f"option must be one of {OPTIONS}")


# ---- governed actions of the module itself ----------------------------------------------------


@message_type("governance/SetWeight@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetWeight:
    """The voting weight of a member organisation (0: it may not vote)."""

    org_id: str
    weight: int

    def validate_basic(self) -> None:
        if not 0 <= self.weight <= 1_000_000:
            raise InvalidTransaction(ERR_BAD_FIELD, "weight must be 0 .. 1,000,000")


@message_type("governance/SetParams@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetParams:
    """The voting period, default threshold and default weight of later proposals."""

    voting_period_blocks: int
    default_threshold: str
    default_weight: int

    def validate_basic(self) -> None:
        if not 1 <= self.voting_period_blocks <= MAX_VOTING_PERIOD_BLOCKS:
            raise InvalidTransaction(
                ERR_BAD_FIELD, f"voting period must be 1 .. {MAX_VOTING_PERIOD_BLOCKS} blocks"
            )
        _validate_threshold(self.default_threshold)
        if not 0 <= self.default_weight <= 1_000_000:
            raise InvalidTransaction(ERR_BAD_FIELD, "default weight must be 0 .. 1,000,000")


@message_type("governance/SetThreshold@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetThreshold:
    """The threshold proposals of `action_type` need from now on."""

    action_type: str
    threshold: str

    def validate_basic(self) -> None:
        if self.action_type not in GOVERNABLE_ACTIONS:
            raise InvalidTransaction(ERR_NOT_GOVERNABLE, f"{self.action_type} is not governable")
        _validate_threshold(self.threshold)


def _validate_id(proposal_id: int) -> None:
    if proposal_id < 0:
        raise InvalidTransaction(ERR_BAD_FIELD, "proposal ids are >= 0")


def _validate_threshold(threshold: str) -> None:
    if threshold not in THRESHOLDS:
        raise InvalidTransaction(ERR_BAD_FIELD, f"threshold must be one of {THRESHOLDS}")
