"""Rejected bank operations: stable `bank/*` codes, and a rejected operation changes nothing.

Invariants checked: G-3 (check_tx rejects with the stable code and the committed state, height, app
hash, pending nonces and mempool are unchanged; forced into a block, a failing message leaves only
the consumed nonce, a stateless failure changes nothing), G-2 (`check_invariants() == []` after
every forced block), G-1 (a multi-message transaction is all or nothing: a later failing message
undoes an earlier successful transfer). Both crypto suites (the `chain` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest

from finchain.crypto import Address
from finchain.modules.bank import Issue, Redeem, Transfer
from finchain.modules.bank.messages import MAX_AMOUNT
from tests.app.support import InBlock, assert_rejected, fresh_address
from tests.helpers import Chain


@pytest.fixture
def funded(chain: Chain) -> Chain:
    """1,000 CNY issued to bank-a and 5,000 to pboc (block 1)."""
    receipts = chain.execute(
        chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 1_000)),
        chain.sign("pboc", Issue(chain.address("pboc"), "CNY", 5_000)),
    )
    assert [r.code for r in receipts] == ["ok", "ok"]
    return chain


def balance(chain: Chain, name: str) -> int:
    value = chain.app.query("balances", {"address": "0x" + chain.address(name).hex()}).value
    return int(value.get("CNY", "0"))


# ---- stateful failures (a message fails in the handler) ------------------------------------


@pytest.mark.parametrize("op", ["transfer", "issue", "redeem"])
def test_invalid_unknown_asset(funded: Chain, op: str) -> None:
    a = funded.address("bank-a")
    msg: Any = {
        "transfer": Transfer(funded.address("bank-b"), "USD", 1),
        "issue": Issue(a, "USD", 1),
        "redeem": Redeem("USD", 1),
    }[op]
    sender = "bank-a" if op == "transfer" else "pboc"
    raw = funded.sign(sender, msg, nonce=funded.app.get_pending_nonce(funded.address(sender)))
    assert_rejected(funded, raw, "bank/unknown_asset", InBlock.MESSAGE)


@pytest.mark.parametrize("amount", [1_001, 10**12, MAX_AMOUNT])
def test_invalid_overdraft(funded: Chain, amount: int) -> None:
    raw = funded.sign("bank-a", Transfer(funded.address("bank-b"), "CNY", amount), nonce=0)
    assert_rejected(funded, raw, "bank/insufficient_funds", InBlock.MESSAGE)
    assert balance(funded, "bank-a") == 1_000


def test_invalid_overdraft_from_empty_account(funded: Chain) -> None:
    raw = funded.sign("bank-b", Transfer(funded.address("bank-a"), "CNY", 1), nonce=0)
    assert_rejected(funded, raw, "bank/insufficient_funds", InBlock.MESSAGE)


def test_invalid_redeem_more_than_held(funded: Chain) -> None:
    raw = funded.sign("pboc", Redeem("CNY", 5_001), nonce=2)
    assert_rejected(funded, raw, "bank/insufficient_funds", InBlock.MESSAGE)


def test_invalid_overdraft_across_pending_transactions(funded: Chain) -> None:
    """Admission counts what is already admitted: 600 admitted, another 600 is an overdraft."""
    b = funded.address("bank-b")
    first, _ = funded.engine.submit(funded.sign("bank-a", Transfer(b, "CNY", 600), nonce=0))
    assert first.ok
    raw = funded.sign("bank-a", Transfer(b, "CNY", 600), nonce=1)
    assert_rejected(funded, raw, "bank/insufficient_funds", None)
    _, receipts = funded.engine.produce_block()
    assert [r.code for r in receipts] == ["ok"]
    assert (balance(funded, "bank-a"), balance(funded, "bank-b")) == (400, 600)


@pytest.mark.parametrize(
    ("issuer", "code", "in_block"),
    [
        ("bank-a", "bank/unauthorized_issuer", InBlock.MESSAGE),
        ("bank-b", "bank/unauthorized_issuer", InBlock.MESSAGE),
        # The regulator sends no bank message at all (REG-1): the ante refuses it first.
        ("regulator", "tx/role_not_permitted", InBlock.ANTE),
    ],
)
def test_invalid_unauthorized_issuer(
    funded: Chain, issuer: str, code: str, in_block: InBlock
) -> None:
    raw = funded.sign(issuer, Issue(funded.address(issuer), "CNY", 100), nonce=0)
    assert_rejected(funded, raw, code, in_block)


def test_invalid_unauthorized_redeemer(funded: Chain) -> None:
    """bank-a holds CNY but is not its issuer: it cannot destroy it."""
    raw = funded.sign("bank-a", Redeem("CNY", 100), nonce=0)
    assert_rejected(funded, raw, "bank/unauthorized_issuer", InBlock.MESSAGE)


@pytest.mark.parametrize("op", ["transfer", "issue"])
def test_invalid_unknown_recipient(funded: Chain, op: str) -> None:
    outsider = fresh_address(funded)
    if op == "transfer":
        raw = funded.sign("bank-a", Transfer(outsider, "CNY", 1), nonce=0)
    else:
        raw = funded.sign("pboc", Issue(outsider, "CNY", 1), nonce=2)
    assert_rejected(funded, raw, "bank/unknown_recipient", InBlock.MESSAGE)


def test_invalid_transfer_to_fee_collector(funded: Chain) -> None:
    """The fee collector holds fees but is no member account: nobody can pay into it directly."""
    collector = Address(funded.app.fee_collector())
    raw = funded.sign("bank-a", Transfer(collector, "CNY", 1), nonce=0)
    assert_rejected(funded, raw, "bank/unknown_recipient", InBlock.MESSAGE)


def test_invalid_self_transfer(funded: Chain) -> None:
    raw = funded.sign("bank-a", Transfer(funded.address("bank-a"), "CNY", 1), nonce=0)
    assert_rejected(funded, raw, "bank/self_transfer", InBlock.MESSAGE)


def test_invalid_second_message_undoes_the_first(funded: Chain) -> None:
    """G-1/G-3: [transfer 500 (fine), transfer 501 (overdraft)] moves nothing at all."""
    b = funded.address("bank-b")
    raw = funded.sign("bank-a", Transfer(b, "CNY", 500), Transfer(b, "CNY", 501), nonce=0)
    assert_rejected(funded, raw, "bank/insufficient_funds", InBlock.MESSAGE)
    assert (balance(funded, "bank-a"), balance(funded, "bank-b")) == (1_000, 0)


# ---- stateless failures (validate_basic) ---------------------------------------------------


INVALID_AMOUNTS = [0, -1, -(2**63), MAX_AMOUNT + 1, 2**64 - 1]


@pytest.mark.parametrize("amount", INVALID_AMOUNTS)
@pytest.mark.parametrize("op", ["transfer", "issue", "redeem"])
def test_invalid_amount(funded: Chain, op: str, amount: int) -> None:
    b = funded.address("bank-b")
    msg: Any = {
        "transfer": Transfer(b, "CNY", amount),
        "issue": Issue(b, "CNY", amount),
        "redeem": Redeem("CNY", amount),
    }[op]
    sender = "bank-a" if op == "transfer" else "pboc"
    raw = funded.sign(sender, msg, nonce=funded.app.get_pending_nonce(funded.address(sender)))
    assert_rejected(funded, raw, "bank/invalid_amount", InBlock.STATELESS)


@pytest.mark.parametrize("symbol", ["cny", "C", "1CNY", "CNY-1", "ABCDEFGHIJKLM", "", "CN Y"])
def test_invalid_bad_symbol(funded: Chain, symbol: str) -> None:
    raw = funded.sign("bank-a", Transfer(funded.address("bank-b"), symbol, 1), nonce=0)
    assert_rejected(funded, raw, "bank/bad_symbol", InBlock.STATELESS)


def test_invalid_bad_symbol_trailing_newline(funded: Chain) -> None:
    """Regression: `$` in a re.match pattern accepts "CNY\\n"; symbols must match in full."""
    raw = funded.sign("bank-a", Transfer(funded.address("bank-b"), "CNY\n", 1), nonce=0)
    assert_rejected(funded, raw, "bank/bad_symbol", InBlock.STATELESS)


# ---- the limits that are allowed -----------------------------------------------------------


def test_max_amount_and_balances_beyond_64_bits(funded: Chain) -> None:
    """Amounts up to 2**63-1 per message; balances and supply are unbounded integers (G-2)."""
    a, b = funded.address("bank-a"), funded.address("bank-b")
    receipts = funded.execute(
        funded.sign("pboc", Issue(a, "CNY", MAX_AMOUNT), Issue(a, "CNY", MAX_AMOUNT)),
        funded.sign("pboc", Issue(a, "CNY", MAX_AMOUNT)),
    )
    assert [r.code for r in receipts] == ["ok", "ok"]
    [receipt] = funded.execute(funded.sign("bank-a", Transfer(b, "CNY", MAX_AMOUNT)))
    assert receipt.ok
    assert balance(funded, "bank-a") == 1_000 + 2 * MAX_AMOUNT
    assert balance(funded, "bank-b") == MAX_AMOUNT
    supply = funded.app.query("asset", {"symbol": "CNY"}).value["supply"]
    assert int(supply) == 6_000 + 3 * MAX_AMOUNT > 2**64
    assert funded.app.check_invariants() == []
