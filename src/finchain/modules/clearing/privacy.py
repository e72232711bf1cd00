"""Who may read what of clearing (DOMAIN.md §1 Privacy), as pure functions over plain values.

Payment details are visible to the sending and the receiving bank, the central bank and the
regulator. A bank's settlement balance, pledges, redemptions and urgent reserve are visible to
that bank, the central bank and the regulator. Other banks see at most that a netting cycle
happened and their own net result. Suspensions, cut-offs, the BIC directory and netting-cycle
counts are public within the consortium (a bank must know whom it cannot pay).

A party set of `None` means "public"; otherwise only the named participants (org ids) and the
supervisors that cover one of them may read the item (`ReadScope.may_read`). The API applies
these rules; the chain itself is replicated in clear to every member node (encrypted payloads
are a later privacy issue).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finchain.model.receipt import Event
from finchain.modules.clearing import events
from finchain.modules.clearing.keeper import Payment
from finchain.modules.clearing.messages import (
    CancelPayment,
    HoldPayment,
    OpenAccount,
    Pledge,
    Redeem,
    ReleasePayment,
    SetUrgentReserve,
    SubmitPayment,
)
from finchain.modules.scope import ReadScope

Parties = frozenset[str] | None
_PAYMENT_EVENTS = frozenset(
    {
        events.PAYMENT_SETTLED,
        events.PAYMENT_QUEUED,
        events.PAYMENT_HELD,
        events.PAYMENT_RELEASED,
        events.PAYMENT_CANCELLED,
        events.PAYMENT_REJECTED,
    }
)
_ACCOUNT_EVENTS = frozenset(
    {events.ACCOUNT_OPENED, events.PLEDGED, events.REDEEMED, events.URGENT_RESERVE_SET}
)


def payment_parties(payment: Payment) -> frozenset[str]:
    return frozenset({payment.sender, payment.receiver})


def message_parties(msg: Any, signer_org: str | None) -> Parties:
    """Who may read a clearing message signed by `signer_org`; `None` for public messages."""
    signer = frozenset() if signer_org is None else frozenset({signer_org})
    if isinstance(msg, SubmitPayment):
        return signer | {msg.receiver}
    if isinstance(msg, HoldPayment | ReleasePayment | CancelPayment | SetUrgentReserve):
        return signer
    if isinstance(msg, OpenAccount | Pledge | Redeem):
        return signer | {msg.participant}
    return None


def event_parties(event: Event) -> Parties:
    """Who may read a clearing event; `None` for public ones (and for other modules' events)."""
    attributes = dict(event.attributes)
    if event.type in _PAYMENT_EVENTS:
        return frozenset({attributes["sender"], attributes["receiver"]})
    if event.type in _ACCOUNT_EVENTS:
        return frozenset({attributes["participant"]})
    return None


def view_cycle(
    cycle: dict[str, Any], scope: ReadScope, find_payment: Callable[[str], Payment | None]
) -> dict[str, Any]:
    """A netting cycle as `scope` may see it: the net changes of the organisations it covers
    (a bank: its own) and the settled payments it may read."""
    settled = []
    for uetr in cycle["settled"]:
        payment = find_payment(uetr)
        if payment is not None and scope.may_read(payment_parties(payment)):
            settled.append(uetr)
    net_changes = {b: change for b, change in cycle["net_changes"].items() if scope.covers(b)}
    return {**cycle, "settled": settled, "net_changes": net_changes}
