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
