"""Genesis of the clearing module: its parameters.

`{"auto_process": true}` (the default) makes every block end with gross retries and one netting
cycle per currency whose queue is not empty (rule 3); `false` leaves both to `RunLsm` (tests).
Later changes by a governance vote: `clearing/SetAutoProcess@1`.
"""

from __future__ import annotations

from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.clearing.errors import ERR_BAD_FIELD
from finchain.modules.clearing.keeper import ClearingKeeper, ClearingView
from finchain.modules.module import GenesisContext
from finchain.state import StateReader, StateWriter


def init_clearing_genesis(state: StateWriter, section: Any, _: GenesisContext) -> None:
    if not isinstance(section, dict):
        raise InvalidTransaction(ERR_BAD_FIELD, "clearing genesis must be a JSON object")
    unknown = sorted(set(section) - {"auto_process"})
    auto_process = section.get("auto_process", True)
    if unknown or not isinstance(auto_process, bool):
        raise InvalidTransaction(
            ERR_BAD_FIELD, f"clearing genesis takes only auto_process (bool), got {section}"
        )
    ClearingKeeper(state).set_auto_processing(auto_process)


def export_clearing_genesis(state: StateReader) -> dict[str, Any]:
    return {"auto_process": ClearingView(state).is_auto_processing()}
