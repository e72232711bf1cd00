"""Genesis of the contracts module: the optional `contracts` section sets its parameters."""

from __future__ import annotations

from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.contracts.errors import ERR_BAD_PARAMS
from finchain.modules.contracts.keeper import ContractsKeeper, ContractsView
from finchain.modules.contracts.params import (
    DEFAULT_DEPLOYER_ROLES,
    DEFAULT_MAX_COMPUTE,
    ContractParams,
)
from finchain.modules.module import GenesisContext
from finchain.state import StateReader, StateWriter

FIELDS = {"deployer_roles", "max_compute", "compute_price"}


def init_contracts_genesis(state: StateWriter, section: Any, _: GenesisContext) -> None:
    if not isinstance(section, dict):
        raise InvalidTransaction(ERR_BAD_PARAMS, "contracts genesis must be a JSON object")
    unknown = sorted(set(section) - FIELDS)
    if unknown:
        raise InvalidTransaction(ERR_BAD_PARAMS, f"unknown contracts genesis fields {unknown}")
    roles = section.get("deployer_roles", list(DEFAULT_DEPLOYER_ROLES))
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidTransaction(ERR_BAD_PARAMS, "contracts.deployer_roles must be a list of roles")
    try:
        params = ContractParams(
            tuple(roles),
            int(section.get("max_compute", DEFAULT_MAX_COMPUTE)),
            int(section.get("compute_price", 0)),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidTransaction(ERR_BAD_PARAMS, f"bad contracts genesis: {exc}") from None
    params.validate()
    ContractsKeeper(state).set_params(params)


def export_contracts_genesis(state: StateReader) -> dict[str, object]:
    return ContractsView(state).params().to_json()
