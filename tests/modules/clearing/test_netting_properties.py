"""Property tests of the LSM netting cycle on random snapshots.

Hypothesis draws 2-5 banks with balances (often zero, sometimes huge) and urgent reserves (some
above the balance), and up to 10 active queued payments with random sequence numbers,
priorities and amounts (up to 2**63-1). Checked:
- CLR-5: `check_netting_result` finds nothing; settled and deactivated split the queue; net
  changes sum to zero; no bank ends negative; non-urgent payments never spend the reserve
  (rule 9); the remainder, re-run on the post-cycle balances, settles nothing more and still
  satisfies CLR-5;
- CLR-6: the same result under any order of the queue and of the balance/reserve mappings;
- rule 4: the result equals a brute-force oracle, the largest set of per-bank oldest-first
  prefixes in which every bank can pay (so the visiting order of banks cannot matter either);
- CLR-4: per sender and priority, the settled payments are the oldest ones;
- CLR-1: applying the net changes keeps the sum of balances.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from finchain.modules.clearing import (
    MAX_AMOUNT,
    Priority,
    QueuedPayment,
    apply_net_changes,
    check_netting_result,
    compute_netting_cycle,
)

BANKS = ("bank-a", "bank-b", "bank-c", "bank-d", "bank-e")
MAX_PAYMENTS = 10
fast = settings(max_examples=200, deadline=None)

money = st.one_of(
    st.just(0),
    st.integers(0, 300),
    st.integers(0, 300),
    st.sampled_from([MAX_AMOUNT, 3 * MAX_AMOUNT]),
)
amounts = st.one_of(st.integers(1, 200), st.integers(1, 200), st.just(MAX_AMOUNT))
reserves = st.one_of(st.integers(0, 150), st.sampled_from([MAX_AMOUNT]))
seqs = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))


@dataclass(frozen=True)
class Snapshot:
    queue: tuple[QueuedPayment, ...]
    balances: Mapping[str, int]
    reserved: Mapping[str, int]


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    banks = draw(st.permutations(BANKS))[: draw(st.integers(2, len(BANKS)))]
    drawn = draw(
        st.lists(
            st.tuples(
                seqs,
                st.integers(0, len(banks) - 1),  # sender
                st.integers(1, len(banks) - 1),  # receiver = sender + this, cyclically
                amounts,
                st.sampled_from(Priority),
            ),
            max_size=MAX_PAYMENTS,
            unique_by=lambda drawn: drawn[0],
        )
    )
    queue = [
        QueuedPayment(seq, f"p{n}", banks[i], banks[(i + k) % len(banks)], amount, priority)
        for n, (seq, i, k, amount, priority) in enumerate(drawn)
    ]
    balances = {bank: draw(money) for bank in banks}
    reserved = {bank: draw(reserves) for bank in banks if draw(st.booleans())}
    return Snapshot(tuple(queue), balances, reserved)


# ---- CLR-5 ----------------------------------------------------------------------------------


@fast
@given(snapshots())
def test_clr5_cycle_atomic_and_balanced(snap: Snapshot) -> None:
    result = compute_netting_cycle(snap.queue, snap.balances, snap.reserved)
    assert check_netting_result(snap.queue, snap.balances, snap.reserved, result) == []
    ids = [p.payment_id for p in snap.queue]
    assert sorted([*result.settled, *result.deactivated]) == sorted(ids)
    assert not set(result.settled) & set(result.deactivated)
    assert sum(result.net_changes.values()) == 0
    after = apply_net_changes(snap.balances, result)
    assert all(balance >= 0 for balance in after.values())
    assert sum(after.values()) == sum(snap.balances.values())  # CLR-1 across the cycle
    assert result.deadlock == (bool(snap.queue) and not result.settled)


@fast
@given(snapshots())
def test_rule9_non_urgent_payments_never_spend_the_reserve(snap: Snapshot) -> None:
    result = compute_netting_cycle(snap.queue, snap.balances, snap.reserved)
    settled = [p for p in snap.queue if p.payment_id in set(result.settled)]
    for bank, balance in snap.balances.items():
        inflows = sum(p.amount for p in settled if p.receiver == bank)
        outflows = [p for p in settled if p.sender == bank]
        non_urgent = sum(p.amount for p in outflows if p.priority is not Priority.URGENT)
        if non_urgent:
            assert non_urgent <= balance - snap.reserved.get(bank, 0) + inflows
        assert balance + inflows - sum(p.amount for p in outflows) >= 0


@fast
@given(snapshots())
def test_clr5_rerun_on_the_remainder_settles_nothing_more(snap: Snapshot) -> None:
    first = compute_netting_cycle(snap.queue, snap.balances, snap.reserved)
    remainder = [p for p in snap.queue if p.payment_id in set(first.deactivated)]
    after = apply_net_changes(snap.balances, first)
    second = compute_netting_cycle(remainder, after, snap.reserved)
    assert check_netting_result(remainder, after, snap.reserved, second) == []
    # The first cycle settled the largest feasible set, so nothing more can settle.
    assert second.settled == ()
    assert second.deactivated == first.deactivated
    assert second.deadlock == bool(remainder)


# ---- CLR-6 and rule 4 -----------------------------------------------------------------------


@fast
@given(snapshots(), st.data())
def test_clr6_deterministic_whatever_the_input_order(snap: Snapshot, data: st.DataObject) -> None:
    result = compute_netting_cycle(snap.queue, snap.balances, snap.reserved)
    queue = data.draw(st.permutations(snap.queue))
    bank_order = data.draw(st.permutations(list(snap.balances)))
    balances = {bank: snap.balances[bank] for bank in bank_order}
    reserved = {bank: snap.reserved[bank] for bank in bank_order if bank in snap.reserved}
    again = compute_netting_cycle(queue, balances, reserved)
    assert again == result
    assert list(again.net_changes.items()) == list(result.net_changes.items())
    assert list(result.net_changes) == sorted(snap.balances)


@fast
@given(snapshots())
def test_rule4_result_is_the_largest_feasible_set_of_oldest_first_prefixes(
    snap: Snapshot,
) -> None:
    result = compute_netting_cycle(snap.queue, snap.balances, snap.reserved)
    assert set(result.settled) == _largest_feasible_set(snap)


@fast
@given(snapshots())
def test_clr4_oldest_payments_settle_first_per_sender_and_priority(snap: Snapshot) -> None:
    result = compute_netting_cycle(snap.queue, snap.balances, snap.reserved)
    ordered = sorted(snap.queue, key=lambda p: p.seq)
    for sender, priority in itertools.product(snap.balances, Priority):
        mine = [
            p.payment_id in result.settled
            for p in ordered
            if (p.sender, p.priority) == (sender, priority)
        ]
        assert mine == sorted(mine, reverse=True)  # settled ones first, then only queued ones


# ---- the oracle -----------------------------------------------------------------------------


def _largest_feasible_set(snap: Snapshot) -> set[str]:
    """Brute force: every combination of per-bank oldest-first prefixes of outflows; keep those
    in which every bank can pay; their componentwise maximum must itself be feasible."""
    banks = sorted(snap.balances)
    ordered = sorted(snap.queue, key=lambda p: p.seq)
    outflows = {bank: [p for p in ordered if p.sender == bank] for bank in banks}
    best = [0] * len(banks)
    for lengths in itertools.product(*(range(len(outflows[bank]) + 1) for bank in banks)):
        active = [p for bank, n in zip(banks, lengths, strict=True) for p in outflows[bank][:n]]
        if _every_bank_can_pay(snap, active):
            best = [max(a, b) for a, b in zip(best, lengths, strict=True)]
    chosen = [p for bank, n in zip(banks, best, strict=True) for p in outflows[bank][:n]]
    assert _every_bank_can_pay(snap, chosen)
    return {p.payment_id for p in chosen}


def _every_bank_can_pay(snap: Snapshot, active: Sequence[QueuedPayment]) -> bool:
    """Rule 9 as an allocation: non-urgent outflows fit in balance - reserve + inflows, and all
    outflows fit in balance + inflows."""
    for bank, balance in snap.balances.items():
        inflows = sum(p.amount for p in active if p.receiver == bank)
        outflows = sum(p.amount for p in active if p.sender == bank)
        non_urgent = sum(
            p.amount for p in active if p.sender == bank and p.priority is not Priority.URGENT
        )
        if balance + inflows < outflows:
            return False
        if non_urgent and balance - snap.reserved.get(bank, 0) + inflows < non_urgent:
            return False
    return True
