"""Invariants of the supervision module (empty list = holds).

SUP-1: an account is frozen exactly when an EXECUTED freeze_account directive holds it, and
each (kind, target) is held by at most one EXECUTED directive.
"""

from __future__ import annotations

from finchain.crypto import parse_address
from finchain.modules.supervision import keys
from finchain.modules.supervision.keeper import EXECUTED, SupervisionView
from finchain.modules.supervision.messages import FREEZE_ACCOUNT
from finchain.state import StateReader


def check_freezes_follow_directives(state: StateReader) -> list[str]:
    view = SupervisionView(state)
    executed = [d for d in view.list_directives() if d.status == EXECUTED]
    violations = []
    held = [(d.kind, d.target) for d in executed]
    if len(held) != len(set(held)):
        violations.append(f"SUP-1 a target is held by two executed directives: {sorted(held)}")
    expected = {parse_address(d.target) for d in executed if d.kind == FREEZE_ACCOUNT}
    frozen = {k[len(keys.FROZEN_PREFIX) :] for k, _ in state.iterate(keys.FROZEN_PREFIX)}
    if frozen != expected:
        violations.append(
            f"SUP-1 frozen accounts {len(frozen)} != executed freezes {len(expected)}"
        )
    return violations


INVARIANTS = [check_freezes_follow_directives]
