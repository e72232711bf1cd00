"""Contracts calling contracts, read-only queries, who may deploy, the compute price, and upgrades
by governance vote, on a real chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.crypto import format_address
from finchain.errors import InvalidTransaction
from finchain.modules.contracts import Call, Deploy, Upgrade
from finchain.modules.governance import messages as governance
from tests.app.support import InBlock, assert_rejected, snapshot
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import (
    call,
    deploy,
    deployed_address,
    example,
    query,
    sign_call,
)

SPLITTER = '''
from finchain.contract import call, ctx, emit, export


@export
def split(token: str, first: str, second: str, amount: int) -> None:
    """Pay `amount` of this contract's tokens to each of two accounts."""
    call(token, "transfer", first, amount)
    call(token, "transfer", second, amount)
    emit("Split", by=ctx.caller)
'''

RELAY = """
from finchain.contract import Value, call, export

hops = Value("hops")


@export
def hops_seen() -> int:
    return hops.get(0)


@export
def relay(path: list) -> int:
    hops.set(hops.get(0) + 1)
    if path:
        return call(path[0], "relay", path[1:]) + 1
    return 1
"""

WRITER = """
from finchain.contract import Value, export

seen = Value("seen")


@export
def touch() -> int:
    seen.set(seen.get(0) + 1)
    return seen.get()


@export
def count() -> int:
    return seen.get(0)
"""


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    chain = make_chain(tmp_path, governance={"voting_period_blocks": 2})
    yield chain
    chain.close()


def test_a_contract_spends_its_own_tokens_through_another(chain: Chain) -> None:
    token = deployed_address(deploy(chain, "bank-a", example("token"), "TOK", 1_000))
    splitter = deployed_address(deploy(chain, "bank-a", SPLITTER))
    token_text, splitter_text = format_address(token), format_address(splitter)
    b, c = (format_address(chain.address(o)) for o in ("bank-b", "bank-c"))
    assert call(chain, "bank-a", token, "transfer", splitter_text, 100).ok
    receipt = call(chain, "bank-b", splitter, "split", token_text, b, c, 30)
    assert receipt.ok, receipt.log
    kinds = [(e.type, dict(e.attributes)["contract"]) for e in receipt.events if "." in e.type]
    assert ("contract.Transfer", token_text) in kinds and ("contract.Split", splitter_text) in kinds
    balances = [query(chain, token, "balance_of", x) for x in (splitter_text, b, c)]
    assert balances == [40, 30, 30]
    # the second inner transfer fails: the first one is undone with it
    raw = sign_call(chain, "bank-b", splitter, "split", token_text, b, c, 25)
    assert_rejected(chain, raw, "contracts/reverted", InBlock.MESSAGE)
    assert [query(chain, token, "balance_of", x) for x in (splitter_text, b, c)] == balances


def test_nested_calls_stop_at_eight(chain: Chain) -> None:
    relays = [deployed_address(deploy(chain, "bank-a", RELAY)) for _ in range(9)]
    path = [format_address(r) for r in relays]
    assert call(chain, "bank-a", relays[0], "relay", path[1:8]).ok  # 8 contracts: allowed
    assert [query(chain, r, "hops_seen") for r in relays] == [1] * 8 + [0]
    raw = sign_call(chain, "bank-a", relays[0], "relay", path[1:])
    assert_rejected(chain, raw, "contracts/call_depth", InBlock.MESSAGE)


def test_queries_are_read_only_and_free(chain: Chain) -> None:
    writer = deployed_address(deploy(chain, "bank-a", WRITER))
    before = snapshot(chain.app)
    with pytest.raises(InvalidTransaction) as refused:
        query(chain, writer, "touch")
    assert str(refused.value.code) == "contracts/read_only"
    assert snapshot(chain.app) == before
    assert call(chain, "bank-a", writer, "touch").ok
    assert query(chain, writer, "count") == 1
    at_deploy = {"address": format_address(writer), "function": "count", "args": []}
    assert chain.app.query("contracts/call", at_deploy, height=chain.app.height - 1).value == {
        "result": 0,
        "compute_used": chain.app.query("contracts/call", at_deploy).value["compute_used"] - 1,
        "height": chain.app.height - 1,
    }


def test_only_deployer_roles_may_deploy(tmp_path: Path) -> None:
    chain = make_chain(tmp_path, contracts={"deployer_roles": ["central_bank"]})
    try:
        raw = chain.sign("bank-a", Deploy(WRITER, b"", 100_000))
        assert_rejected(chain, raw, "contracts/deploy_not_permitted", InBlock.MESSAGE)
        assert deployed_address(deploy(chain, "pboc", WRITER))
    finally:
        chain.close()


def test_compute_has_a_price(tmp_path: Path) -> None:
    chain = make_chain(tmp_path, contracts={"compute_price": 2})  # 2 per 1,000 units
    try:
        raw = chain.sign("bank-a", Deploy(WRITER, b"", 100_000), fee=199)
        assert_rejected(chain, raw, "contracts/fee_too_low", InBlock.MESSAGE)
        [receipt] = chain.execute(chain.sign("bank-a", Deploy(WRITER, b"", 100_000), fee=200))
        assert receipt.ok, receipt.log
    finally:
        chain.close()


def test_upgrade_only_by_vote_keeps_address_and_storage(chain: Chain) -> None:
    writer = deployed_address(deploy(chain, "bank-a", WRITER))
    assert call(chain, "bank-a", writer, "touch").ok
    upgraded = WRITER.replace("seen.get(0) + 1", "seen.get(0) + 100")
    proposal = governance.Propose(governance.encode_action(Upgrade(writer, upgraded)), "v2")
    assert chain.execute(chain.sign("pboc", proposal))[0].ok
    assert chain.execute(chain.sign("pboc", governance.OpenVoting(0)))[0].ok
    votes = [chain.sign(o, governance.Vote(0, "yes")) for o in ("pboc", "bank-a", "bank-b")]
    chain.execute(*votes)
    for _ in range(3):
        chain.engine.produce_block()
    assert chain.app.query("governance/proposal", {"id": 0}).value["status"] == "EXECUTED"
    info = chain.app.query("contracts/info", {"address": format_address(writer)}).value
    assert info["upgraded_height"] and info["address"] == format_address(writer)
    assert call(chain, "bank-a", writer, "touch").ok
    assert query(chain, writer, "count") == 101  # the stored 1, plus the new code's 100
    code = chain.app.query("contracts/code", {"address": format_address(writer)}).value
    assert "+ 100" in code["code"]


def test_an_upgrade_cannot_be_sent_directly(chain: Chain) -> None:
    writer = deployed_address(deploy(chain, "bank-a", WRITER))
    raw = chain.sign("pboc", Upgrade(writer, WRITER))
    assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)


@pytest.mark.parametrize(
    "section",
    [
        {"deployer_roles": ["regulator"]},
        {"deployer_roles": []},
        {"deployer_roles": ["banker"]},
        {"max_compute": 10},
        {"compute_price": -1},
        {"gas": 1},
    ],
    ids=repr,
)
def test_invalid_contracts_genesis_is_refused(tmp_path: Path, section: dict[str, object]) -> None:
    with pytest.raises(InvalidTransaction) as refused:
        make_chain(tmp_path, contracts=section)
    assert str(refused.value.code) == "contracts/bad_params"


def test_the_fee_covers_every_call_of_a_transaction(tmp_path: Path) -> None:
    """Two calls of 100,000 units at 2 per 1,000 need 400, not 200."""
    chain = make_chain(tmp_path, contracts={"compute_price": 2})
    try:
        [deployed] = chain.execute(chain.sign("bank-a", Deploy(WRITER, b"", 100_000), fee=200))
        writer = deployed_address(deployed)
        touch = Call(writer, "touch", b"", 100_000)
        raw = chain.sign("bank-a", touch, touch, fee=399)
        assert_rejected(chain, raw, "contracts/fee_too_low", InBlock.MESSAGE)
        [receipt] = chain.execute(chain.sign("bank-a", touch, touch, fee=400))
        assert receipt.ok, receipt.log
        assert query(chain, writer, "count") == 2
    finally:
        chain.close()
