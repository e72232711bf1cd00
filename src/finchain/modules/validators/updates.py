"""The validator updates of a block, computed from its write-set (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from finchain.codec import decode_uint
from finchain.modules.validators import keys
from finchain.modules.validators.keeper import ValidatorsView
from finchain.state import StateReader


def compute_validator_updates(
    before: StateReader, writes: Mapping[bytes, bytes | None]
) -> list[tuple[bytes, int]]:
    """`(pub_key, new power)` for every validator whose power the block changed, in key order;
    power 0 removes. `before` is the state the block started from: a key added and removed again
    in the same block, or set to its old power, is no update (CometBFT halts on the removal of
    an unknown validator). Failed transactions left no writes, so they change nothing."""
    previous = ValidatorsView(before)
    updates = []
    changed = sorted((k, v) for k, v in writes.items() if k.startswith(keys.SET_PREFIX))
    for key, value in changed:
        pub_key = keys.split_validator_key(key)
        power = 0 if value is None else decode_uint(value)
        if power != previous.get_power(pub_key):
            updates.append((pub_key, power))
    return updates
