"""Invariants of the governance module (empty list = holds).

GOV-1: a proposal is EXECUTED or FAILED only if its recorded tally met its threshold; PASSED
never stays (it is executed in the same end of block). GOV-2: every VOTING proposal is
scheduled to close at its end height, and nothing else is.
"""

from __future__ import annotations

from finchain.modules.governance import keys
from finchain.modules.governance.keeper import EXECUTED, FAILED, PASSED, VOTING, GovernanceView
from finchain.modules.governance.params import meets_threshold
from finchain.state import StateReader


def check_outcomes_follow_tallies(state: StateReader) -> list[str]:
    violations = []
    for p in GovernanceView(state).list_proposals():
        if p.status in (EXECUTED, FAILED) and not meets_threshold(
            p.threshold, p.tally.yes, p.tally.total
        ):
            violations.append(f"GOV-1 proposal {p.proposal_id} {p.status} without its threshold")
        if p.status == PASSED:
            violations.append(f"GOV-1 proposal {p.proposal_id} passed but was not executed")
    return violations


def check_closing_schedule(state: StateReader) -> list[str]:
    view = GovernanceView(state)
    scheduled = {keys.parse_ending_key(k) for k, _ in state.iterate(keys.ENDING_PREFIX)}
    voting = {p.proposal_id for p in view.list_proposals() if p.status == VOTING}
    if scheduled != voting:
        return [f"GOV-2 scheduled closes {sorted(scheduled)} != voting {sorted(voting)}"]
    return []


INVARIANTS = [check_outcomes_follow_tallies, check_closing_schedule]
