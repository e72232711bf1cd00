"""Genesis of the validators module: the initial validator set."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.module import GenesisContext
from finchain.modules.validators.errors import ERR_BAD_GENESIS
from finchain.modules.validators.keeper import ValidatorsKeeper, ValidatorsView
from finchain.modules.validators.messages import validate_power, validate_pub_key
from finchain.state import StateReader, StateWriter


def init_validators_genesis(state: StateWriter, section: Any, env: GenesisContext) -> None:
    """The engine's initial set (CometBFT's InitChain) when it gives one, else the section's."""
    if env.engine_validators is not None:
        record_validators(state, env.engine_validators)
    else:
        record_validators(state, parse_genesis_validators(section))


def export_validators_genesis(state: StateReader) -> list[dict[str, Any]]:
    return [
        {"pub_key": base64.b64encode(v.pub_key).decode(), "power": v.power}
        for v in ValidatorsView(state).list_validators()
    ]


def parse_genesis_validators(entries: Any) -> list[tuple[bytes, int]]:
    """`[{"pub_key": <base64 Ed25519>, "power": n}, ...]` (CometBFT's genesis shape) -> pairs."""
    if not isinstance(entries, list):
        raise InvalidTransaction(ERR_BAD_GENESIS, "validators must be a list")
    pairs = []
    for entry in entries:
        try:
            pub_key = base64.b64decode(str(entry["pub_key"]), validate=True)
            power = int(entry["power"])
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise InvalidTransaction(
                ERR_BAD_GENESIS, f"bad validator entry {entry}: {exc}"
            ) from None
        pairs.append((pub_key, power))
    return pairs


def record_validators(state: StateWriter, validators: Sequence[tuple[bytes, int]]) -> None:
    """Record the initial set; every power must be positive and every key distinct."""
    keeper = ValidatorsKeeper(state)
    for pub_key, power in validators:
        try:
            validate_pub_key(pub_key)
            validate_power(power)
        except InvalidTransaction as err:
            raise InvalidTransaction(ERR_BAD_GENESIS, err.message) from None
        if power == 0 or keeper.get_power(pub_key) != 0:
            raise InvalidTransaction(
                ERR_BAD_GENESIS, f"validator {pub_key.hex()}: zero power or listed twice"
            )
        keeper.set_power(pub_key, power)
