"""Genesis of the validators module: the initial validator set and the bootstrap height.

The section takes either form (the first is CometBFT's shape, and every older document's):

    "validators": [{"pub_key": "<base64 Ed25519>", "power": 10}, ...]
    "validators": {"validators": [...], "bootstrap_height": 0}

`bootstrap_height` (optional, default 0) is the last height at which an admin member may still
send `validators/SetPower@1` itself, to bootstrap a network; after it only a governance vote
changes the set. 0 (governance only from the first block on) writes no key, so a document of
the old form, or one whose bootstrap height is 0, has the genesis app hash it always had.
"""

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

MAX_BOOTSTRAP_HEIGHT = 2**63 - 1  # CometBFT heights are int64
_OBJECT_FIELDS = {"validators", "bootstrap_height"}


def init_validators_genesis(state: StateWriter, section: Any, env: GenesisContext) -> None:
    """The engine's initial set (CometBFT's InitChain) when it gives one, else the section's;
    then the bootstrap height, if any."""
    entries, bootstrap_height = parse_validators_section(section)
    if env.engine_validators is not None:
        record_validators(state, env.engine_validators)
    else:
        record_validators(state, parse_genesis_validators(entries))
    if bootstrap_height > 0:
        ValidatorsKeeper(state).set_bootstrap_height(bootstrap_height)


def export_validators_genesis(state: StateReader) -> list[dict[str, Any]] | dict[str, Any]:
    """The list form, or the object form when the chain has a bootstrap height."""
    view = ValidatorsView(state)
    entries = [
        {"pub_key": base64.b64encode(v.pub_key).decode(), "power": v.power}
        for v in view.list_validators()
    ]
    bootstrap_height = view.get_bootstrap_height()
    if bootstrap_height == 0:
        return entries
    return {"validators": entries, "bootstrap_height": bootstrap_height}


def parse_validators_section(section: Any) -> tuple[Any, int]:
    """(the validator entries, the bootstrap height) of either form of the section."""
    if isinstance(section, list):
        return section, 0
    if not isinstance(section, dict):
        raise InvalidTransaction(
            ERR_BAD_GENESIS,
            'validators must be a list or {"validators": [...], "bootstrap_height": N}',
        )
    unknown = sorted(set(section) - _OBJECT_FIELDS)
    if unknown:
        raise InvalidTransaction(ERR_BAD_GENESIS, f"unknown validators genesis fields {unknown}")
    bootstrap_height = section.get("bootstrap_height", 0)
    if type(bootstrap_height) is not int or not 0 <= bootstrap_height <= MAX_BOOTSTRAP_HEIGHT:
        raise InvalidTransaction(
            ERR_BAD_GENESIS,
            f"bootstrap_height must be an integer 0 .. {MAX_BOOTSTRAP_HEIGHT}, "
            f"got {bootstrap_height!r}",
        )
    return section.get("validators", []), bootstrap_height


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
