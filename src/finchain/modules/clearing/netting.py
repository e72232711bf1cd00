"""The liquidity-saving mechanism (LSM): one multilateral netting cycle over a queue snapshot.

Owns DOMAIN.md §1 settlement rule 4 (Ubin/Quorum gridlock resolution as fixed for finchain) with
rule 9 (urgent reserve) folded into the position. Given the active queued payments, the balances
and the urgent reserves, `compute_netting_cycle` says which payments settle together, which go
back to the queue, and each bank's net change. `check_netting_result` states CLR-4/5/6 as
violations.

Algorithm (rule 4):
1. Every active queued payment starts active. A bank's *position* is computed as if every active
   payment settled (below).
2. Banks are visited in ascending bank id (`str` order). A bank whose position is negative
   deactivates its own active outflows newest first (descending sequence number), whatever their
   priority, until its position is >= 0. Each deactivation lowers the receiver's position.
3. Full rounds repeat until a round deactivates nothing; everything still active settles at once,
   as one net change per bank. Deactivated payments go back to the queue unchanged.
4. `deadlock` is true when the queue was non-empty and nothing settled.

Position with the urgent reserve (rule 9: the reserve may be spent only by URGENT payments).
With `balance`, `reserved`, and the bank's *active* `inflows`, `outflows` (all priorities) and
`non_urgent_outflows` (HIGH and NORMAL)::

    position = min(balance + inflows - outflows,
                   max(0, balance - reserved + inflows) - non_urgent_outflows)

The first term: the bank's balance after the cycle is >= 0 (CLR-2). The second term: non-urgent
payments are paid from unreserved money only; incoming payments count as unreserved money but
first refill a reserve larger than the balance, exactly as the gross rule `balance - reserved >=
amount` would see them once credited. Urgent payments may use the reserve. The `max(0, ...)`
makes a bank with no active non-urgent outflow never "short" of unreserved money, so its urgent
payments are not deactivated for a shortfall they cannot cure. After the cycle a bank may hold
less than its reserve, but only because urgent payments spent it.

Why the visiting order does not matter (and why the loop ends): each bank's active outflows are
always its oldest ones, a prefix of one fixed newest-first chain, and the position only grows
when the bank drops an outflow or receives more. Each visit therefore moves a bank to the longest
prefix that is feasible given the others, a monotone step; starting from "everything active",
any visiting order reaches the same greatest feasible configuration (the largest set of per-bank
oldest-first prefixes in which every position is >= 0), and the result is the unique maximum.
With no active outflows a position is >= 0, so a bank never runs out of payments to drop.
Consequence for CLR-4: per sender and priority, the settled payments are the oldest queued ones.

Caller's duties (not checked here): pass only ACTIVE queued payments (not ON_HOLD, cancelled or
settled: CLR-5), of one currency; leave out every payment to or from a suspended participant
and the participant itself (rule 7); run gross retries first (rule 3). Apply the result with
`apply_net_changes` in one state write, so the cycle is atomic.

Must never: read or write the state store, use a clock, randomness, floats or I/O, iterate an
unordered collection, or depend on the order of its inputs (CLR-6).
Concurrency: pure functions over immutable values; safe from any thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import pairwise
from types import MappingProxyType

from finchain.errors import InternalError, InvalidTransaction
from finchain.modules.clearing.errors import (
    ERR_DUPLICATE_PAYMENT,
    ERR_INVALID_AMOUNT,
    ERR_INVALID_BALANCE,
    ERR_INVALID_SEQUENCE,
    ERR_SELF_PAYMENT,
    ERR_UNKNOWN_PARTICIPANT,
)

MAX_AMOUNT = 2**63 - 1

Seq = tuple[int, int, int]
"""Global submission order (rule 1): (block height, tx index, message index); lower is older."""


class Priority(Enum):
    """Payment priority (DOMAIN.md §1). Only URGENT may spend `reserved_for_urgent` (rule 9)."""

    URGENT = "URGENT"
    HIGH = "HIGH"
    NORMAL = "NORMAL"

    @property
    def is_urgent(self) -> bool:
        return self is Priority.URGENT


@dataclass(frozen=True, slots=True)
class QueuedPayment:
    """One ACTIVE queued payment in the snapshot given to the LSM."""

    seq: Seq
    payment_id: str
    sender: str
    receiver: str
    amount: int
    priority: Priority


@dataclass(frozen=True, slots=True)
class NettingResult:
    """The outcome of one cycle.

    `settled` and `deactivated` hold payment ids in sequence order and together hold every
    payment of the snapshot once. `net_changes` has one entry per bank given in `balances`,
    sorted by bank id (0 for banks without a settled payment); it sums to zero.
    """

    settled: tuple[str, ...]
    deactivated: tuple[str, ...]
    net_changes: Mapping[str, int] = field(hash=False)
    deadlock: bool


# ---- the cycle ------------------------------------------------------------------------------


def compute_netting_cycle(
    queue: Iterable[QueuedPayment],
    balances: Mapping[str, int],
    reserved_for_urgent: Mapping[str, int] | None = None,
) -> NettingResult:
    """Run one LSM cycle (rule 4, with rule 9) on a queue snapshot; see the module docstring.

    `balances` names every participating bank (integer minor units, >= 0);
    `reserved_for_urgent` maps a bank to its reserve (missing = 0). Raises `InvalidTransaction`
    (`clearing/...`) for a malformed snapshot; the result does not depend on input order.
    """
    snapshot = tuple(queue)
    reserved = reserved_for_urgent or {}
    # VALIDATE
    validate_netting_input(snapshot, balances, reserved)
    payments = sorted(snapshot, key=_seq_key)
    # POSITIONS: every payment active
    books = {bank: _BankBook(balances[bank], reserved.get(bank, 0)) for bank in sorted(balances)}
    for payment in payments:
        books[payment.sender].add_outflow(payment)
        books[payment.receiver].inflows += payment.amount
    # RESOLVE: full rounds in ascending bank id until a round changes nothing
    deactivated_ids: set[str] = set()
    changed = True
    while changed:
        changed = False
        for book in books.values():
            while book.position() < 0:
                payment = book.drop_newest_outflow()
                books[payment.receiver].inflows -= payment.amount
                deactivated_ids.add(payment.payment_id)
                changed = True
    # SETTLE: the remaining active set, as one net change per bank
    settled = [p for p in payments if p.payment_id not in deactivated_ids]
    return NettingResult(
        settled=tuple(p.payment_id for p in settled),
        deactivated=tuple(p.payment_id for p in payments if p.payment_id in deactivated_ids),
        net_changes=compute_net_changes(settled, balances),
        deadlock=bool(payments) and not settled,
    )


def compute_position(
    balance: int, reserved: int, inflows: int, outflows: int, non_urgent_outflows: int
) -> int:
    """A bank's LSM position with its urgent reserve (rule 9); see the module docstring."""
    all_payments = balance + inflows - outflows
    non_urgent_payments = max(0, balance - reserved + inflows) - non_urgent_outflows
    return min(all_payments, non_urgent_payments)


def compute_net_changes(
    settled: Iterable[QueuedPayment], balances: Mapping[str, int]
) -> Mapping[str, int]:
    """Each bank's net change (received - paid) from settled payments, sorted by bank id."""
    net = dict.fromkeys(sorted(balances), 0)
    for payment in settled:
        net[payment.sender] -= payment.amount
        net[payment.receiver] += payment.amount
    return MappingProxyType(net)


def apply_net_changes(balances: Mapping[str, int], result: NettingResult) -> dict[str, int]:
    """The balances after a cycle, sorted by bank id; pure (the caller writes them at once)."""
    unknown = [bank for bank in result.net_changes if bank not in balances]
    if unknown:
        raise InvalidTransaction(
            ERR_UNKNOWN_PARTICIPANT, f"net change for a bank without a balance: {unknown[0]}"
        )
    return {bank: balances[bank] + result.net_changes.get(bank, 0) for bank in sorted(balances)}


# ---- invariants -----------------------------------------------------------------------------


def check_netting_result(
    queue: Iterable[QueuedPayment],
    balances: Mapping[str, int],
    reserved_for_urgent: Mapping[str, int] | None,
    result: NettingResult,
) -> list[str]:
    """Violations of CLR-4, CLR-5 and CLR-6 by `result` for this snapshot (empty list = holds).

    CLR-5: `settled` and `deactivated` are disjoint, in sequence order, and together exactly the
    queued payments (so every payment not settled goes back to the queue, unchanged); the net
    changes are those of the settled payments, one per bank in bank order, and sum to zero;
    every post-cycle balance is >= 0, and a bank settling non-urgent outflows pays them without
    its reserve (rule 9: balance + settled inflows - settled non-urgent outflows >= reserved);
    `deadlock` is true iff the queue is non-empty and nothing settled.
    CLR-4: per sender and priority, no payment goes back to the queue while a newer one settles.
    CLR-6: the result equals a fresh cycle on the same snapshot given in another order.
    """
    snapshot = tuple(queue)
    reserved = reserved_for_urgent or {}
    try:
        validate_netting_input(snapshot, balances, reserved)
    except InvalidTransaction as error:
        return [f"input: {error}"]
    payments = sorted(snapshot, key=_seq_key)
    return [
        *_check_partition(payments, result),
        *_check_settlement(payments, balances, reserved, result),
        *_check_oldest_settle_first(payments, result),
        *_check_deterministic(payments, balances, reserved, result),
    ]


def _check_partition(payments: list[QueuedPayment], result: NettingResult) -> list[str]:
    violations = []
    seq_of = {p.payment_id: p.seq for p in payments}
    for name, ids in (("settled", result.settled), ("deactivated", result.deactivated)):
        unknown = [i for i in ids if i not in seq_of]
        if unknown:
            violations.append(f"CLR-5: {name} payments not in the queue: {unknown}")
        known = [seq_of[i] for i in ids if i in seq_of]
        if any(older >= newer for older, newer in pairwise(known)):
            violations.append(f"CLR-5: {name} payments not listed once each in sequence order")
    settled_ids, deactivated_ids = set(result.settled), set(result.deactivated)
    both = [p.payment_id for p in payments if p.payment_id in settled_ids & deactivated_ids]
    if both:
        violations.append(f"CLR-5: payments both settled and deactivated: {both}")
    missing = [p.payment_id for p in payments if p.payment_id not in settled_ids | deactivated_ids]
    if missing:
        violations.append(f"CLR-5: payments neither settled nor back in the queue: {missing}")
    return violations


def _check_settlement(
    payments: list[QueuedPayment],
    balances: Mapping[str, int],
    reserved: Mapping[str, int],
    result: NettingResult,
) -> list[str]:
    violations = []
    settled_ids = set(result.settled)
    settled = [p for p in payments if p.payment_id in settled_ids]
    expected = compute_net_changes(settled, balances)
    if list(result.net_changes.items()) != list(expected.items()):
        violations.append(
            f"CLR-5: net changes {dict(result.net_changes)} are not those of the settled "
            f"payments {dict(expected)}"
        )
    total = sum(result.net_changes.values())
    if total != 0:
        violations.append(f"CLR-5: net changes sum to {total}, not zero")
    for bank in sorted(balances):
        after = balances[bank] + result.net_changes.get(bank, 0)
        if after < 0:
            violations.append(f"CLR-5: {bank} ends the cycle at {after} < 0")
        inflows = sum(p.amount for p in settled if p.receiver == bank)
        non_urgent = sum(p.amount for p in settled if p.sender == bank and not p.priority.is_urgent)
        available = balances[bank] - reserved.get(bank, 0) + inflows
        if non_urgent > 0 and non_urgent > available:
            violations.append(
                f"CLR-5 (rule 9): {bank} pays {non_urgent} non-urgent with only {available} "
                "unreserved"
            )
    deadlock = bool(payments) and not settled
    if result.deadlock != deadlock:
        violations.append(f"CLR-5: deadlock is {result.deadlock}, expected {deadlock}")
    return violations


def _check_oldest_settle_first(payments: list[QueuedPayment], result: NettingResult) -> list[str]:
    violations = []
    settled_ids = set(result.settled)
    first_returned: dict[tuple[str, Priority], QueuedPayment] = {}
    for payment in payments:
        key = (payment.sender, payment.priority)
        if payment.payment_id not in settled_ids:
            first_returned.setdefault(key, payment)
        elif key in first_returned:
            violations.append(
                f"CLR-4: {payment.payment_id} settles while the older "
                f"{first_returned[key].payment_id} of the same sender and priority does not"
            )
    return violations


def _check_deterministic(
    payments: list[QueuedPayment],
    balances: Mapping[str, int],
    reserved: Mapping[str, int],
    result: NettingResult,
) -> list[str]:
    fresh = compute_netting_cycle(
        reversed(payments),
        {bank: balances[bank] for bank in sorted(balances, reverse=True)},
        {bank: reserved[bank] for bank in sorted(reserved, reverse=True)},
    )
    if fresh == result:
        return []
    return [
        f"CLR-6: a fresh cycle on the same snapshot settles {fresh.settled} and deactivates "
        f"{fresh.deactivated}, not {result.settled} and {result.deactivated}"
    ]


# ---- validation -----------------------------------------------------------------------------


def validate_netting_input(
    queue: Iterable[QueuedPayment],
    balances: Mapping[str, int],
    reserved_for_urgent: Mapping[str, int] | None = None,
) -> None:
    """Raise `InvalidTransaction` unless the snapshot is well formed.

    Checked in this order, so the error code does not depend on input order: balances and
    reserves (`invalid_balance`, `unknown_participant`), sequence numbers (`invalid_sequence`),
    duplicates (`duplicate_payment`), then each payment in sequence order (`invalid_amount`,
    `self_payment`, `unknown_participant`).
    """
    payments = tuple(queue)
    reserved = reserved_for_urgent or {}
    for bank in sorted(balances):
        _validate_non_negative(balances[bank], f"balance of {bank}")
    for bank in sorted(reserved):
        if bank not in balances:
            raise InvalidTransaction(
                ERR_UNKNOWN_PARTICIPANT, f"urgent reserve for a bank without a balance: {bank}"
            )
        _validate_non_negative(reserved[bank], f"urgent reserve of {bank}")
    for payment in payments:
        if not _is_valid_seq(payment.seq):
            raise InvalidTransaction(
                ERR_INVALID_SEQUENCE,
                f"payment {payment.payment_id}: sequence number must be three integers >= 0, "
                f"got {payment.seq!r}",
                payment_id=payment.payment_id,
            )
    ordered = sorted(payments, key=_seq_key)
    _validate_unique(ordered)
    for payment in ordered:
        _validate_payment(payment, balances)


def _validate_non_negative(value: int, what: str) -> None:
    if type(value) is not int or value < 0:
        raise InvalidTransaction(
            ERR_INVALID_BALANCE, f"{what} must be an integer >= 0 minor units, got {value!r}"
        )


def _validate_unique(ordered: list[QueuedPayment]) -> None:
    for older, newer in pairwise(ordered):
        if older.seq == newer.seq:
            raise InvalidTransaction(
                ERR_DUPLICATE_PAYMENT,
                f"payments {older.payment_id} and {newer.payment_id} share sequence number "
                f"{newer.seq}",
                seq=newer.seq,
            )
    seen_ids: set[str] = set()
    for payment in ordered:
        if payment.payment_id in seen_ids:
            raise InvalidTransaction(
                ERR_DUPLICATE_PAYMENT,
                f"payment id {payment.payment_id} appears twice in the queue",
                payment_id=payment.payment_id,
            )
        seen_ids.add(payment.payment_id)


def _validate_payment(payment: QueuedPayment, balances: Mapping[str, int]) -> None:
    if type(payment.amount) is not int or not 0 < payment.amount <= MAX_AMOUNT:
        raise InvalidTransaction(
            ERR_INVALID_AMOUNT,
            f"payment {payment.payment_id}: amount must be 1 .. 2**63-1 minor units, "
            f"got {payment.amount!r}",
            payment_id=payment.payment_id,
        )
    if payment.sender == payment.receiver:
        raise InvalidTransaction(
            ERR_SELF_PAYMENT,
            f"payment {payment.payment_id}: sender and receiver are both {payment.sender}",
            payment_id=payment.payment_id,
        )
    for bank in (payment.sender, payment.receiver):
        if bank not in balances:
            raise InvalidTransaction(
                ERR_UNKNOWN_PARTICIPANT,
                f"payment {payment.payment_id}: bank {bank} is not a participant of this cycle "
                "(no balance given; suspended participants are left out with their payments)",
                payment_id=payment.payment_id,
                bank=bank,
            )


def _is_valid_seq(seq: object) -> bool:
    return (
        isinstance(seq, tuple)
        and len(seq) == 3
        and all(type(part) is int and part >= 0 for part in seq)
    )


def _seq_key(payment: QueuedPayment) -> Seq:
    return payment.seq


# ---- working state of one bank during a cycle -----------------------------------------------


@dataclass(slots=True)
class _BankBook:
    """A bank's running totals over its active payments; outflows oldest first."""

    balance: int
    reserved: int
    inflows: int = 0
    outflows: int = 0
    non_urgent_outflows: int = 0
    active_outflows: list[QueuedPayment] = field(default_factory=list)

    def position(self) -> int:
        return compute_position(
            self.balance, self.reserved, self.inflows, self.outflows, self.non_urgent_outflows
        )

    def add_outflow(self, payment: QueuedPayment) -> None:
        """Payments must be added in ascending sequence order."""
        self.active_outflows.append(payment)
        self.outflows += payment.amount
        if not payment.priority.is_urgent:
            self.non_urgent_outflows += payment.amount

    def drop_newest_outflow(self) -> QueuedPayment:
        if not self.active_outflows:  # impossible: with no outflows the position is >= 0
            raise InternalError(f"LSM: negative position {self.position()} with no outflows")
        payment = self.active_outflows.pop()
        self.outflows -= payment.amount
        if not payment.priority.is_urgent:
            self.non_urgent_outflows -= payment.amount
        return payment
