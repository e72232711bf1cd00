"""One real CometBFT validator driving the application in this process through the ABCI socket:
blocks commit, a signed transfer submitted through CometEngine (broadcast_tx_sync) commits, its
future resolves with the receipt, subscribers hear about the block, and the result is queryable
through the app and through CometBFT's RPC."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from finchain.app import Application
from finchain.app.ante import ERR_WRONG_CHAIN
from finchain.crypto import PrivateKey, format_address, get_suite
from finchain.engine.cometbft import CometConfig, CometEngine
from finchain.model import BlockRecord, Receipt
from finchain.modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from finchain.node import testnet
from finchain.node.node import build_application
from finchain.node.testnet_config import USER_BALANCE, TestnetLayout, find_free_base_port
from finchain.store import Database
from tests.e2e.cometbft.support import (
    abci_query_call,
    decode_abci_value,
    rpc_batch,
    sign_transfer,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SUITE = get_suite("intl")
COMMIT_TIMEOUT_S = 20.0


@dataclass
class SoloNetwork:
    layout: TestnetLayout
    engine: CometEngine
    app: Application
    keys: dict[str, PrivateKey]
    blocks: list[tuple[BlockRecord, list[Receipt]]]

    @property
    def rpc_url(self) -> str:
        return self.layout.nodes[0].rpc_url

    def address(self, name: str) -> bytes:
        return SUITE.address(self.keys[name].public_key)


@pytest.fixture
def network(testnet_dir: Path) -> Iterator[SoloNetwork]:
    layout = testnet.generate(testnet_dir, 1, base_port=find_free_base_port(1))
    node = layout.nodes[0]
    config_toml = Path(node.cometbft_home) / "config" / "config.toml"
    # CometBFT's default batch limit, so that CometEngine has to learn it (see the batch test).
    config_toml.write_text(
        config_toml.read_text().replace(
            "max_request_batch_size = 1000", "max_request_batch_size = 10"
        )
    )
    db = Database(Path(node.app_home) / "data")
    app = build_application(db)
    engine = CometEngine(app, CometConfig(abci_address=node.abci_address, rpc_url=node.rpc_url))
    blocks: list[tuple[BlockRecord, list[Receipt]]] = []
    engine.subscribe(lambda record, receipts: blocks.append((record, receipts)))
    engine.start()
    records: list[testnet.ProcessRecord] = []
    try:
        records.append(testnet.start_cometbft_process(testnet_dir, node))
        testnet.wait_for_blocks(layout, 2, timeout_s=30, records=records)
        yield SoloNetwork(layout, engine, app, testnet.load_test_keys(testnet_dir), blocks)
    finally:
        testnet.stop_processes(records, grace_s=5)
        engine.stop()
        db.close()


def test_blocks_commit_and_a_transfer_is_queryable(network: SoloNetwork) -> None:
    chain_id, engine = network.layout.chain_id, network.engine
    assert network.app.height >= 2
    sender, recipient = network.address("user0"), network.address("user1")
    raw = sign_transfer(chain_id, network.keys["user0"], recipient, 12_345, nonce=0)

    result, future = engine.submit(raw)

    assert result.ok, (result.code, result.log)
    assert (result.sender, result.nonce) == (sender, 0)
    assert isinstance(future, Future)
    receipt = future.result(timeout=COMMIT_TIMEOUT_S)
    assert receipt.ok, receipt
    assert engine.get_pending_nonce(sender) == 1
    assert not engine.is_pending(receipt.tx_hash)
    assert any(receipt in receipts for _, receipts in network.blocks)

    with engine.lock:
        account = network.app.query("account", {"address": format_address(recipient)}).value
    assert account["balances"] == {"CNY": str(USER_BALANCE + 12_345)}

    with httpx.Client() as client:
        committed_tx, queried = rpc_batch(
            client,
            network.rpc_url,
            [
                ("tx", {"hash": base64.b64encode(SUITE.hash(raw)).decode()}),
                abci_query_call("account", {"address": format_address(sender)}),
            ],
        )
    assert int(committed_tx["height"]) == receipt.height
    assert committed_tx["tx_result"]["code"] == 0
    assert decode_abci_value(queried)["balances"] == {"CNY": str(USER_BALANCE - 12_345)}


def test_invalid_transactions_come_back_with_their_codes(network: SoloNetwork) -> None:
    engine, keys = network.engine, network.keys
    recipient = network.address("user1")
    wrong_chain = sign_transfer("other-chain", keys["user2"], recipient, 1, nonce=0)
    gap = sign_transfer(network.layout.chain_id, keys["user2"], recipient, 1, nonce=5)

    results = engine.submit_batch([wrong_chain, gap])

    assert [(r.code, f) for r, f in results] == [
        ("tx/wrong_chain_id", None),
        ("tx/nonce_gap", None),
    ]
    assert results[1][0].details == {"expected": 0}  # CheckTx details survive CometBFT's RPC
    assert engine.mempool_size == 0


def test_invalid_check_tx_never_enters_a_block(network: SoloNetwork) -> None:
    """Sent straight to CometBFT's RPC (not through our API): CometBFT runs CheckTx, gets the
    stable code, keeps the tx out of its mempool, and no block ever holds it."""
    keys, chain_id = network.keys, network.layout.chain_id
    recipient = network.address("user1")
    overdraft = sign_transfer(chain_id, keys["user3"], recipient, USER_BALANCE + 1, nonce=0)
    wrong_chain = sign_transfer("other-chain", keys["user3"], recipient, 1, nonce=0)
    with httpx.Client(timeout=30) as client:
        replies = rpc_batch(
            client,
            network.rpc_url,
            [
                ("broadcast_tx_sync", {"tx": base64.b64encode(raw).decode()})
                for raw in (overdraft, wrong_chain)
            ],
        )
        assert [(r["code"], r["codespace"]) for r in replies] == [
            (ERR_INSUFFICIENT_FUNDS.number, "bank"),
            (ERR_WRONG_CHAIN.number, "tx"),
        ]
        height = network.app.height
        testnet.wait_for_blocks(network.layout, height + 3, timeout_s=30)
        for raw in (overdraft, wrong_chain):
            tx_hash = SUITE.hash(raw)
            assert all(tx_hash not in record.tx_hashes for record, _ in network.blocks)
            found = client.post(
                network.rpc_url,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tx",
                    "params": {"hash": base64.b64encode(tx_hash).decode()},
                },
            ).json()
            assert "error" in found, found
    assert network.app.get_pending_nonce(network.address("user3")) == 0


def test_resending_pending_bytes_returns_the_same_commit_future(network: SoloNetwork) -> None:
    """What a client does after `cometbft/outcome_unknown`: CometBFT answers the re-send with
    "already in cache", which the engine turns back into the admission it was."""
    keys, chain_id = network.keys, network.layout.chain_id
    raw = sign_transfer(chain_id, keys["user4"], network.address("user5"), 3, nonce=0)
    results = network.engine.submit_batch([raw, raw])
    [(first, future), (again, same_future)] = results
    assert first.ok and again.ok, (first.code, again.code)
    assert future is same_future and future is not None
    assert future.result(timeout=COMMIT_TIMEOUT_S).ok


def test_batch_of_transfers_all_commit(network: SoloNetwork) -> None:
    engine, keys, chain_id = network.engine, network.keys, network.layout.chain_id
    recipient = network.address("bank-b")
    raws = [
        sign_transfer(chain_id, keys[f"user{u}"], recipient, 1, nonce=n)
        for n in range(25)
        for u in range(3, 7)
    ]
    started = time.monotonic()
    admissions = engine.submit_batch(raws)
    assert all(r.ok for r, _ in admissions), [(r.code, r.log) for r, _ in admissions if not r.ok][
        :3
    ]
    receipts = [f.result(timeout=COMMIT_TIMEOUT_S) for _, f in admissions if f is not None]
    elapsed = time.monotonic() - started
    assert len(receipts) == len(raws) and all(r.ok for r in receipts)
    with engine.lock:
        balances = network.app.query("balances", {"address": format_address(recipient)}).value
    assert balances == {"CNY": str(len(raws))}
    print(f"1 validator: {len(raws)} transfers committed in {elapsed:.2f}s")
