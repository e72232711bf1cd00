"""Contracts on a 4-validator CometBFT testnet (8 real processes on 127.0.0.1): a token contract
is deployed and called through different nodes' REST APIs, and a call that would fail is refused
by CheckTx with the contract's error code; every
node's application computes the same app hash at every height, and answers the same read-only
contract query (ABCI `contracts/call`) with the same result and compute."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from finchain.crypto import format_address, get_suite
from finchain.modules.contracts import Call, Deploy
from finchain.node import testnet
from finchain.node.testnet_config import find_free_base_port
from finchain.sdk import Client, FinchainApiError, Wallet
from finchain.vm import encode_args
from tests.e2e.cometbft.support import (
    abci_query_call,
    assert_same_app_hashes,
    decode_abci_value,
    rpc_batch,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")
VALIDATORS = 4
TOKEN = Path(__file__).resolve().parents[3] / "examples" / "contracts" / "token.py"
LIMIT = 200_000


def test_contract_calls_agree_on_every_node(testnet_dir: Path) -> None:
    layout = testnet.up(testnet_dir, VALIDATORS, base_port=find_free_base_port(VALIDATORS))
    keys = testnet.load_test_keys(testnet_dir)
    wallets = [Wallet(SUITE, keys[f"user{i}"], f"user{i}") for i in range(VALIDATORS)]
    nodes = layout.nodes
    clients = [Client(node.api_url) for node in nodes]
    try:
        deploy = Deploy(TOKEN.read_text(), encode_args(["TOK", 10_000]), LIMIT)
        deployed = clients[0].sign_and_submit(wallets[0], deploy)
        [event] = [e for e in deployed.receipt.events if e.type == "contracts.deployed"]
        token = dict(event.attributes)["contract"]
        to = [format_address(w.address) for w in wallets]
        for i in range(1, VALIDATORS):  # user0 pays users 1..3 through nodes 0..2
            msg = Call(bytes.fromhex(token[2:]), "transfer", encode_args([to[i], 100 * i]), LIMIT)
            assert clients[i - 1].sign_and_submit(wallets[0], msg).receipt.code == "ok"
        for i in range(1, VALIDATORS):  # each user passes some on, through its own node
            msg = Call(bytes.fromhex(token[2:]), "transfer", encode_args([to[0], 10 * i]), LIMIT)
            assert clients[i].sign_and_submit(wallets[i], msg).receipt.code == "ok"
        too_much = Call(bytes.fromhex(token[2:]), "transfer", encode_args([to[0], 10**6]), LIMIT)
        with pytest.raises(FinchainApiError) as refused:  # CheckTx runs the call and refuses it
            clients[3].sign_and_submit(wallets[3], too_much)
        assert refused.value.code == "contracts/reverted"
        height = max(client.status().height for client in clients)  # nodes may lag a block
    finally:
        for client in clients:
            client.close()

    with httpx.Client(timeout=30) as client:
        assert_same_app_hashes(client, nodes, range(1, height + 1))
        answers = []
        for node in nodes:
            calls = [
                abci_query_call(
                    "contracts/call",
                    {"address": token, "function": "balance_of", "args": [account]},
                    height,
                )
                for account in to
            ]
            answers.append([decode_abci_value(r) for r in rpc_batch(client, node.rpc_url, calls)])
    assert all(answer == answers[0] for answer in answers)
    balances = [a["result"] for a in answers[0]]
    assert balances == [10_000 - 600 + 60, 90, 180, 270]
