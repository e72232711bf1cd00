"""Genesis of the supervision module: regulators' scopes.

    "supervision": {"scopes": {"regulator": ["bank-a", "bank-b"]}}

A regulator without an entry supervises every member organisation.
"""

from __future__ import annotations

from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.module import GenesisContext
from finchain.modules.supervision.errors import ERR_BAD_FIELD
from finchain.modules.supervision.keeper import SupervisionKeeper
from finchain.modules.supervision.messages import SetScope
from finchain.state import StateWriter


def init_supervision_genesis(state: StateWriter, section: Any, _: GenesisContext) -> None:
    if not isinstance(section, dict):
        raise InvalidTransaction(ERR_BAD_FIELD, "supervision genesis must be a JSON object")
    unknown = sorted(set(section) - {"scopes"})
    if unknown:
        raise InvalidTransaction(ERR_BAD_FIELD, f"unknown supervision genesis fields {unknown}")
    keeper = SupervisionKeeper(state)
    for org_id, orgs in sorted(dict(section.get("scopes", {})).items()):
        if not isinstance(orgs, list) or not all(isinstance(o, str) for o in orgs):
            raise InvalidTransaction(ERR_BAD_FIELD, f"scope of {org_id} must be a list of org ids")
        scope = SetScope(org_id, ",".join(orgs))
        scope.validate_basic()
        keeper.set_scope(org_id, scope.org_list)
