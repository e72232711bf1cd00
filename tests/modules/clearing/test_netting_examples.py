"""Hand-worked LSM cycles (DOMAIN.md §1 rule 4 with the urgent reserve of rule 9).

Each case works the algorithm out by hand in a comment: positions are
`min(balance + in - out, max(0, balance - reserved + in) - non_urgent_out)` over active payments,
banks are visited in ascending id, and a negative bank drops its newest outflow until >= 0.
Every result is also passed through `check_netting_result` (CLR-4/5/6).
Expected rejections are named `test_invalid_<reason>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pytest

from finchain.errors import InvalidTransaction, find_error_code
from finchain.modules.clearing import (
    MAX_AMOUNT,
    NettingResult,
    Priority,
    QueuedPayment,
    Seq,
    apply_net_changes,
    check_netting_result,
    compute_netting_cycle,
    compute_position,
)

NORMAL, HIGH, URGENT = Priority.NORMAL, Priority.HIGH, Priority.URGENT


def pay(
    n: int,
    sender: str,
    receiver: str,
    amount: int,
    priority: Priority = NORMAL,
    seq: Seq | None = None,
) -> QueuedPayment:
    """Payment `p<n>` with sequence number (n, 0, 0) unless given."""
    return QueuedPayment(seq or (n, 0, 0), f"p{n}", sender, receiver, amount, priority)


def run(
    queue: list[QueuedPayment],
    balances: Mapping[str, int],
    reserved: Mapping[str, int] | None = None,
) -> NettingResult:
    result = compute_netting_cycle(queue, balances, reserved)
    assert check_netting_result(queue, balances, reserved, result) == []
    return result


# ---- rule 4 ---------------------------------------------------------------------------------


def test_clr5_classic_gridlock_settles_all_with_zero_net_changes() -> None:
    # A->B 100, B->C 100, C->A 100, all balances 0: every position is 0 + 100 - 100 = 0,
    # so round 1 changes nothing and all three settle; each bank receives what it pays.
    queue = [pay(1, "A", "B", 100), pay(2, "B", "C", 100), pay(3, "C", "A", 100)]
    balances = {"A": 0, "B": 0, "C": 0}
    result = run(queue, balances)
    assert result.settled == ("p1", "p2", "p3")
    assert result.deactivated == ()
    assert dict(result.net_changes) == {"A": 0, "B": 0, "C": 0}
    assert result.deadlock is False
    assert apply_net_changes(balances, result) == balances


def test_clr5_partial_liquidity_settles_300_with_100() -> None:
    # A->B 100, B->C 150, C->A 50; balances A 50, B 50, C 0.
    # Positions: A = 50 + 50 - 100 = 0; B = 50 + 100 - 150 = 0; C = 0 + 150 - 50 = 100.
    # Nobody is negative: all settle. Net: A -50, B -50, C +100 -> balances 0, 0, 100.
    queue = [pay(1, "A", "B", 100), pay(2, "B", "C", 150), pay(3, "C", "A", 50)]
    balances = {"A": 50, "B": 50, "C": 0}
    result = run(queue, balances)
    assert result.settled == ("p1", "p2", "p3")
    assert dict(result.net_changes) == {"A": -50, "B": -50, "C": 100}
    assert apply_net_changes(balances, result) == {"A": 0, "B": 0, "C": 100}


def test_clr5_partial_liquidity_returns_the_unfunded_payment() -> None:
    # As above plus A->C 80 (p4). Positions: A = 50 + 50 - 180 = -80; B = 0; C = 180.
    # Round 1: A drops its newest outflow p4 -> A = 0, C = 100; B and C are >= 0.
    # Round 2 changes nothing. p1..p3 settle, p4 goes back to the queue.
    queue = [pay(1, "A", "B", 100), pay(2, "B", "C", 150), pay(3, "C", "A", 50)]
    queue.append(pay(4, "A", "C", 80))
    result = run(queue, {"A": 50, "B": 50, "C": 0})
    assert result.settled == ("p1", "p2", "p3")
    assert result.deactivated == ("p4",)
    assert dict(result.net_changes) == {"A": -50, "B": -50, "C": 100}


def test_clr5_cascade_of_deactivations_over_several_rounds() -> None:
    # A->B 100 (p1), B->C 150 (p2), C->A 50 (p3); balances A 0, B 40, C 0.
    # Positions: A = 0 + 50 - 100 = -50; B = 40 + 100 - 150 = -10; C = 150 - 50 = 100.
    # A drops p1 -> A = 50, B = 40 - 150 = -110; B drops p2 -> B = 40, C = -50;
    # C drops p3 -> C = 0, A = 0. Round 2 changes nothing: nothing settles -> deadlock.
    queue = [pay(1, "A", "B", 100), pay(2, "B", "C", 150), pay(3, "C", "A", 50)]
    result = run(queue, {"A": 0, "B": 40, "C": 0})
    assert result.settled == ()
    assert result.deactivated == ("p1", "p2", "p3")
    assert result.deadlock is True


def test_clr5_no_solution_is_a_deadlock_that_settles_nothing() -> None:
    # A->B 100 with A at 0 and nothing incoming: A = -100, drops p1; nothing is left.
    balances = {"A": 0, "B": 0}
    result = run([pay(1, "A", "B", 100)], balances)
    assert result.settled == ()
    assert result.deactivated == ("p1",)
    assert dict(result.net_changes) == {"A": 0, "B": 0}
    assert result.deadlock is True
    assert apply_net_changes(balances, result) == balances


def test_clr5_empty_queue_is_not_a_deadlock() -> None:
    result = run([], {"A": 5})
    assert result == NettingResult((), (), MappingProxyType({"A": 0}), deadlock=False)


def test_rule4_newest_outflow_is_deactivated_first() -> None:
    # A->B 60 (p1), A->C 50 (p2), B->A 60 (p3); all balances 0.
    # A = 60 - 110 = -50, drops its newest p2 -> A = 0, C = 0; B = 60 - 60 = 0.
    # p1 and p3 offset bilaterally. (Dropping the oldest, p1, would leave A = 10, B = -60;
    # B would drop p3, A = -50, A would drop p2: nothing would settle.)
    queue = [pay(1, "A", "B", 60), pay(2, "A", "C", 50), pay(3, "B", "A", 60)]
    result = run(queue, {"A": 0, "B": 0, "C": 0})
    assert result.settled == ("p1", "p3")
    assert result.deactivated == ("p2",)
    assert dict(result.net_changes) == {"A": 0, "B": 0, "C": 0}


def test_rule1_newest_means_highest_sequence_not_input_position() -> None:
    # Same as above, but the sequence numbers are (height, tx, msg) tuples given out of order:
    # x (2, 0, 0) is newer than y (1, 9, 9) although it comes first and its tx index is lower.
    # A = 60 - 110 = -50 drops x (the newest), then y settles against B->A.
    x = QueuedPayment((2, 0, 0), "x", "A", "C", 50, NORMAL)
    y = QueuedPayment((1, 9, 9), "y", "A", "B", 60, NORMAL)
    z = QueuedPayment((2, 0, 1), "z", "B", "A", 60, NORMAL)
    result = run([x, z, y], {"A": 0, "B": 0, "C": 0})
    assert result.settled == ("y", "z")
    assert result.deactivated == ("x",)


def test_rule4_drops_only_until_the_position_is_non_negative() -> None:
    # A->B 30 (p1), A->B 30 (p2), A->B 30 (p3); A 65. A = 65 - 90 = -25: drop p3 -> 5 >= 0.
    queue = [pay(1, "A", "B", 30), pay(2, "A", "B", 30), pay(3, "A", "B", 30)]
    result = run(queue, {"A": 65, "B": 0})
    assert result.settled == ("p1", "p2")
    assert result.deactivated == ("p3",)
    assert dict(result.net_changes) == {"A": -60, "B": 60}


def test_rule4_a_bank_that_drops_may_be_revisited_in_a_later_round() -> None:
    # C->A 10 (p1), A->B 50 (p2), B->C 40 (p3), B->A 40 (p4); A 30, B 0, C 0.
    # Round 1: A = 30 + 10 + 40 - 50 = 30; B = 50 - 80 = -30, drops p4 -> B = 10, A = -10;
    # C = 40 - 10 = 30. Round 2: A drops p2 -> A = 40, B = 10 - 50 = -40; B drops p3 -> B = 0,
    # C = -10; C drops p1 -> C = 0, A = 30. Round 3 changes nothing: deadlock.
    queue = [pay(1, "C", "A", 10), pay(2, "A", "B", 50), pay(3, "B", "C", 40)]
    queue.append(pay(4, "B", "A", 40))
    result = run(queue, {"A": 30, "B": 0, "C": 0})
    assert result.settled == ()
    assert result.deactivated == ("p1", "p2", "p3", "p4")
    assert result.deadlock is True


def test_clr5_large_amounts_and_unbounded_balances() -> None:
    # Rule 8: amounts up to 2**63 - 1, balances and sums unbounded.
    queue = [pay(1, "A", "B", MAX_AMOUNT), pay(2, "A", "B", MAX_AMOUNT), pay(3, "B", "A", 1)]
    result = run(queue, {"A": 2 * MAX_AMOUNT - 1, "B": 0})
    assert result.settled == ("p1", "p2", "p3")
    assert dict(result.net_changes) == {"A": 1 - 2 * MAX_AMOUNT, "B": 2 * MAX_AMOUNT - 1}


def test_suspended_participant_is_left_out_by_the_caller() -> None:
    # Rule 7: the caller drops C and every payment to or from it; B then lacks C's inflow.
    full = [pay(1, "A", "B", 100), pay(2, "C", "B", 100), pay(3, "B", "A", 200)]
    without_c = [p for p in full if "C" not in (p.sender, p.receiver)]
    assert run(full, {"A": 0, "B": 0, "C": 100}).settled == ("p1", "p2", "p3")
    assert run(without_c, {"A": 0, "B": 0}).deadlock is True


# ---- rule 9: the urgent reserve -------------------------------------------------------------


def test_rule9_position_formula() -> None:
    assert compute_position(100, 100, 0, 100, 0) == 0  # urgent spends the reserve
    assert compute_position(100, 100, 0, 100, 100) == -100  # non-urgent may not
    assert compute_position(100, 100, 50, 50, 50) == 0  # inflows are unreserved money
    assert compute_position(50, 80, 20, 0, 0) == 0  # no non-urgent outflow: no shortfall
    assert compute_position(50, 80, 20, 10, 10) == -10  # inflows first refill the reserve


def test_rule9_urgent_payment_may_spend_the_reserve() -> None:
    # A 100, reserve 100, A->B 100 URGENT: min(100 - 100, max(0, 0) - 0) = 0 -> settles.
    balances = {"A": 100, "B": 0}
    result = run([pay(1, "A", "B", 100, URGENT)], balances, {"A": 100})
    assert result.settled == ("p1",)
    assert apply_net_changes(balances, result) == {"A": 0, "B": 100}


@pytest.mark.parametrize("priority", [HIGH, NORMAL])
def test_rule9_non_urgent_payment_may_not_spend_the_reserve(priority: Priority) -> None:
    # A 100, reserve 100, A->B 100 non-urgent: min(0, max(0, 0) - 100) = -100 -> dropped.
    result = run([pay(1, "A", "B", 100, priority)], {"A": 100, "B": 0}, {"A": 100})
    assert result.deactivated == ("p1",)
    assert result.deadlock is True


def test_rule9_non_urgent_payment_may_spend_incoming_money() -> None:
    # A 100 reserve 100; B 50. B->A 50 (p1), A->B 50 (p2), both NORMAL.
    # A = min(100 + 50 - 50, max(0, 0 + 50) - 50) = 0; B = min(50 + 50 - 50, 50 + 50 - 50) = 50.
    # Both settle; A ends at 100 = its reserve.
    queue = [pay(1, "B", "A", 50), pay(2, "A", "B", 50)]
    result = run(queue, {"A": 100, "B": 50}, {"A": 100})
    assert result.settled == ("p1", "p2")
    assert dict(result.net_changes) == {"A": 0, "B": 0}


def test_rule9_inflows_first_refill_a_reserve_above_the_balance() -> None:
    # A 50 reserve 80; B 20. B->A 20 (p1), A->B 10 (p2).
    # A = min(50 + 20 - 10, max(0, 50 - 80 + 20) - 10) = -10 -> drops p2; A = 70.
    # B = 20 - 20 + 0 = 0. p1 settles alone; A ends at 70, still under its reserve.
    queue = [pay(1, "B", "A", 20), pay(2, "A", "B", 10)]
    result = run(queue, {"A": 50, "B": 20}, {"A": 80})
    assert result.settled == ("p1",)
    assert result.deactivated == ("p2",)


def test_rule9_newer_non_urgent_payment_is_dropped_and_urgent_uses_the_reserve() -> None:
    # A 100 reserve 100: A->B 100 URGENT (p1), A->C 10 NORMAL (p2).
    # A = min(100 - 110, max(0, 0) - 10) = -10 -> drops p2 -> min(0, 0) = 0; p1 settles.
    queue = [pay(1, "A", "B", 100, URGENT), pay(2, "A", "C", 10, NORMAL)]
    result = run(queue, {"A": 100, "B": 0, "C": 0}, {"A": 100})
    assert result.settled == ("p1",)
    assert result.deactivated == ("p2",)


def test_rule9_newest_first_applies_across_priorities() -> None:
    # A 100 reserve 100: A->C 10 NORMAL (p1), A->B 100 URGENT (p2).
    # A = min(100 - 110, 0 - 10) = -10 -> drops its newest, p2 (urgent): A = min(90, -10);
    # still -10 -> drops p1 -> 0. Rule 4 orders by sequence only, so nothing settles here.
    # (In the chain the gross retry of rule 3 runs first, in priority order, and would have
    # settled p2 from the reserve before the LSM ran.)
    queue = [pay(1, "A", "C", 10, NORMAL), pay(2, "A", "B", 100, URGENT)]
    result = run(queue, {"A": 100, "B": 0, "C": 0}, {"A": 100})
    assert result.settled == ()
    assert result.deactivated == ("p1", "p2")
    assert result.deadlock is True


def test_rule9_reserve_of_a_receiver_does_not_block_it_receiving() -> None:
    # B 0 reserve 500 only receives: its position is min(0 + 100, max(0, -400)) = 0.
    result = run([pay(1, "A", "B", 100)], {"A": 100, "B": 0}, {"B": 500})
    assert result.settled == ("p1",)


# ---- the checker finds broken results ---------------------------------------------------------


def _violations(result: NettingResult, reserved: Mapping[str, int] | None = None) -> list[str]:
    queue = [pay(1, "A", "B", 100), pay(2, "B", "A", 40, URGENT), pay(3, "B", "A", 50)]
    return check_netting_result(queue, {"A": 100, "B": 0}, reserved, result)


def _result(settled: tuple[str, ...], deactivated: tuple[str, ...], a: int) -> NettingResult:
    return NettingResult(
        settled, deactivated, MappingProxyType({"A": a, "B": -a}), deadlock=not settled
    )


def test_check_netting_result_accepts_the_computed_result() -> None:
    assert _violations(_result(("p1", "p2", "p3"), (), -10)) == []


@pytest.mark.parametrize(
    ("result", "reserved", "expected"),
    [
        (_result(("p1", "p2", "p3", "p9"), (), -10), None, "not in the queue"),
        (_result(("p1", "p2"), (), 40 - 100), None, "neither settled nor back"),
        (_result(("p1", "p2", "p3"), ("p3",), -10), None, "both settled and deactivated"),
        (_result(("p2", "p1", "p3"), (), -10), None, "sequence order"),
        (_result(("p1", "p2", "p3"), (), 0), None, "not those of the settled"),
        (_result(("p1", "p3"), ("p2",), -50), None, "CLR-6"),
        (_result(("p1", "p2", "p3"), (), -10), {"B": 60}, "rule 9"),
        (
            NettingResult((), ("p1", "p2", "p3"), MappingProxyType({"A": 5, "B": 0}), True),
            None,
            "sum",
        ),
        (NettingResult(("p1",), (), MappingProxyType({"A": -100, "B": 100}), True), None, "dead"),
    ],
)
def test_check_netting_result_reports_broken_results(
    result: NettingResult, reserved: Mapping[str, int] | None, expected: str
) -> None:
    violations = _violations(result, reserved)
    assert any(expected in v for v in violations), violations


def test_check_netting_result_reports_negative_balances_and_clr4() -> None:
    # A 0 -> A->B 100 (p1) and A->B 10 (p2): settling only the newer p2 leaves A at -10 and
    # breaks CLR-4 (the older p1 of the same sender and priority stays queued).
    queue = [pay(1, "A", "B", 100), pay(2, "A", "B", 10)]
    result = NettingResult(("p2",), ("p1",), MappingProxyType({"A": -10, "B": 10}), False)
    violations = check_netting_result(queue, {"A": 0, "B": 0}, None, result)
    assert any("A ends the cycle at -10" in v for v in violations), violations
    assert any(v.startswith("CLR-4") for v in violations), violations


def test_check_netting_result_reports_invalid_input() -> None:
    result = NettingResult((), (), MappingProxyType({}), False)
    assert check_netting_result([], {"A": -1}, None, result)[0].startswith("input:")


# ---- invalid snapshots ------------------------------------------------------------------------


def _rejection(
    queue: list[QueuedPayment],
    balances: Mapping[str, int],
    reserved: Mapping[str, int] | None = None,
) -> str:
    with pytest.raises(InvalidTransaction) as raised:
        compute_netting_cycle(queue, balances, reserved)
    return str(raised.value.code)


@pytest.mark.parametrize("amount", [0, -1, -(2**63), MAX_AMOUNT + 1, 2**64, True])
def test_invalid_amount(amount: int) -> None:
    assert _rejection([pay(1, "A", "B", amount)], {"A": 0, "B": 0}) == "clearing/invalid_amount"


def test_invalid_self_payment() -> None:
    assert _rejection([pay(1, "A", "A", 5)], {"A": 10}) == "clearing/self_payment"


@pytest.mark.parametrize(("sender", "receiver"), [("X", "A"), ("A", "X")])
def test_invalid_unknown_participant_in_a_payment(sender: str, receiver: str) -> None:
    queue = [pay(1, sender, receiver, 5)]
    assert _rejection(queue, {"A": 10}) == "clearing/unknown_participant"


def test_invalid_unknown_participant_in_the_reserves() -> None:
    assert _rejection([], {"A": 10}, {"X": 1}) == "clearing/unknown_participant"


def test_invalid_duplicate_payment_id() -> None:
    queue = [pay(1, "A", "B", 5), QueuedPayment((2, 0, 0), "p1", "B", "A", 5, NORMAL)]
    assert _rejection(queue, {"A": 10, "B": 0}) == "clearing/duplicate_payment"


def test_invalid_duplicate_sequence_number() -> None:
    queue = [pay(1, "A", "B", 5), QueuedPayment((1, 0, 0), "p2", "B", "A", 5, NORMAL)]
    assert _rejection(queue, {"A": 10, "B": 0}) == "clearing/duplicate_payment"


@pytest.mark.parametrize("seq", [(1, 0), (1, 0, -1), (1, 0, True), 7, (1, 0, 0, 0)])
def test_invalid_sequence(seq: object) -> None:
    queue = [QueuedPayment(seq, "p1", "A", "B", 5, NORMAL)]  # type: ignore[arg-type]
    assert _rejection(queue, {"A": 10, "B": 0}) == "clearing/invalid_sequence"


@pytest.mark.parametrize(
    ("balances", "reserved"),
    [({"A": -1}, None), ({"A": 1}, {"A": -1}), ({"A": True}, None)],
)
def test_invalid_balance(balances: dict[str, int], reserved: dict[str, int] | None) -> None:
    assert _rejection([], balances, reserved) == "clearing/invalid_balance"


def test_invalid_snapshot_error_does_not_depend_on_input_order() -> None:
    # p1 is a self payment, p2 has a bad amount: p1 is older, so both orders report p1.
    queue = [pay(1, "A", "A", 5), pay(2, "A", "B", 0)]
    assert _rejection(queue, {"A": 1, "B": 1}) == "clearing/self_payment"
    assert _rejection(queue[::-1], {"A": 1, "B": 1}) == "clearing/self_payment"


def test_error_codes_are_registered_once_in_the_clearing_codespace() -> None:
    names = [
        "invalid_amount",
        "self_payment",
        "unknown_participant",
        "duplicate_payment",
        "invalid_balance",
        "invalid_sequence",
    ]
    codes = [find_error_code(f"clearing/{name}") for name in names]
    assert all(code is not None for code in codes)
    assert sorted(code.number for code in codes if code is not None) == list(range(1, 7))


def test_apply_net_changes_rejects_a_result_for_other_banks() -> None:
    result = NettingResult(("p1",), (), MappingProxyType({"X": 0}), False)
    with pytest.raises(InvalidTransaction) as raised:
        apply_net_changes({"A": 1}, result)
    assert str(raised.value.code) == "clearing/unknown_participant"
