r"""Module `clearing`: multi-bank real-time clearing and settlement (DOMAIN.md §1).

State layout (keys built in `keys.py`):
| key                                        | value                                          |
|--------------------------------------------|------------------------------------------------|
| `clearing/acct/<ccy>/<participant>`        | [balance, reserved_for_urgent] (uint bytes)    |
| `clearing/pledged/<ccy>`                   | pledged - redeemed (uint bytes)                |
| `clearing/pay/<uetr>`                      | Payment (number, sender, receiver, amount, ...)|
| `clearing/msg/<sender>\0<MsgId>\0<E2E>`     | uetr (idempotency, rule 6)                     |
| `clearing/queue/<ccy>/<u64 number>`        | uetr of a QUEUED or ON_HOLD payment            |
| `clearing/squeue/<ccy>/<sender>/<u64 num>` | the same, per sender (rule-2 check)            |
| `clearing/queued/<ccy>/<sender>/<priority>` | how many of them are QUEUED (rule-2 check)    |
| `clearing/suspended/<participant>`         | present while suspended                        |
| `clearing/cycle/<u64>`                     | LSM cycle: height, currency, settled, net      |
| `clearing/deadlock/<ccy>`                  | digest of the last recorded deadlock's inputs  |
| `clearing/bic/<BIC>`, `clearing/orgbic/<p>` | the BIC directory, both ways                   |
| `clearing/day/<ccy>/<u64 day>`             | closed day: cut-off height, tx, closing bal.   |
| `clearing/counter/payments`, `.../cycles`, `.../days/<ccy>` | next numbers                  |
| `clearing/params/auto_process`             | present while end-of-block processing is on    |

Messages (handlers in `handlers.py`): central bank `OpenAccount`, `Pledge`, `Redeem`, `RunLsm`
(gross retries, then one netting cycle), `CutOff` (rejects what is open, records the day),
`RegisterBic`, `SetSuspended` (a regulator suspends by a supervision directive instead);
participant banks `SetUrgentReserve` (rule 9), `SubmitPayment` (settles gross at once or is
QUEUED), `HoldPayment`, `ReleasePayment`, `CancelPayment`; by governance vote only
`SetAutoProcess`. Payment states: SETTLED | QUEUED <-> ON_HOLD -> CANCELLED, and
QUEUED/ON_HOLD -> REJECTED at cut-off. Participants are member organisations (org ids).
The pure netting core is `netting.compute_netting_cycle` (rule 4 with the urgent reserve of
rule 9); `check_netting_result` states CLR-4/5/6 as violations; `invariants.py` CLR-1/2 and the
queue bookkeeping.
Events (`events.py`): `clearing.account_opened`, `pledged`, `redeemed`, `urgent_reserve_set`,
`suspended`, `unsuspended`; `payment_queued`, `payment_settled` (method gross|lsm),
`payment_held`, `payment_released`, `payment_cancelled`, `payment_rejected` (with its reason);
`lsm_cycle`, `cut_off`, `auto_process_set`, `bic_registered`.
End of block (`process_end_of_block`, while auto-processing is on: genesis
`clearing.auto_process`, default on, then `SetAutoProcess`): gross retries and one netting cycle
per currency with a non-empty queue (rule 3); its events are the block's own events
(`BlockRecord.events`, ABCI `FinalizeBlock.events`, WebSocket with `tx_hash: null`).
Interface offered: `clearing.suspension` (`ParticipantSuspensions`).
Who may read what is `privacy.py` (applied by the API and by the scoped queries); the ISO 20022
edge lives in the API (`api/clearing_iso.py`). Guide: docs/clearing.md.
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
