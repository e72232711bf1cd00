"""Module `clearing`: multi-bank real-time clearing and settlement (DOMAIN.md §1).

This package will become the clearing module (payments, the central queue, gross settlement,
the liquidity-saving mechanism, suspension and cut-off, with messages, keeper, handlers and
invariants in the shape of ARCHITECTURE §5). Today it holds only the pure netting core:
`compute_netting_cycle` runs one LSM cycle (settlement rule 4, with the urgent reserve of rule 9)
on a queue snapshot, `apply_net_changes` turns its result into balances, and
`check_netting_result` returns violations of CLR-4, CLR-5 and CLR-6. No message handlers are
registered and nothing here touches the state store.

Errors: see `errors.py` (`clearing/invalid_amount`, `clearing/self_payment`,
`clearing/unknown_participant`, `clearing/duplicate_payment`, `clearing/invalid_balance`,
`clearing/invalid_sequence`).
"""

from __future__ import annotations

from finchain.modules.clearing.netting import (
    MAX_AMOUNT,
    NettingResult,
    Priority,
    QueuedPayment,
    Seq,
    apply_net_changes,
    check_netting_result,
    compute_net_changes,
    compute_netting_cycle,
    compute_position,
    validate_netting_input,
)

__all__ = [
    "MAX_AMOUNT",
    "NettingResult",
    "Priority",
    "QueuedPayment",
    "Seq",
    "apply_net_changes",
    "check_netting_result",
    "compute_net_changes",
    "compute_netting_cycle",
    "compute_position",
    "validate_netting_input",
]
