"""A 4-validator CometBFT testnet started by `finchain testnet` logic (8 real processes).

Transfers go to all four nodes' REST APIs (sender i always to node i % 4, so its nonces stay in
order); each one commits exactly once, is readable from another node, and the CNY supply is
unchanged everywhere. Over at least 50 heights every node's application recorded the same app
hash at every height, and CometBFT's headers carry the same (block h+1 holds the hash after h).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from finchain.crypto import format_address, get_suite
from finchain.node import testnet
from finchain.node.testnet_config import DEFAULT_USERS, USER_BALANCE, find_free_base_port
from tests.e2e.cometbft.support import (
    abci_query_call,
    decode_abci_value,
    rpc_batch,
    sign_transfer,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")
VALIDATORS = 4
TXS_PER_SENDER = 10
MIN_HEIGHTS = 50
COMMIT_TIMEOUT_S = 30.0


def test_four_validators_agree_and_commit_each_transfer_once(testnet_dir: Path) -> None:
    started = time.monotonic()
    layout = testnet.up(testnet_dir, VALIDATORS, base_port=find_free_base_port(VALIDATORS))
    up_s = time.monotonic() - started
    assert all(s.app_running and s.cometbft_running for s in testnet.status(testnet_dir))
    keys = testnet.load_test_keys(testnet_dir)
    nodes = layout.nodes
    accounts = {name: SUITE.address(key.public_key) for name, key in keys.items()}

    with httpx.Client(timeout=30) as client:
        # Submit: sender user<i> -> node i % 4, recipient user<i+1>.
        submitted: list[tuple[int, str]] = []  # (sender index, tx hash)
        submit_started = time.monotonic()
        for i in range(DEFAULT_USERS):
            recipient = accounts[f"user{(i + 1) % DEFAULT_USERS}"]
            raws = [
                sign_transfer(layout.chain_id, keys[f"user{i}"], recipient, 100 + n, nonce=n)
                for n in range(TXS_PER_SENDER)
            ]
            reply = client.post(
                f"{nodes[i % VALIDATORS].api_url}/v1/txs/batch",
                json={"txs": [raw.hex() for raw in raws], "mode": "async"},
            )
            assert reply.status_code == 200, reply.text
            results = reply.json()["results"]
            assert [r.get("status") for r in results] == ["pending"] * TXS_PER_SENDER, results
            submitted += [(i, r["hash"]) for r in results]

        # Each transfer commits, read back from a node other than the one it was sent to.
        receipts = {}
        for i, tx_hash in submitted:
            other = nodes[(i + 1) % VALIDATORS]
            receipts[tx_hash] = _wait_for_receipt(client, other.api_url, tx_hash)
        commit_s = time.monotonic() - submit_started
        assert all(r["code"] == "ok" for r in receipts.values())

        testnet.wait_for_blocks(layout, MIN_HEIGHTS + 1, timeout_s=90)
        heights = range(1, MIN_HEIGHTS + 1)

        # Every node's application recorded the same app hash at every height.
        records_by_node = [
            [
                decode_abci_value(result)
                for result in rpc_batch(
                    client,
                    node.rpc_url,
                    [abci_query_call("block", {"height": h}) for h in heights],
                )
            ]
            for node in nodes
        ]
        for h, records in zip(heights, zip(*records_by_node, strict=True), strict=True):
            assert len({r["app_hash"] for r in records}) == 1, f"app hashes differ at height {h}"
            assert len({r["hash"] for r in records}) == 1, f"block hashes differ at height {h}"

        # CometBFT's header of block h+1 carries the app hash the app returned for block h.
        headers = rpc_batch(
            client, nodes[0].rpc_url, [("block", {"height": str(h + 1)}) for h in heights]
        )
        for record, block in zip(records_by_node[0], headers, strict=True):
            assert block["block"]["header"]["app_hash"].lower() == record["app_hash"]

        # Each transfer is in exactly one block.
        included = Counter(t for record in records_by_node[-1] for t in record["tx_hashes"])
        late = {t for _, t in submitted if receipts[t]["height"] > MIN_HEIGHTS}
        for _, tx_hash in submitted:
            assert included[tx_hash] == (0 if tx_hash in late else 1), tx_hash
            assert all(
                _get_receipt(client, node.api_url, tx_hash)["height"] == receipts[tx_hash]["height"]
                for node in nodes
            )

        # Supply unchanged and every node sees the same balances.
        for node in nodes:
            balances = {
                name: int(
                    client.get(f"{node.api_url}/v1/accounts/{format_address(address)}/balances")
                    .json()
                    .get("CNY", "0")
                )
                for name, address in accounts.items()
            }
            assert sum(balances.values()) == DEFAULT_USERS * USER_BALANCE
            for i in range(DEFAULT_USERS):  # each user sent 10 and received 10 transfers
                assert balances[f"user{i}"] == USER_BALANCE

    elapsed = time.monotonic() - started
    print(
        f"\n4 validators: up in {up_s:.1f}s; {len(submitted)} transfers committed in "
        f"{commit_s:.1f}s; {MIN_HEIGHTS} heights agreed; total {elapsed:.1f}s"
    )


def _wait_for_receipt(client: httpx.Client, api_url: str, tx_hash: str) -> dict[str, object]:
    deadline = time.monotonic() + COMMIT_TIMEOUT_S
    while True:
        reply = client.get(f"{api_url}/v1/txs/{tx_hash}")
        if reply.status_code == 200:
            receipt: dict[str, object] = reply.json()["receipt"]
            return receipt
        assert reply.status_code == 404, reply.text
        assert time.monotonic() < deadline, f"{tx_hash} not committed on {api_url}"
        time.sleep(0.1)


def _get_receipt(client: httpx.Client, api_url: str, tx_hash: str) -> dict[str, object]:
    reply = client.get(f"{api_url}/v1/txs/{tx_hash}")
    assert reply.status_code == 200, reply.text
    receipt: dict[str, object] = reply.json()["receipt"]
    return receipt
