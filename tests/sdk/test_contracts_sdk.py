"""`client.contracts` against a real node: deploy the token example, call and query it, typed
helpers from the ABI (arguments refused before anything is sent), events (paged), a payment
attached to a call (escrow), refusals with the contract's error code, the async client, and the
message builders offline."""

from __future__ import annotations

import asyncio

import pytest

from finchain.errors import InvalidTransaction
from finchain.modules.contracts import Call, Deploy
from finchain.sdk import (
    AsyncClient,
    Client,
    ContractArgsError,
    FinchainApiError,
    make_call,
    make_deploy,
)
from finchain.sdk import contracts as sdk_contracts
from finchain.sdk.contracts import check_contract_args, compute_event_windows, parse_abi
from finchain.vm import decode_args
from tests.modules.contracts.support import example
from tests.sdk.nodes import RunningNode

TOKEN_FUNCTIONS = ("transfer", "approve", "transfer_from", "balance_of", "info")
NOBODY = "0x" + "ab" * 20


def test_deploy_call_query_and_reads(running_node: RunningNode) -> None:
    node = running_node
    bank_a, b = node.wallets["bank-a"], node.address("bank-b")
    with Client(node.url) as client:
        deployed = client.contracts.deploy(bank_a, example("token"), "TOK", 1_000)
        assert deployed.tx.ok and deployed.compute_used > 0 and len(deployed.code_hash) == 64
        [record] = client.contracts.list()
        assert (record["address"], record["deployer"]) == (deployed.address, bank_a.address_hex)
        info = client.contracts.info(deployed.address)
        assert tuple(f["name"] for f in info["abi"]["functions"]) == TOKEN_FUNCTIONS
        assert info["code_hash"] == deployed.code_hash
        assert client.contracts.code(deployed.address) == example("token")
        assert client.contracts.params()["max_compute"] == 2_000_000

        called = client.contracts.call(bank_a, deployed.address, "transfer", b, 250)
        assert called.tx.ok and called.compute_used > 0
        assert (called.result, called.result_text) == (True, "true")  # transfer returns True
        [event] = called.events
        assert event.type == "contract.Transfer" and event.attributes["amount"] == "250"
        answer = client.contracts.query(deployed.address, "balance_of", b)
        assert (answer.result, answer.height) == (250, called.tx.height)
        assert answer.compute_used > 0
        before = client.contracts.query(
            deployed.address, "balance_of", b, height=deployed.tx.height
        )
        assert before.result == 0


def test_typed_helpers_check_arguments_before_sending(running_node: RunningNode) -> None:
    node = running_node
    bank_a, a, b = node.wallets["bank-a"], node.address("bank-a"), node.address("bank-b")
    with Client(node.url) as client:
        token = client.contracts.at(
            client.contracts.deploy(bank_a, example("token"), "T", 9).address
        )
        assert token.functions == TOKEN_FUNCTIONS
        assert sorted(dir(token.call)) == sorted(TOKEN_FUNCTIONS)
        assert token.query.balance_of(a) == 9
        result = token.call.transfer(bank_a, b, 4)
        assert result.tx.ok and result.events[0].attributes["recipient"] == b
        assert (token.query.balance_of(a), token.query.balance_of(b)) == (5, 4)
        assert token.query.info() == {"symbol": "T", "total_supply": 9}
        assert token.query.balance_of(b, height=result.tx.height - 1) == 0

        height, nonce = client.status().height, client.get_account(bank_a.address).pending_nonce
        with pytest.raises(ContractArgsError, match="transfer: argument 'amount' must be int"):
            token.call.transfer(bank_a, b, "4")
        with pytest.raises(ContractArgsError, match="got bool"):
            token.call.transfer(bank_a, b, True)
        with pytest.raises(ContractArgsError, match=r"transfer takes 2 arguments, got 1"):
            token.call.transfer(bank_a, b)
        with pytest.raises(ContractArgsError, match="balance_of: argument 'account' must be str"):
            token.query.balance_of(5)
        with pytest.raises(AttributeError, match="exports no 'mint'"):
            token.call.mint(bank_a, b, 1)
        assert client.status().height == height
        assert client.get_account(bank_a.address).pending_nonce == nonce
        assert token.call.transfer(bank_a, b, 1).tx.ok  # the wallet's nonce was not consumed


def test_refusals_carry_the_contract_error_code(running_node: RunningNode) -> None:
    node = running_node
    bank_a, a, b = node.wallets["bank-a"], node.address("bank-a"), node.address("bank-b")
    with Client(node.url) as client:
        token = client.contracts.deploy(bank_a, example("token"), "TOK", 100).address
        with pytest.raises(FinchainApiError) as reverted:
            client.contracts.call(bank_a, token, "transfer", b, 5_000)
        assert (reverted.value.status, reverted.value.code) == (400, "contracts/reverted")
        assert "insufficient token balance" in reverted.value.message
        with pytest.raises(FinchainApiError) as starved:
            client.contracts.call(bank_a, token, "transfer", b, 1, compute_limit=50)
        assert starved.value.code == "contracts/out_of_compute"
        with pytest.raises(FinchainApiError) as writes:
            client.contracts.query(token, "transfer", b, 1, caller=a)
        assert (writes.value.status, writes.value.code) == (400, "contracts/read_only")
        with pytest.raises(FinchainApiError) as missing:
            client.contracts.at(NOBODY)
        assert (missing.value.status, missing.value.code) == (404, "contracts/unknown_contract")
        assert client.contracts.call(bank_a, token, "transfer", b, 1).tx.ok  # nonce resynced


def test_events_page_through_long_ranges(
    running_node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = running_node
    bank_a, b = node.wallets["bank-a"], node.address("bank-b")
    with Client(node.url) as client:
        token = client.contracts.at(
            client.contracts.deploy(bank_a, example("token"), "T", 9).address
        )
        first = token.call.transfer(bank_a, b, 1).tx.height
        second = token.call.transfer(bank_a, b, 2).tx.height
        found = client.contracts.events(token.address)
        assert [(e.name, e.attributes.get("amount")) for e in found] == [
            ("Minted", "9"),
            ("Transfer", "1"),
            ("Transfer", "2"),
        ]
        assert all(e.attributes["contract"] == token.address for e in found)
        assert [e.height for e in found[1:]] == [first, second]
        assert client.contracts.events(token.address, from_height=second) == found[2:]
        assert client.contracts.events(token.address, to_height=first) == found[:2]
        monkeypatch.setattr(sdk_contracts, "MAX_EVENT_BLOCKS", 1)  # one request per block
        assert client.contracts.events(token.address, from_height=1) == found


def test_a_call_pays_the_contract_first(running_node: RunningNode) -> None:
    node = running_node
    pboc, bank_a = node.wallets["pboc"], node.wallets["bank-a"]
    seller = node.address("bank-b")
    with Client(node.url) as client:
        client.bank.issue(pboc, bank_a.address, "CNY", 10_000)
        refund_height = client.status().height + 100
        escrow = client.contracts.at(
            client.contracts.deploy(
                bank_a, example("escrow"), seller, pboc.address_hex, "CNY", 2_500, refund_height
            ).address
        )
        funded = escrow.call.fund(bank_a, asset="CNY", amount=2_500)
        assert [e.type for e in funded.events] == ["contract.Funded"]
        assert escrow.query.status()["state"] == "FUNDED"
        assert client.get_balances(escrow.address) == {"CNY": 2_500}
        escrow.call.confirm(pboc)
        assert client.get_balances(seller) == {"CNY": 2_500}
        assert escrow.query.status()["state"] == "RELEASED"


def test_async_contract_calls(running_node: RunningNode) -> None:
    node = running_node
    bank_a, b = node.wallets["bank-a"], node.address("bank-b")

    async def scenario() -> None:
        async with AsyncClient(node.url) as client:
            deployed = await client.contracts.deploy(bank_a, example("token"), "TOK", 50)
            token = await client.contracts.at(deployed.address)
            called = await token.call.transfer(bank_a, b, 5)
            assert called.tx.ok and called.compute_used > 0
            assert await token.query.balance_of(b) == 5
            answer = await client.contracts.query(deployed.address, "balance_of", b)
            assert answer.result == 5
            with pytest.raises(ContractArgsError):
                await token.call.transfer(bank_a, b, "5")
            events = await client.contracts.events(deployed.address, from_height=1)
            assert [e.name for e in events] == ["Minted", "Transfer"]
            assert [c["address"] for c in await client.contracts.list()] == [deployed.address]
            assert (await client.contracts.info(deployed.address))["code_hash"] == (
                deployed.code_hash
            )
            assert await client.contracts.code(deployed.address) == example("token")
            assert (await client.contracts.params())["compute_price"] == 0

    asyncio.run(scenario())


# ---- offline ------------------------------------------------------------------------------------


def test_builders_encode_and_validate() -> None:
    deploy = make_deploy("x = 1\n", ["TOK", 5, b"\x01", None], 1_000)
    assert isinstance(deploy, Deploy) and decode_args(deploy.init_args) == ["TOK", 5, b"\x01", None]
    call = make_call(NOBODY, "transfer", ("0x" + "01" * 20, 3), 500, "CNY", 25)
    assert isinstance(call, Call) and (call.asset, call.amount) == ("CNY", 25)
    assert decode_args(call.args) == ["0x" + "01" * 20, 3]
    with pytest.raises(ValueError, match="float is not a contract value"):
        make_call(NOBODY, "transfer", [1.5], 500)
    with pytest.raises(TypeError, match="sequence of values"):
        make_deploy("x = 1\n", "TOK", 1_000)  # a str is a sequence, but not of values
    with pytest.raises(InvalidTransaction, match="compute_limit"):
        make_call(NOBODY, "transfer", [], 0)
    with pytest.raises(InvalidTransaction, match="bad function name"):
        make_call(NOBODY, "not a name", [], 1)


def test_argument_checks_and_event_windows() -> None:
    abi = parse_abi(
        {
            "abi": {
                "functions": [
                    {
                        "name": "put",
                        "params": [{"name": "key", "type": "bytes"}, {"name": "v", "type": "list"}],
                    }
                ]
            }
        }
    )
    assert check_contract_args(abi["put"], (bytearray(b"k"), (1, 2))) == [b"k", [1, 2]]
    with pytest.raises(
        ContractArgsError, match=r"put: argument 'key' must be bytes.*put\(key: bytes"
    ):
        check_contract_args(abi["put"], ["6b", []])
    assert compute_event_windows(1, 25_000) == [(1, 10_000), (10_001, 20_000), (20_001, 25_000)]
    assert compute_event_windows(5, 5) == [(5, 5)]
