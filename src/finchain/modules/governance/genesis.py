"""Genesis of the governance module: its parameters and voting weights.

"governance": {
  "voting_period_blocks": 10,            # default 10
  "default_threshold": "majority",       # majority | two_thirds | all (of all weight)
  "thresholds": {"members/RemoveOrg@1": "two_thirds"},   # per action type, merged over
                                         # the defaults in params.py
  "default_weight": 1,                   # every member organisation's weight unless set
  "weights": {"regulator": 0}            # per organisation
}
"""

from __future__ import annotations

from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.governance.errors import ERR_BAD_GENESIS
from finchain.modules.governance.keeper import GovernanceKeeper
from finchain.modules.governance.messages import SetParams, SetThreshold
from finchain.modules.governance.params import DEFAULT_ACTION_THRESHOLDS, GovernanceParams
from finchain.modules.module import GenesisContext
from finchain.state import StateWriter

_FIELDS = {"voting_period_blocks", "default_threshold", "thresholds", "default_weight", "weights"}


def init_governance_genesis(state: StateWriter, section: Any, _: GenesisContext) -> None:
    if not isinstance(section, dict):
        raise InvalidTransaction(ERR_BAD_GENESIS, "governance genesis must be a JSON object")
    unknown = sorted(set(section) - _FIELDS)
    if unknown:
        raise InvalidTransaction(ERR_BAD_GENESIS, f"unknown governance genesis fields {unknown}")
    defaults = GovernanceParams()
    params = SetParams(
        int(section.get("voting_period_blocks", defaults.voting_period_blocks)),
        str(section.get("default_threshold", defaults.default_threshold)),
        int(section.get("default_weight", defaults.default_weight)),
    )
    params.validate_basic()
    thresholds = DEFAULT_ACTION_THRESHOLDS | dict(section.get("thresholds", {}))
    for action_type, threshold in thresholds.items():
        SetThreshold(action_type, threshold).validate_basic()
    keeper = GovernanceKeeper(state)
    keeper.set_params(
        GovernanceParams(
            params.voting_period_blocks,
            params.default_threshold,
            tuple(sorted(thresholds.items())),
            params.default_weight,
        )
    )
    for org_id, weight in sorted(dict(section.get("weights", {})).items()):
        if type(weight) is not int or weight < 0:
            raise InvalidTransaction(ERR_BAD_GENESIS, f"weight of {org_id} must be an int >= 0")
        keeper.set_weight(org_id, weight)
