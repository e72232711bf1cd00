"""Invariants of the clearing module over committed or branch state (empty list = holds)."""

from __future__ import annotations

from finchain.codec import decode_uint
from finchain.modules.clearing import keys
from finchain.modules.clearing.keeper import TERMINAL, ClearingView, Payment
from finchain.state import StateReader


def check_balances_match_pledges(state: StateReader) -> list[str]:
    """CLR-1: per currency, the sum of settlement balances = pledged - redeemed.
    CLR-2: no balance is negative."""
    view = ClearingView(state)
    violations = []
    for currency in view.list_currencies():
        accounts = view.list_accounts(currency)
        total = sum(a.balance for a in accounts)
        if total != view.get_pledged(currency):
            violations.append(
                f"CLR-1 {currency}: balances {total} != pledged {view.get_pledged(currency)}"
            )
        violations += [
            f"CLR-2 {a.participant} {currency} balance {a.balance} < 0"
            for a in accounts
            if a.balance < 0
        ]
    return violations


def check_queue_holds_open_payments(state: StateReader) -> list[str]:
    """CLR-3/7 bookkeeping: the queue, and the per-sender queues, list exactly the payments that
    are QUEUED or ON_HOLD; the per-(currency, sender, priority) counts of QUEUED ones match."""
    view = ClearingView(state)
    violations = []
    queued = set()
    for _, raw in state.iterate(keys.QUEUE_PREFIX):
        payment = view.get_payment(raw.decode())
        queued.add(payment.uetr)
        if payment.status in TERMINAL:
            violations.append(f"queue lists {payment.uetr} in terminal state {payment.status}")
    counts: dict[bytes, int] = {}
    for uetr in queued:
        payment = view.get_payment(uetr)
        if payment.status == "QUEUED":
            key = keys.queued_count_key(payment.currency, payment.sender, payment.priority)
            counts[key] = counts.get(key, 0) + 1
    recorded = {k: decode_uint(v) for k, v in state.iterate(keys.QUEUED_COUNT_PREFIX)}
    if recorded != counts:
        violations.append(f"QUEUED counts {sorted(recorded.items())} != {sorted(counts.items())}")
    by_sender = {raw.decode() for _, raw in state.iterate(keys.SENDER_QUEUE_PREFIX)}
    if by_sender != queued:
        violations.append(f"sender queues differ from the queue: {sorted(by_sender ^ queued)}")
    for _, raw in state.iterate(keys.PAYMENT_PREFIX):
        payment = Payment.decode(raw)
        if payment.status not in TERMINAL and payment.uetr not in queued:
            violations.append(f"open payment {payment.uetr} ({payment.status}) is not in the queue")
    return violations


INVARIANTS = [check_balances_match_pledges, check_queue_holds_open_payments]
