"""The token example end to end on a real chain: deploy, transfer, allowances, read-only queries,
and a failed call that leaves no writes and no events (only the nonce moves)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.crypto import format_address
from finchain.modules.contracts import Deploy
from finchain.vm import encode_args
from tests.app.support import InBlock, assert_rejected
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import (
    call,
    contract_events,
    deploy,
    deployed_address,
    example,
    query,
    sign_call,
)


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    chain = make_chain(tmp_path)
    yield chain
    chain.close()


def test_token_lifecycle(chain: Chain) -> None:
    receipt = deploy(chain, "bank-a", example("token"), "TOK", 1_000)
    token = deployed_address(receipt)
    a, b = format_address(chain.address("bank-a")), format_address(chain.address("bank-b"))
    assert contract_events(receipt) == [
        ("contract.Minted", {"contract": format_address(token), "to": a, "amount": "1000"})
    ]
    receipt = call(chain, "bank-a", token, "transfer", b, 250)
    assert receipt.ok, receipt.log
    assert query(chain, token, "balance_of", a) == 750
    assert query(chain, token, "balance_of", b) == 250
    assert query(chain, token, "info") == {"symbol": "TOK", "total_supply": 1_000}
    called = [dict(e.attributes) for e in receipt.events if e.type == "contracts.called"]
    used = int(called[0]["compute_used"])
    assert 0 < used < receipt.gas_used
    # allowance: bank-b may move 100 of bank-a's tokens to bank-c
    c = format_address(chain.address("bank-c"))
    assert call(chain, "bank-a", token, "approve", b, 100).ok
    assert call(chain, "bank-b", token, "transfer_from", a, c, 60).ok
    assert query(chain, token, "balance_of", c) == 60
    over = sign_call(chain, "bank-b", token, "transfer_from", a, c, 41)
    assert_rejected(chain, over, "contracts/reverted", InBlock.MESSAGE)
    assert "allowance exceeded" in chain.app.db.load_receipts(chain.app.height)[0].log


def test_same_calls_cost_the_same_on_another_chain(chain: Chain, tmp_path: Path) -> None:
    other = make_chain(tmp_path / "other")
    try:
        costs = []
        for each in (chain, other):
            deployed = deploy(each, "bank-a", example("token"), "TOK", 1_000)
            token = deployed_address(deployed)
            b = format_address(each.address("bank-b"))
            first = call(each, "bank-a", token, "transfer", b, 1)
            second = call(each, "bank-a", token, "transfer", b, 1)  # reads a stored 1
            costs.append([r.gas_used for r in (deployed, first, second)])
        assert costs[0] == costs[1]
    finally:
        other.close()


def test_failed_call_changes_nothing_but_the_nonce(chain: Chain) -> None:
    token = deployed_address(deploy(chain, "bank-a", example("token"), "TOK", 1_000))
    b = format_address(chain.address("bank-b"))
    raw = sign_call(chain, "bank-a", token, "transfer", b, 5_000)  # more than the supply
    # check_tx refuses it (nothing changes); delivered in a block it fails with no writes
    assert_rejected(chain, raw, "contracts/reverted", InBlock.MESSAGE)
    raw = sign_call(chain, "bank-a", token, "transfer", b, 1, limit=50)
    assert_rejected(chain, raw, "contracts/out_of_compute", InBlock.MESSAGE)
    raw = sign_call(chain, "bank-a", token, "transfer", b)  # missing argument
    assert_rejected(chain, raw, "contracts/bad_args", InBlock.MESSAGE)
    raw = sign_call(chain, "bank-a", token, "init", "X", 1)
    assert_rejected(chain, raw, "contracts/unknown_function", InBlock.MESSAGE)
    assert query(chain, token, "balance_of", b) == 0


def test_bad_deploys_are_refused_with_the_line(chain: Chain) -> None:
    code = "from finchain.contract import export\nimport os\n"
    raw = chain.sign("bank-a", Deploy(code, b"", 100_000))
    assert_rejected(chain, raw, "contracts/compile_error", InBlock.MESSAGE)
    result, _ = chain.engine.submit(chain.sign("bank-a", Deploy(code, encode_args([]), 100_000)))
    assert "line 2: import statement" in result.log


def test_a_calls_return_value_is_in_its_event(chain: Chain) -> None:
    """`contracts.called` carries the return value as compact JSON; a long one as its SHA-256."""
    token = deployed_address(deploy(chain, "bank-a", example("token"), "TOK", 1_000))
    receipt = call(chain, "bank-a", token, "info")
    [called] = [dict(e.attributes) for e in receipt.events if e.type == "contracts.called"]
    assert called["result"] == '{"symbol":"TOK","total_supply":1000}'
    big = "from finchain.contract import export\n\n\n@export\ndef big() -> str:\n"
    big += "    return 'x' * 2000\n"
    receipt = call(chain, "bank-a", deployed_address(deploy(chain, "bank-a", big)), "big")
    [called] = [dict(e.attributes) for e in receipt.events if e.type == "contracts.called"]
    assert called["result"].startswith("sha256:") and len(called["result"]) == 7 + 64
