"""Handlers of the clearing module, one function per message, in labelled steps.

Gross settlement (rules 2, 9): a payment settles at once when its sender can fund it (URGENT may
spend the urgent reserve, others only `balance - reserved`) and no older ACTIVE queued payment of
the sender has the same or a higher priority; otherwise it is QUEUED. `RunLsm` first retries the
queue gross (per sender in priority, then submission order, stopping at a sender's first
unfunded payment), then runs one netting cycle (`netting.compute_netting_cycle`) over what is
still queued, leaving out suspended participants (rule 7), and records the cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from itertools import groupby
from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.clearing.errors import (
    ERR_ACCOUNT_EXISTS,
    ERR_BIC_TAKEN,
    ERR_DUPLICATE_MESSAGE,
    ERR_HELD_BY_DIRECTIVE,
    ERR_ILLEGAL_TRANSITION,
    ERR_INSUFFICIENT_BALANCE,
    ERR_NOT_ACTIVE,
    ERR_SELF_PAYMENT,
    ERR_UNAUTHORIZED,
    ERR_UNKNOWN_PARTICIPANT,
)
from finchain.modules.clearing.events import (
    emit_account_opened,
    emit_auto_process_set,
    emit_bic_registered,
    emit_cut_off,
    emit_lsm_cycle,
    emit_payment_cancelled,
    emit_payment_held,
    emit_payment_queued,
    emit_payment_rejected,
    emit_payment_released,
    emit_payment_settled,
    emit_pledged,
    emit_redeemed,
    emit_suspended,
    emit_unsuspended,
    emit_urgent_reserve_set,
)
from finchain.modules.clearing.expected import Membership, SupervisoryHolds
from finchain.modules.clearing.keeper import (
    CANCELLED,
    ON_HOLD,
    QUEUED,
    REJECTED,
    SETTLED,
    Account,
    ClearingKeeper,
    Payment,
)
from finchain.modules.clearing.messages import (
    CancelPayment,
    CutOff,
    HoldPayment,
    OpenAccount,
    Pledge,
    Redeem,
    RegisterBic,
    ReleasePayment,
    RunLsm,
    SetAutoProcess,
    SetSuspended,
    SetUrgentReserve,
    SubmitPayment,
)
from finchain.modules.clearing.netting import Priority, QueuedPayment, compute_netting_cycle
from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler, Interfaces
from finchain.state import StateReader

MembershipFactory = Callable[[StateReader], Membership]
CUT_OFF_REASON = "unsettled at end of day"


def make_handlers(interfaces: Interfaces) -> Mapping[type, Handler]:
    """The clearing handlers, wired to the membership view and the supervisory directives."""
    membership: MembershipFactory = interfaces.get("members.membership")
    holds: Callable[[StateReader], SupervisoryHolds] = interfaces.get("supervision.holds")

    def bind(handler: Callable[[ExecutionContext, Any, Membership], None]) -> Handler:
        return lambda ctx, msg: handler(ctx, msg, membership(ctx.state))

    def set_suspended(ctx: ExecutionContext, msg: SetSuspended) -> None:
        handle_set_suspended(ctx, msg, membership(ctx.state), holds(ctx.state))

    return {
        OpenAccount: bind(handle_open_account),
        Pledge: bind(handle_pledge),
        Redeem: bind(handle_redeem),
        SubmitPayment: bind(handle_submit_payment),
        HoldPayment: bind(handle_hold_payment),
        ReleasePayment: bind(handle_release_payment),
        CancelPayment: bind(handle_cancel_payment),
        SetSuspended: set_suspended,
        SetUrgentReserve: bind(handle_set_urgent_reserve),
        RunLsm: bind(handle_run_lsm),
        CutOff: bind(handle_cut_off),
        RegisterBic: bind(handle_register_bic),
        SetAutoProcess: bind(handle_set_auto_process),
    }


# ---- accounts and liquidity -------------------------------------------------------------------


def handle_open_account(ctx: ExecutionContext, msg: OpenAccount, members: Membership) -> None:
    keeper = ClearingKeeper(ctx.state)
    # VALIDATE
    if not members.org_exists(msg.participant):
        raise InvalidTransaction(ERR_UNKNOWN_PARTICIPANT, f"no member {msg.participant!r}")
    if keeper.find_account(msg.participant, msg.currency) is not None:
        raise InvalidTransaction(
            ERR_ACCOUNT_EXISTS, f"{msg.participant} has a {msg.currency} account"
        )
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY
    keeper.save_account(Account(msg.participant, msg.currency, 0, 0))
    # EMIT
    emit_account_opened(ctx, msg.participant, msg.currency)


def handle_pledge(ctx: ExecutionContext, msg: Pledge, members: Membership) -> None:
    keeper = ClearingKeeper(ctx.state)
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY (CLR-1: pledged total and balances move together)
    account = keeper.add_balance(msg.participant, msg.currency, msg.amount)
    keeper.add_pledged(msg.currency, msg.amount)
    # EMIT
    emit_pledged(ctx, msg.participant, msg.currency, msg.amount, account.balance)


def handle_redeem(ctx: ExecutionContext, msg: Redeem, members: Membership) -> None:
    keeper = ClearingKeeper(ctx.state)
    # VALIDATE (CLR-2)
    account = keeper.get_account(msg.participant, msg.currency)
    if account.balance < msg.amount:
        raise InvalidTransaction(
            ERR_INSUFFICIENT_BALANCE, f"{msg.participant} holds {account.balance} {msg.currency}"
        )
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY
    keeper.add_balance(msg.participant, msg.currency, -msg.amount)
    keeper.add_pledged(msg.currency, -msg.amount)
    # EMIT
    emit_redeemed(ctx, msg.participant, msg.currency, msg.amount)


def handle_set_urgent_reserve(
    ctx: ExecutionContext, msg: SetUrgentReserve, members: Membership
) -> None:
    keeper = ClearingKeeper(ctx.state)
    # VALIDATE (a bank sets its own reserve: the account of the sender's organisation)
    participant = _sender_org(members, ctx)
    account = keeper.get_account(participant, msg.currency)
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY (rule 9: only URGENT payments may spend the reserve, gross and in the LSM)
    keeper.save_account(replace(account, reserved_for_urgent=msg.amount))
    # EMIT
    emit_urgent_reserve_set(ctx, participant, msg.currency, msg.amount)


def handle_set_suspended(
    ctx: ExecutionContext, msg: SetSuspended, members: Membership, holds: SupervisoryHolds
) -> None:
    keeper = ClearingKeeper(ctx.state)
    # VALIDATE
    if not members.org_exists(msg.participant):
        raise InvalidTransaction(ERR_UNKNOWN_PARTICIPANT, f"no member {msg.participant!r}")
    if not msg.suspended and holds.is_suspended_by_directive(msg.participant):
        raise InvalidTransaction(
            ERR_HELD_BY_DIRECTIVE, f"a directive keeps {msg.participant} suspended"
        )
    # AUTHORIZE: the roles its message declares (the regulator suspends by a directive instead)
    # APPLY
    keeper.set_suspended(msg.participant, bool(msg.suspended))
    # EMIT
    if msg.suspended:
        emit_suspended(ctx, msg.participant)
    else:
        emit_unsuspended(ctx, msg.participant)


# ---- payments -----------------------------------------------------------------------------------


def handle_submit_payment(ctx: ExecutionContext, msg: SubmitPayment, members: Membership) -> None:
    keeper = ClearingKeeper(ctx.state)
    # VALIDATE (the sender's organisation pays)
    sender = _sender_org(members, ctx)
    if msg.receiver == sender:
        raise InvalidTransaction(ERR_SELF_PAYMENT, "a bank cannot pay itself")
    for participant in (sender, msg.receiver):
        keeper.get_account(participant, msg.currency)
        if keeper.is_suspended(participant):
            raise InvalidTransaction(ERR_NOT_ACTIVE, f"{participant} is suspended")
    if keeper.has_message(sender, msg.msg_id, msg.end_to_end_id):
        raise InvalidTransaction(ERR_DUPLICATE_MESSAGE, "MsgId/EndToEndId already used")
    if keeper.find_payment(msg.uetr) is not None:
        raise InvalidTransaction(ERR_DUPLICATE_MESSAGE, f"UETR {msg.uetr} already used")
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY
    payment = Payment(
        uetr=msg.uetr,
        number=keeper.next_payment_number(),
        height=ctx.height,
        sender=sender,
        receiver=msg.receiver,
        currency=msg.currency,
        amount=msg.amount,
        priority=msg.priority,
        msg_id=msg.msg_id,
        end_to_end_id=msg.end_to_end_id,
        status=QUEUED,
    )
    keeper.record_message(payment)
    if not _is_blocked(keeper, payment) and _is_funded(keeper, payment):
        _settle_gross(ctx, keeper, payment)
        return
    keeper.save_payment(payment)
    # EMIT
    emit_payment_queued(ctx, payment)


def handle_hold_payment(ctx: ExecutionContext, msg: HoldPayment, members: Membership) -> None:
    _change_own_payment(ctx, msg.uetr, members, {QUEUED}, ON_HOLD, emit_payment_held)


def handle_release_payment(ctx: ExecutionContext, msg: ReleasePayment, members: Membership) -> None:
    _change_own_payment(ctx, msg.uetr, members, {ON_HOLD}, QUEUED, emit_payment_released)


def handle_cancel_payment(ctx: ExecutionContext, msg: CancelPayment, members: Membership) -> None:
    _change_own_payment(
        ctx, msg.uetr, members, {QUEUED, ON_HOLD}, CANCELLED, emit_payment_cancelled
    )


def handle_run_lsm(ctx: ExecutionContext, msg: RunLsm, members: Membership) -> None:
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY
    process_queue(ctx, ClearingKeeper(ctx.state), msg.currency)


def handle_cut_off(ctx: ExecutionContext, msg: CutOff, members: Membership) -> None:
    keeper = ClearingKeeper(ctx.state)
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY + EMIT (CLR-7: nothing stays queued; each rejection carries its reason)
    for payment in keeper.list_queue(msg.currency):
        rejected = payment.with_status(REJECTED, CUT_OFF_REASON)
        keeper.save_payment(rejected)
        emit_payment_rejected(ctx, rejected, CUT_OFF_REASON)
    # The closed day's balances anchor its end-of-day statements (camt.053).
    day = keeper.record_day(ctx.height, ctx.tx_hash, msg.currency)
    emit_cut_off(ctx, msg.currency, day.day)


def handle_set_auto_process(
    ctx: ExecutionContext, msg: SetAutoProcess, members: Membership
) -> None:
    # APPLY (AUTHORIZE: governance only, by the router)
    ClearingKeeper(ctx.state).set_auto_processing(bool(msg.enabled))
    # EMIT
    emit_auto_process_set(ctx, bool(msg.enabled))


def handle_register_bic(ctx: ExecutionContext, msg: RegisterBic, members: Membership) -> None:
    keeper = ClearingKeeper(ctx.state)
    # VALIDATE
    if not members.org_exists(msg.participant):
        raise InvalidTransaction(ERR_UNKNOWN_PARTICIPANT, f"no member {msg.participant!r}")
    holder = keeper.find_org_by_bic(msg.bic)
    if holder is not None and holder != msg.participant:
        raise InvalidTransaction(ERR_BIC_TAKEN, f"{msg.bic} is registered to {holder}")
    # AUTHORIZE: the roles its message declares (the ante)
    # APPLY
    keeper.register_bic(msg.participant, msg.bic)
    # EMIT
    emit_bic_registered(ctx, msg.participant, msg.bic)


def process_end_of_block(ctx: ExecutionContext, _: Interfaces) -> None:
    """Rule 3, when the chain's `auto_process` parameter is on: for every currency whose queue
    is not empty, gross retries and then one netting cycle. Called once per block after its
    transactions, on the block's state."""
    keeper = ClearingKeeper(ctx.state)
    if not keeper.is_auto_processing():
        return
    for currency in keeper.list_currencies():
        if keeper.has_queued(currency):
            process_queue(ctx, keeper, currency)


def process_queue(ctx: ExecutionContext, keeper: ClearingKeeper, currency: str) -> None:
    """Rule 3: gross retries, then one LSM cycle over what is still queued and eligible."""
    suspended = keeper.list_suspended()  # fixed for the whole call (rule 7)
    eligible = [
        p
        for p in keeper.list_queue(currency)
        if p.status == QUEUED and p.sender not in suspended and p.receiver not in suspended
    ]
    ordered = sorted(eligible, key=lambda p: (p.sender, p.rank, p.number))
    settled_gross: set[str] = set()
    for _, own in groupby(ordered, key=lambda p: p.sender):
        for payment in own:
            if not _is_funded(keeper, payment):
                break
            _settle_gross(ctx, keeper, payment)
            settled_gross.add(payment.uetr)
    remaining = [p for p in eligible if p.uetr not in settled_gross]  # still in queue order
    if not remaining:
        return
    accounts = {
        a.participant: a for a in keeper.list_accounts(currency) if a.participant not in suspended
    }
    result = compute_netting_cycle(
        [
            QueuedPayment(
                (p.height, p.number, 0),
                p.uetr,
                p.sender,
                p.receiver,
                p.amount,
                Priority[p.priority],
            )
            for p in remaining
        ],
        {bank: a.balance for bank, a in accounts.items()},
        {bank: a.reserved_for_urgent for bank, a in accounts.items()},
    )
    by_uetr = {p.uetr: p for p in remaining}  # unchanged since they were read
    for uetr in result.settled:
        settled = by_uetr[uetr].with_status(SETTLED)
        keeper.save_payment(settled)
        emit_payment_settled(ctx, settled, "lsm")
    changes = [(bank, change) for bank, change in result.net_changes.items() if change != 0]
    for bank, change in changes:
        keeper.add_balance(bank, currency, change)
    snapshot = compute_snapshot_digest(remaining, accounts.values())
    if result.deadlock and keeper.get_deadlock_snapshot(currency) == snapshot:
        return  # the same deadlock as last time: nothing to record again (no state growth)
    keeper.set_deadlock_snapshot(currency, snapshot if result.deadlock else None)
    number = keeper.record_cycle(ctx.height, currency, result.settled, changes, result.deadlock)
    emit_lsm_cycle(ctx, number, currency, len(result.settled), result.deadlock)


# ---- helpers ----------------------------------------------------------------------------------


def compute_snapshot_digest(payments: list[Payment], accounts: Iterable[Account]) -> bytes:
    """SHA-256 over what a netting cycle saw (queued payment ids in order, balances, reserves):
    a deadlock over the same snapshot is recorded once, not at every block."""
    parts = [p.uetr for p in payments]
    parts += [f"{a.participant}={a.balance}/{a.reserved_for_urgent}" for a in accounts]
    return hashlib.sha256("\n".join(parts).encode()).digest()


def _sender_org(members: Membership, ctx: ExecutionContext) -> str:
    """The sender's organisation (the ante already checked the roles its message declares)."""
    org = members.find_org_of(ctx.sender)
    if org is None:
        raise InvalidTransaction(ERR_UNAUTHORIZED, "the sender is not a member's account")
    return org


def _change_own_payment(
    ctx: ExecutionContext,
    uetr: str,
    members: Membership,
    allowed_from: set[str],
    new_status: str,
    emit: Callable[[ExecutionContext, Payment], None],
) -> None:
    keeper = ClearingKeeper(ctx.state)
    payment = keeper.get_payment(uetr)
    # AUTHORIZE
    if members.find_org_of(ctx.sender) != payment.sender:
        raise InvalidTransaction(ERR_UNAUTHORIZED, "only the sending bank may change a payment")
    # VALIDATE
    if payment.status not in allowed_from:
        raise InvalidTransaction(
            ERR_ILLEGAL_TRANSITION, f"payment is {payment.status}; needs {sorted(allowed_from)}"
        )
    # APPLY
    changed = payment.with_status(new_status)
    keeper.save_payment(changed)
    # EMIT
    emit(ctx, changed)


def _is_blocked(keeper: ClearingKeeper, payment: Payment) -> bool:
    """Rule 2, with rule 7: an older ACTIVE queued payment of the sender with the same or a
    higher priority holds this one back; one to or from a suspended participant is out of
    settlement and holds nothing back. Point reads of the per-priority QUEUED counts answer
    it unless someone is suspended."""
    higher_or_same = [p.value for p in Priority][: payment.rank + 1]
    counts = [keeper.count_queued(payment.currency, payment.sender, p) for p in higher_or_same]
    if not any(counts):
        return False
    if not keeper.any_suspended():
        return True
    return any(
        _is_eligible(keeper, older) and older.rank <= payment.rank
        for older in keeper.iter_sender_queue(payment.currency, payment.sender)
    )


def _is_eligible(keeper: ClearingKeeper, payment: Payment) -> bool:
    """Active and between unsuspended participants (rules 2, 7)."""
    return (
        payment.status == QUEUED
        and not keeper.is_suspended(payment.sender)
        and not keeper.is_suspended(payment.receiver)
    )


def _is_funded(keeper: ClearingKeeper, payment: Payment) -> bool:
    account = keeper.get_account(payment.sender, payment.currency)
    spendable = (
        account.balance
        if payment.priority == "URGENT"
        else account.balance - account.reserved_for_urgent
    )
    return spendable >= payment.amount


def _settle_gross(ctx: ExecutionContext, keeper: ClearingKeeper, payment: Payment) -> None:
    keeper.add_balance(payment.sender, payment.currency, -payment.amount)
    keeper.add_balance(payment.receiver, payment.currency, payment.amount)
    settled = payment.with_status(SETTLED)
    keeper.save_payment(settled)
    emit_payment_settled(ctx, settled, "gross")
