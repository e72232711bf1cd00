"""Read view and keeper over the `validators/` key prefix."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.codec import decode_uint, encode_uint
from finchain.modules.validators import keys
from finchain.modules.validators.messages import MAX_POWER
from finchain.state import StateReader, StateWriter

__all__ = ["MAX_POWER", "Validator", "ValidatorsKeeper", "ValidatorsView"]


@dataclass(frozen=True, slots=True)
class Validator:
    pub_key: bytes
    power: int

    def to_json(self) -> dict[str, object]:
        return {"pub_key": self.pub_key.hex(), "power": self.power}


class ValidatorsView:
    """Read-only access to the validator set (sorted by public key)."""

    def __init__(self, state: StateReader) -> None:
        self.state = state

    def get_power(self, pub_key: bytes) -> int:
        """The key's voting power; 0 when it is not a validator."""
        raw = self.state.get(keys.validator_key(pub_key))
        return 0 if raw is None else decode_uint(raw)

    def list_validators(self) -> list[Validator]:
        return [
            Validator(keys.split_validator_key(key), decode_uint(raw))
            for key, raw in self.state.iterate(keys.SET_PREFIX)
        ]

    def get_bootstrap_height(self) -> int:
        """The last height at which an admin member may still set a power directly (genesis
        `bootstrap_height`); 0: from the first block on, only a governance vote does."""
        raw = self.state.get(keys.BOOTSTRAP_HEIGHT_KEY)
        return 0 if raw is None else decode_uint(raw)


class ValidatorsKeeper(ValidatorsView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.writer = state

    def set_power(self, pub_key: bytes, power: int) -> None:
        """Record the power; 0 removes the validator."""
        if power == 0:
            self.writer.delete(keys.validator_key(pub_key))
        else:
            self.writer.set(keys.validator_key(pub_key), encode_uint(power))

    def set_bootstrap_height(self, height: int) -> None:
        """Record a positive bootstrap height (genesis only). 0 is no key at all, never written:
        a genesis without a bootstrap height keeps the state, and the app hash, it always had."""
        if height <= 0:
            raise ValueError("only a positive bootstrap height is recorded")
        self.writer.set(keys.BOOTSTRAP_HEIGHT_KEY, encode_uint(height))
