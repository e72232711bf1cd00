"""Invariants of the validators module: functions that return violations (empty list = holds)."""

from __future__ import annotations

from finchain.modules.validators.keeper import MAX_POWER, ValidatorsView
from finchain.state import StateReader


def check_powers_in_range(state: StateReader) -> list[str]:
    """Every recorded validator has power 1 .. MAX_POWER (0 means removed, never stored)."""
    return [
        f"validator {v.pub_key.hex()} has power {v.power}"
        for v in ValidatorsView(state).list_validators()
        if not 0 < v.power <= MAX_POWER
    ]


INVARIANTS = [check_powers_in_range]
