"""The clearing module on a real chain (solo engine, RocksDB): settlement accounts funded by
pledge, gross settlement or QUEUED, hold/release/cancel, suspension, on-demand LSM, cut-off.

Invariants named in the tests: CLR-1 (balances = pledged - redeemed), CLR-2 (no negative
balance), CLR-3 (terminal states stay terminal, settled once), CLR-4 (FIFO per sender and
priority), CLR-5 (netting atomic and balanced), CLR-7 (nothing queued after cut-off, each
rejection has a reason), CLR-8 (a suspended participant can neither send nor receive), G-3 (a
rejected operation changes nothing). Both crypto suites (the `suite_name` fixture).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    SetSuspended,
    SetUrgentReserve,
    SubmitPayment,
)
from tests.app.support import InBlock, assert_rejected
from tests.helpers import Chain, make_chain

BANKS = ("bank-a", "bank-b", "bank-c")
MANUAL = {"auto_process": False}  # queues are processed only by RunLsm in these tests


@pytest.fixture
def chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """Three banks with empty CNY settlement accounts ."""
    c = make_chain(tmp_path / "chain", suite_name, clearing=MANUAL)
    receipts = c.execute(*(c.sign("pboc", OpenAccount(bank, "CNY")) for bank in BANKS))
    assert [r.code for r in receipts] == ["ok"] * 3
    yield c
    c.close()


def uetr(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def pay(
    chain: Chain, sender: str, receiver: str, amount: int, n: int, priority: str = "NORMAL"
) -> bytes:
    msg = SubmitPayment(receiver, "CNY", amount, priority, f"MSG{n}", f"E2E{n}", uetr(n))
    return chain.sign(sender, msg)


def run(chain: Chain, *raws: bytes) -> list[str]:
    return [r.code for r in chain.execute(*raws)]


def query(chain: Chain, path: str, **params: Any) -> Any:
    return chain.app.query(path, params).value


def balances(chain: Chain) -> dict[str, int]:
    return {
        a["participant"]: int(a["balance"])
        for a in query(chain, "clearing/accounts", currency="CNY")
    }


def status(chain: Chain, n: int) -> str:
    return str(query(chain, "clearing/payment", uetr=uetr(n))["status"])


def test_clr1_pledge_redeem_and_gross_settlement(chain: Chain) -> None:
    assert run(chain, chain.sign("pboc", Pledge("bank-a", "CNY", 500))) == ["ok"]
    assert run(chain, pay(chain, "bank-a", "bank-b", 200, 1)) == ["ok"]
    assert status(chain, 1) == "SETTLED"
    assert balances(chain) == {"bank-a": 300, "bank-b": 200, "bank-c": 0}
    assert run(chain, chain.sign("pboc", Redeem("bank-b", "CNY", 50))) == ["ok"]
    assert sum(balances(chain).values()) == 450  # CLR-1: pledged 500 - redeemed 50
    assert chain.app.check_invariants() == []


def test_clr4_unfunded_payment_queues_and_blocks_later_same_priority(chain: Chain) -> None:
    run(chain, chain.sign("pboc", Pledge("bank-a", "CNY", 100)))
    assert run(chain, pay(chain, "bank-a", "bank-b", 150, 1)) == ["ok"]
    assert status(chain, 1) == "QUEUED"
    # Funded, but an older NORMAL payment of the sender waits: FIFO keeps it queued.
    assert run(chain, pay(chain, "bank-a", "bank-c", 10, 2)) == ["ok"]
    assert status(chain, 2) == "QUEUED"
    # URGENT has higher priority than the waiting NORMAL one: settles at once.
    assert run(chain, pay(chain, "bank-a", "bank-c", 10, 3, "URGENT")) == ["ok"]
    assert status(chain, 3) == "SETTLED"
    # Held payments do not block (rule 2): hold #1, then #2 settles at the next LSM run.
    assert run(chain, chain.sign("bank-a", HoldPayment(uetr(1)))) == ["ok"]
    assert run(chain, chain.sign("pboc", RunLsm("CNY"))) == ["ok"]
    assert (status(chain, 1), status(chain, 2)) == ("ON_HOLD", "SETTLED")
    assert balances(chain) == {"bank-a": 80, "bank-b": 0, "bank-c": 20}
    assert chain.app.check_invariants() == []


def test_rule9_urgent_reserve_is_spent_only_by_urgent_payments(chain: Chain) -> None:
    run(chain, chain.sign("pboc", Pledge("bank-a", "CNY", 100)))
    assert run(chain, chain.sign("bank-a", SetUrgentReserve("CNY", 80))) == ["ok"]
    run(chain, pay(chain, "bank-a", "bank-b", 30, 1))  # NORMAL: only 20 is unreserved
    assert status(chain, 1) == "QUEUED"
    run(chain, pay(chain, "bank-a", "bank-c", 90, 2, "URGENT"))  # may spend the reserve
    assert status(chain, 2) == "SETTLED"
    assert balances(chain) == {"bank-a": 10, "bank-b": 0, "bank-c": 90}
    run(chain, chain.sign("pboc", RunLsm("CNY")))  # still not fundable from unreserved money
    assert status(chain, 1) == "QUEUED"
    run(
        chain,
        chain.sign("bank-a", SetUrgentReserve("CNY", 0)),
        chain.sign("pboc", Pledge("bank-a", "CNY", 20)),
    )
    run(chain, chain.sign("pboc", RunLsm("CNY")))
    assert status(chain, 1) == "SETTLED"
    assert chain.app.check_invariants() == []


def test_clr5_classic_gridlock_settles_by_netting(chain: Chain) -> None:
    assert (
        run(
            chain,
            pay(chain, "bank-a", "bank-b", 100, 1),
            pay(chain, "bank-b", "bank-c", 100, 2),
            pay(chain, "bank-c", "bank-a", 100, 3),
        )
        == ["ok"] * 3
    )
    assert [status(chain, n) for n in (1, 2, 3)] == ["QUEUED"] * 3
    [receipt] = chain.execute(chain.sign("pboc", RunLsm("CNY")))
    assert [e.type for e in receipt.events][-1] == "clearing.lsm_cycle"
    assert [status(chain, n) for n in (1, 2, 3)] == ["SETTLED"] * 3
    assert balances(chain) == {"bank-a": 0, "bank-b": 0, "bank-c": 0}
    [cycle] = query(chain, "clearing/cycles")
    assert (cycle["settled"], cycle["net_changes"], cycle["deadlock"]) == (
        [uetr(1), uetr(2), uetr(3)],
        {},
        False,
    )
    assert query(chain, "clearing/queue", currency="CNY") == []


def test_clr5_no_solution_records_a_deadlock_and_changes_no_balance(chain: Chain) -> None:
    run(chain, pay(chain, "bank-a", "bank-b", 100, 1))
    before = balances(chain)
    run(chain, chain.sign("pboc", RunLsm("CNY")))
    [cycle] = query(chain, "clearing/cycles")
    assert (cycle["settled"], cycle["deadlock"]) == ([], True)
    assert status(chain, 1) == "QUEUED" and balances(chain) == before


def test_clr8_suspended_participant_neither_sends_nor_receives(chain: Chain) -> None:
    run(chain, chain.sign("pboc", Pledge("bank-a", "CNY", 100)))
    run(chain, pay(chain, "bank-b", "bank-a", 50, 1))  # queued: bank-b has no money
    assert run(chain, chain.sign("pboc", SetSuspended("bank-a", 1))) == ["ok"]
    assert_rejected(
        chain,
        pay(chain, "bank-a", "bank-b", 10, 2),
        "clearing/participant_suspended",
        InBlock.MESSAGE,
    )
    assert_rejected(
        chain,
        pay(chain, "bank-c", "bank-a", 10, 3),
        "clearing/participant_suspended",
        InBlock.MESSAGE,
    )
    run(chain, chain.sign("pboc", Pledge("bank-b", "CNY", 100)), chain.sign("pboc", RunLsm("CNY")))
    assert status(chain, 1) == "QUEUED"  # left out of retries while bank-a is suspended
    run(chain, chain.sign("pboc", SetSuspended("bank-a", 0)), chain.sign("pboc", RunLsm("CNY")))
    assert status(chain, 1) == "SETTLED"


def test_clr8_payments_of_a_suspended_counterparty_do_not_block_the_sender(chain: Chain) -> None:
    """Rules 2 and 7: P1 to a suspended bank is out of settlement, so P2 settles at once."""
    run(chain, pay(chain, "bank-a", "bank-c", 100, 1))
    run(
        chain,
        chain.sign("pboc", SetSuspended("bank-c", 1)),
        chain.sign("pboc", Pledge("bank-a", "CNY", 50)),
    )
    run(chain, pay(chain, "bank-a", "bank-b", 50, 2))
    assert (status(chain, 1), status(chain, 2)) == ("QUEUED", "SETTLED")


def test_clr7_cut_off_rejects_every_open_payment_with_a_reason(chain: Chain) -> None:
    run(chain, pay(chain, "bank-a", "bank-b", 100, 1), pay(chain, "bank-b", "bank-c", 5, 2))
    run(chain, chain.sign("bank-b", HoldPayment(uetr(2))))
    run(chain, chain.sign("pboc", CutOff("CNY")))
    for n in (1, 2):
        payment = query(chain, "clearing/payment", uetr=uetr(n))
        assert (payment["status"], payment["reason"]) == ("REJECTED", "unsettled at end of day")
    assert query(chain, "clearing/queue", currency="CNY") == []
    # The closed day keeps its closing balances (the anchor of its camt.053 statements).
    [day] = query(chain, "clearing/days", currency="CNY")
    assert (day["day"], day["height"]) == (0, chain.app.height)
    assert day["closing_balances"] == {"bank-a": "0", "bank-b": "0", "bank-c": "0"}
    # CLR-3: terminal stays terminal.
    assert_rejected(
        chain,
        chain.sign("bank-b", ReleasePayment(uetr(2))),
        "clearing/illegal_transition",
        InBlock.MESSAGE,
    )


def test_invalid_operations_change_nothing(chain: Chain) -> None:
    """G-3 for each rejection, with its stable code."""
    run(
        chain,
        chain.sign("pboc", Pledge("bank-a", "CNY", 100)),
        pay(chain, "bank-a", "bank-b", 10, 1),
        chain.sign("pboc", RegisterBic("bank-a", "ICBKCNBJ")),
    )
    cases = [
        (pay(chain, "bank-a", "bank-a", 10, 2), "clearing/self_payment"),
        (pay(chain, "bank-a", "bank-b", 10, 1), "clearing/duplicate_message"),
        (chain.sign("pboc", Redeem("bank-b", "CNY", 11)), "clearing/insufficient_balance"),
        (chain.sign("pboc", OpenAccount("bank-a", "CNY")), "clearing/account_exists"),
        (chain.sign("pboc", OpenAccount("nobody", "CNY")), "clearing/unknown_participant"),
        (chain.sign("bank-b", CancelPayment(uetr(1))), "clearing/unauthorized"),
        (chain.sign("bank-a", CancelPayment(uetr(99))), "clearing/unknown_payment"),
        (chain.sign("bank-a", pay_msg("bank-b", 5, currency="USD")), "clearing/no_account"),
        (chain.sign("pboc", RegisterBic("bank-b", "ICBKCNBJ")), "clearing/bic_taken"),
        (chain.sign("pboc", RegisterBic("nobody", "BKCHCNBJ")), "clearing/unknown_participant"),
    ]
    for raw, code in cases:
        assert_rejected(chain, raw, code, InBlock.MESSAGE)
    # Without the role the message declares, the ante refuses before the nonce is used.
    for sender, msg in [
        ("bank-a", Pledge("bank-a", "CNY", 1)),
        ("regulator", pay_msg("bank-a", 3)),
        ("bank-a", RegisterBic("bank-a", "BKCHCNBJ")),
    ]:
        raw = chain.sign(sender, msg, nonce=chain.app.get_pending_nonce(chain.address(sender)))
        assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)
    for raw, code in [
        (chain.sign("bank-a", pay_msg("bank-b", 6, amount=0)), "clearing/invalid_amount"),
        (chain.sign("bank-a", pay_msg("bank-b", 7, priority="SOON")), "clearing/bad_field"),
        (chain.sign("bank-a", pay_msg("bank-b", 8, uetr_text="not-a-uuid")), "clearing/bad_field"),
        (chain.sign("bank-a", HoldPayment("x" * 1000)), "clearing/bad_field"),
        (chain.sign("pboc", RegisterBic("bank-b", "icbkcnbj")), "clearing/bad_field"),
    ]:
        assert_rejected(chain, raw, code, InBlock.STATELESS)
    assert chain.app.check_invariants() == []


def pay_msg(
    receiver: str,
    n: int,
    amount: int = 10,
    currency: str = "CNY",
    priority: str = "NORMAL",
    uetr_text: str | None = None,
) -> SubmitPayment:
    return SubmitPayment(
        receiver, currency, amount, priority, f"MSG{n}", f"E2E{n}", uetr_text or uetr(n)
    )


def test_clr5_end_of_block_processing_resolves_gridlock_and_retries_gross(
    tmp_path: Path, suite_name: str
) -> None:
    """Rule 3 with `auto_process` on (the default): no RunLsm needed."""
    chain = make_chain(tmp_path / "auto", suite_name)
    try:
        run(chain, *(chain.sign("pboc", OpenAccount(bank, "CNY")) for bank in BANKS))
        # The classic gridlock settles at the end of the block that submits it.
        run(
            chain,
            pay(chain, "bank-a", "bank-b", 100, 1),
            pay(chain, "bank-b", "bank-c", 100, 2),
            pay(chain, "bank-c", "bank-a", 100, 3),
        )
        assert [status(chain, n) for n in (1, 2, 3)] == ["SETTLED"] * 3
        # The settlements belong to no transaction: they are the block's own events.
        record = chain.db.load_block(chain.app.height)
        assert record is not None
        settled = [
            dict(e.attributes) for e in record.events if e.type == "clearing.payment_settled"
        ]
        assert [(e["uetr"], e["method"]) for e in settled] == [(uetr(n), "lsm") for n in (1, 2, 3)]
        assert record.events[-1].type == "clearing.lsm_cycle"
        assert record.to_json()["events"][0]["type"] == "clearing.payment_settled"
        # An unfunded payment waits (a deadlock cycle is recorded) until a pledge funds it;
        # the gross retry at the end of that block settles it.
        run(chain, pay(chain, "bank-a", "bank-b", 40, 4))
        assert status(chain, 4) == "QUEUED"
        assert query(chain, "clearing/cycles")[-1]["deadlock"] is True
        cycles = len(query(chain, "clearing/cycles"))
        for _ in range(3):  # the same deadlock is not recorded again at every block
            chain.engine.produce_block()
        assert len(query(chain, "clearing/cycles")) == cycles
        run(chain, chain.sign("pboc", Pledge("bank-a", "CNY", 40)))
        assert status(chain, 4) == "SETTLED"
        assert balances(chain) == {"bank-a": 0, "bank-b": 40, "bank-c": 0}
        assert chain.app.check_invariants() == []
    finally:
        chain.close()


def test_bic_directory_maps_one_bic_to_one_participant(chain: Chain) -> None:
    run(chain, chain.sign("pboc", RegisterBic("bank-a", "ICBKCNBJ")))
    run(chain, chain.sign("pboc", RegisterBic("bank-a", "ICBKCNBJXXX")))  # replaces the old one
    run(chain, chain.sign("pboc", RegisterBic("bank-b", "ICBKCNBJ")))  # now free again
    assert query(chain, "clearing/directory") == [
        {"bic": "ICBKCNBJ", "participant": "bank-b"},
        {"bic": "ICBKCNBJXXX", "participant": "bank-a"},
    ]
