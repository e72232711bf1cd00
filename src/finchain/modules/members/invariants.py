"""Invariants of the members module: functions that return violations (empty list = holds)."""

from __future__ import annotations

from finchain.modules.members import keys
from finchain.modules.members.keeper import MembersView
from finchain.state import StateReader


def check_accounts_belong_to_orgs(state: StateReader) -> list[str]:
    view = MembersView(state)
    violations = []
    for key, org_id in state.iterate(keys.ACCOUNT_PREFIX):
        if view.find_org(org_id.decode()) is None:
            address = key[len(keys.ACCOUNT_PREFIX) :].hex()
            violations.append(f"account {address} names missing organisation {org_id.decode()}")
    return violations


INVARIANTS = [check_accounts_belong_to_orgs]
