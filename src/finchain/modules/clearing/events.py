"""Events of the clearing module: names and attributes in one place.

Every payment event carries the payment (`uetr, sender, receiver, currency, amount, priority,
status`), `payment_settled` then its `method` (gross | lsm) and `payment_rejected` its
`reason`. Who may read each event is `privacy.event_parties`.
"""

from __future__ import annotations

from finchain.modules.clearing.keeper import Payment
from finchain.modules.context import ExecutionContext

ACCOUNT_OPENED = "clearing.account_opened"
PLEDGED = "clearing.pledged"
REDEEMED = "clearing.redeemed"
URGENT_RESERVE_SET = "clearing.urgent_reserve_set"
SUSPENDED = "clearing.suspended"
UNSUSPENDED = "clearing.unsuspended"
PAYMENT_QUEUED = "clearing.payment_queued"
PAYMENT_SETTLED = "clearing.payment_settled"
PAYMENT_HELD = "clearing.payment_held"
PAYMENT_RELEASED = "clearing.payment_released"
PAYMENT_CANCELLED = "clearing.payment_cancelled"
PAYMENT_REJECTED = "clearing.payment_rejected"
LSM_CYCLE = "clearing.lsm_cycle"
CUT_OFF = "clearing.cut_off"
AUTO_PROCESS_SET = "clearing.auto_process_set"
BIC_REGISTERED = "clearing.bic_registered"


# ---- accounts and liquidity -------------------------------------------------------------------


def emit_account_opened(ctx: ExecutionContext, participant: str, currency: str) -> None:
    ctx.emit(ACCOUNT_OPENED, participant=participant, currency=currency)


def emit_pledged(
    ctx: ExecutionContext, participant: str, currency: str, amount: int, balance: int
) -> None:
    ctx.emit(
        PLEDGED,
        participant=participant,
        currency=currency,
        amount=str(amount),
        balance=str(balance),
    )


def emit_redeemed(ctx: ExecutionContext, participant: str, currency: str, amount: int) -> None:
    ctx.emit(REDEEMED, participant=participant, currency=currency, amount=str(amount))


def emit_urgent_reserve_set(
    ctx: ExecutionContext, participant: str, currency: str, amount: int
) -> None:
    ctx.emit(URGENT_RESERVE_SET, participant=participant, currency=currency, amount=str(amount))


def emit_suspended(ctx: ExecutionContext, participant: str) -> None:
    ctx.emit(SUSPENDED, participant=participant)


def emit_unsuspended(ctx: ExecutionContext, participant: str) -> None:
    ctx.emit(UNSUSPENDED, participant=participant)


# ---- payments -----------------------------------------------------------------------------------


def emit_payment_queued(ctx: ExecutionContext, payment: Payment) -> None:
    _emit_payment(ctx, PAYMENT_QUEUED, payment)


def emit_payment_settled(ctx: ExecutionContext, payment: Payment, method: str) -> None:
    _emit_payment(ctx, PAYMENT_SETTLED, payment, method=method)


def emit_payment_held(ctx: ExecutionContext, payment: Payment) -> None:
    _emit_payment(ctx, PAYMENT_HELD, payment)


def emit_payment_released(ctx: ExecutionContext, payment: Payment) -> None:
    _emit_payment(ctx, PAYMENT_RELEASED, payment)


def emit_payment_cancelled(ctx: ExecutionContext, payment: Payment) -> None:
    _emit_payment(ctx, PAYMENT_CANCELLED, payment)


def emit_payment_rejected(ctx: ExecutionContext, payment: Payment, reason: str) -> None:
    _emit_payment(ctx, PAYMENT_REJECTED, payment, reason=reason)


# ---- netting, end of day and directory ----------------------------------------------------------


def emit_lsm_cycle(
    ctx: ExecutionContext, number: int, currency: str, settled: int, deadlock: bool
) -> None:
    ctx.emit(
        LSM_CYCLE,
        number=str(number),
        currency=currency,
        settled=str(settled),
        deadlock=str(deadlock).lower(),
    )


def emit_cut_off(ctx: ExecutionContext, currency: str, day: int) -> None:
    ctx.emit(CUT_OFF, currency=currency, day=str(day))


def emit_auto_process_set(ctx: ExecutionContext, enabled: bool) -> None:
    ctx.emit(AUTO_PROCESS_SET, enabled=str(enabled).lower())


def emit_bic_registered(ctx: ExecutionContext, participant: str, bic: str) -> None:
    ctx.emit(BIC_REGISTERED, participant=participant, bic=bic)


def _emit_payment(ctx: ExecutionContext, event: str, payment: Payment, **extra: str) -> None:
    ctx.emit(
        event,
        uetr=payment.uetr,
        sender=payment.sender,
        receiver=payment.receiver,
        currency=payment.currency,
        amount=str(payment.amount),
        priority=payment.priority,
        status=payment.status,
        **extra,
    )
