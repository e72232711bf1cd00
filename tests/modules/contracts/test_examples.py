"""The shipped example contracts (examples/contracts/) on a real chain: escrow, procurement and
receivable, each through its happy path and its refusals, with the money checked in the bank."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.crypto import format_address
from finchain.modules.bank import Issue
from tests.app.support import InBlock, assert_rejected
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import (
    call,
    deploy,
    deployed_address,
    example,
    query,
    sign_call,
)

DAY_MS = 86_400_000


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    chain = make_chain(tmp_path)
    for org in ("bank-a", "bank-b", "bank-c"):
        assert chain.execute(chain.sign("pboc", Issue(chain.address(org), "CNY", 100_000)))[0].ok
    yield chain
    chain.close()


def cny(chain: Chain, who: str | bytes) -> int:
    address = chain.address(who) if isinstance(who, str) else who
    return int(
        chain.app.query("balances", {"address": format_address(address)}).value.get("CNY", 0)
    )


def addr(chain: Chain, org: str) -> str:
    return format_address(chain.address(org))


# ---- escrow --------------------------------------------------------------------------------


def test_escrow_releases_on_the_named_partys_confirmation(chain: Chain) -> None:
    terms = (addr(chain, "bank-b"), addr(chain, "bank-c"), "CNY", 5_000, chain.app.height + 50)
    escrow = deployed_address(deploy(chain, "bank-a", example("escrow"), *terms))
    wrong = sign_call(chain, "bank-a", escrow, "fund", asset="CNY", amount=4_999)
    assert_rejected(chain, wrong, "contracts/reverted", InBlock.MESSAGE)
    assert cny(chain, "bank-a") == 100_000  # the attached payment was undone with the call
    assert call(chain, "bank-a", escrow, "fund", asset="CNY", amount=5_000).ok
    assert cny(chain, escrow) == 5_000
    # the seller cannot release to itself; the buyer cannot refund before the height
    assert_rejected(
        chain, sign_call(chain, "bank-b", escrow, "confirm"), "contracts/reverted", InBlock.MESSAGE
    )
    assert_rejected(
        chain, sign_call(chain, "bank-a", escrow, "refund"), "contracts/reverted", InBlock.MESSAGE
    )
    receipt = call(chain, "bank-c", escrow, "confirm")
    assert receipt.ok, receipt.log
    assert (cny(chain, "bank-b"), cny(chain, escrow)) == (105_000, 0)
    assert query(chain, escrow, "status")["state"] == "RELEASED"


def test_escrow_refunds_after_the_height(chain: Chain) -> None:
    terms = (addr(chain, "bank-b"), addr(chain, "bank-c"), "CNY", 5_000, chain.app.height + 3)
    escrow = deployed_address(deploy(chain, "bank-a", example("escrow"), *terms))
    assert call(chain, "bank-a", escrow, "fund", asset="CNY", amount=5_000).ok
    for _ in range(3):
        chain.engine.produce_block()
    assert call(chain, "bank-a", escrow, "refund").ok
    assert (cny(chain, "bank-a"), cny(chain, escrow)) == (100_000, 0)
    late = sign_call(chain, "bank-c", escrow, "confirm")
    assert_rejected(chain, late, "contracts/reverted", InBlock.MESSAGE)


# ---- procurement ---------------------------------------------------------------------------


def procurement(chain: Chain, deadline_ms: int) -> bytes:
    terms = (addr(chain, "bank-b"), "CNY", 10_000, deadline_ms, 1_000)
    order = deployed_address(deploy(chain, "bank-a", example("procurement"), *terms))
    assert call(chain, "bank-a", order, "fund", asset="CNY", amount=10_000).ok
    return order


def test_procurement_pays_on_goods_receipt(chain: Chain) -> None:
    order = procurement(chain, chain.clock[0] + 10 * DAY_MS)
    early = sign_call(chain, "bank-a", order, "confirm_receipt")
    assert_rejected(chain, early, "contracts/reverted", InBlock.MESSAGE)  # nothing shipped
    assert call(chain, "bank-b", order, "ship", "WAYBILL-1").ok
    assert call(chain, "bank-a", order, "confirm_receipt").ok
    assert (cny(chain, "bank-b"), cny(chain, "bank-a"), cny(chain, order)) == (
        110_000,
        90_000,
        0,
    )


def test_procurement_penalty_for_each_started_day_late(chain: Chain) -> None:
    order = procurement(chain, chain.clock[0] + 5_000)
    assert call(chain, "bank-b", order, "ship", "WAYBILL-2").ok
    deadline = query(chain, order, "status")["deadline_ms"]
    chain.clock[0] = deadline + DAY_MS  # the next block is one day and one second late
    receipt = call(chain, "bank-a", order, "confirm_receipt")
    assert receipt.ok, receipt.log
    # 2 started days late at 1,000 each: 8,000 to the supplier, 2,000 back to the buyer
    assert (cny(chain, "bank-b"), cny(chain, "bank-a")) == (108_000, 92_000)
    assert query(chain, order, "penalty_due", chain.clock[0] + 100 * DAY_MS) == 10_000  # capped


def test_procurement_cancel_only_after_the_deadline(chain: Chain) -> None:
    order = procurement(chain, chain.clock[0] + DAY_MS)
    cancel = sign_call(chain, "bank-a", order, "cancel")
    assert_rejected(chain, cancel, "contracts/reverted", InBlock.MESSAGE)
    chain.clock[0] += 2 * DAY_MS
    chain.engine.produce_block()  # check_tx judges by the last block's time
    assert call(chain, "bank-a", order, "cancel").ok
    assert cny(chain, "bank-a") == 100_000
    shipped_late = sign_call(chain, "bank-b", order, "ship", "WAYBILL-3")
    assert_rejected(chain, shipped_late, "contracts/reverted", InBlock.MESSAGE)


# ---- receivable ----------------------------------------------------------------------------


def test_receivable_split_assign_and_pay(chain: Chain) -> None:
    """bank-a holds a 30,000 receivable on bank-c; splits 12,000 off, sells it to bank-b; the
    debtor pays both pieces to their holders. Open + paid = face value after every step."""
    terms = (addr(chain, "bank-c"), "CNY", 30_000, chain.clock[0] + 90 * DAY_MS)
    receivable = deployed_address(deploy(chain, "bank-a", example("receivable"), *terms))

    def summary() -> dict[str, int]:
        result = query(chain, receivable, "summary")
        assert result["open"] + result["paid"] == result["face_value"] == 30_000
        return dict(result)

    receipt = call(chain, "bank-a", receivable, "split", 1, 12_000)
    assert receipt.ok, receipt.log
    assert query(chain, receivable, "piece", 2) == {
        "holder": addr(chain, "bank-a"),
        "amount": 12_000,
        "paid": False,
    }
    summary()
    too_much = sign_call(chain, "bank-a", receivable, "split", 1, 18_000)
    assert_rejected(chain, too_much, "contracts/reverted", InBlock.MESSAGE)
    not_holder = sign_call(chain, "bank-b", receivable, "assign", 2, addr(chain, "bank-b"))
    assert_rejected(chain, not_holder, "contracts/reverted", InBlock.MESSAGE)
    assert call(chain, "bank-a", receivable, "assign", 2, addr(chain, "bank-b")).ok
    assert call(chain, "bank-c", receivable, "pay", 2, asset="CNY", amount=12_000).ok
    assert summary() == {"face_value": 30_000, "open": 18_000, "paid": 12_000}
    again = sign_call(chain, "bank-c", receivable, "pay", 2, asset="CNY", amount=12_000)
    assert_rejected(chain, again, "contracts/reverted", InBlock.MESSAGE)
    assert call(chain, "bank-c", receivable, "pay", 1, asset="CNY", amount=18_000).ok
    assert summary()["paid"] == 30_000
    assert (cny(chain, "bank-a"), cny(chain, "bank-b"), cny(chain, "bank-c")) == (
        118_000,
        112_000,
        70_000,
    )
