"""Message types of the validators module."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.errors import InvalidTransaction
from finchain.model.message import message_type
from finchain.modules.validators.errors import ERR_BAD_POWER, ERR_BAD_PUB_KEY
from finchain.modules.validators.keys import PUB_KEY_LENGTH

MAX_POWER = 2**40  # far below CometBFT's MaxTotalVotingPower (2**63 / 8) for any realistic set


def validate_pub_key(pub_key: bytes) -> None:
    if len(pub_key) != PUB_KEY_LENGTH:
        raise InvalidTransaction(
            ERR_BAD_PUB_KEY, f"pub_key must be 32 bytes (Ed25519), got {len(pub_key)}"
        )


def validate_power(power: int) -> None:
    if not 0 <= power <= MAX_POWER:
        raise InvalidTransaction(ERR_BAD_POWER, f"power must be 0 .. {MAX_POWER}, got {power}")


@message_type("validators/SetPower@1", roles=frozenset({"admin"}))
@dataclass(frozen=True, slots=True)
class SetPower:
    """Set the voting power of the validator with this Ed25519 key (0 removes it). By a
    governance vote; an admin sends it itself only up to the genesis `bootstrap_height`
    (`validators/governance_only` after it)."""

    pub_key: bytes
    power: int

    def validate_basic(self) -> None:
        validate_pub_key(self.pub_key)
        validate_power(self.power)
