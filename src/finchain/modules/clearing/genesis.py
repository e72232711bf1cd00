"""Genesis of the clearing module: its parameters.

`{"auto_process": true}` (the default) makes every block end with gross retries and one netting
cycle per currency whose queue is not empty (rule 3); `false` leaves both to `RunLsm` (tests).
Later changes by a governance vote: `clearing/SetAutoProcess@1`.
"""

from __future__ import annotations

from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.clearing.errors import ERR_BAD_FIELD
from finchain.modules.clearing.keeper import ClearingKeeper
from finchain.state import StateWriter


def init_clearing_genesis(state: StateWriter, section: dict[str, Any]) -> None:
    unknown = sorted(set(section) - {"auto_process"})
    auto_process = section.get("auto_process", True)
    if unknown or not isinstance(auto_process, bool):
        raise InvalidTransaction(
            ERR_BAD_FIELD, f"clearing genesis takes only auto_process (bool), got {section}"
        )
    ClearingKeeper(state).set_auto_processing(auto_process)
