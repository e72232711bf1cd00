"""Faults on a 4-validator testnet (f = 1): a validator killed with SIGKILL (CometBFT and app)
does not stop the other three; restarted, it replays what it missed and agrees on every app
hash. A frozen app (SIGSTOP) stalls only its own node, which catches up after SIGCONT."""

from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path

import httpx
import pytest

from finchain.crypto import get_suite
from finchain.node import testnet
from finchain.node.testnet import ProcessRecord
from finchain.node.testnet_config import NodeLayout, TestnetLayout
from tests.e2e.cometbft.support import (
    abci_query_call,
    decode_abci_value,
    find_free_base_port,
    rpc_batch,
    sign_transfer,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")


def test_killed_validator_rejoins_and_a_frozen_app_catches_up(testnet_dir: Path) -> None:
    layout = testnet.up(testnet_dir, 4, base_port=find_free_base_port(4))
    keys = testnet.load_test_keys(testnet_dir)
    live, victim = layout.nodes[:3], layout.nodes[3]
    survivors = dataclasses.replace(layout, nodes=tuple(live))
    recipient = SUITE.address(keys["user1"].public_key)

    with httpx.Client(timeout=30) as client:
        # SIGKILL both processes of node3, mid-flight.
        for record in _records(testnet_dir, victim.name):
            os.kill(record.pid, signal.SIGKILL)
        height_at_kill = _height(live[0])
        testnet.wait_for_blocks(survivors, height_at_kill + 5, timeout_s=30)

        # Transfers still commit with 3 of 4 validators.
        raws = [sign_transfer(layout.chain_id, keys["user0"], recipient, 7, n) for n in range(5)]
        reply = client.post(
            f"{live[1].api_url}/v1/txs/batch",
            json={"txs": [raw.hex() for raw in raws], "mode": "commit"},
        )
        results = reply.json()["results"]
        assert [r.get("status") for r in results] == ["committed"] * 5, results

        # Restart node3: it replays the missed blocks and agrees on every app hash.
        testnet.start_node(testnet_dir, victim.name)
        target = _height(live[0])
        testnet.wait_for_blocks(_only(layout, victim), target, timeout_s=60)
        _assert_same_app_hashes(client, [live[0], victim], range(1, target + 1))
        for result in results:
            stored = client.get(f"{victim.api_url}/v1/txs/{result['hash']}")
            assert stored.status_code == 200 and stored.json()["receipt"]["code"] == "ok"

        # Freeze node3's app: the others go on; after SIGCONT node3 catches up.
        [app] = [r for r in _records(testnet_dir, victim.name) if r.role == "app"]
        os.kill(app.pid, signal.SIGSTOP)
        try:
            frozen_at = _height(live[0])
            testnet.wait_for_blocks(survivors, frozen_at + 5, timeout_s=30)
        finally:
            os.kill(app.pid, signal.SIGCONT)
        target = _height(live[0])
        testnet.wait_for_blocks(_only(layout, victim), target, timeout_s=60)
        _assert_same_app_hashes(client, [live[0], victim], range(frozen_at, target + 1))
    statuses = testnet.status(testnet_dir)
    assert all(s.app_running and s.cometbft_running for s in statuses)


def _records(directory: Path, node: str) -> list[ProcessRecord]:
    return [r for r in testnet.read_run_records(directory) if r.node == node]


def _only(layout: TestnetLayout, node: NodeLayout) -> TestnetLayout:
    return dataclasses.replace(layout, nodes=(node,))


def _height(node: NodeLayout) -> int:
    status = testnet.rpc_call(node.rpc_url, "status")
    return int(status["sync_info"]["latest_block_height"])


def _assert_same_app_hashes(client: httpx.Client, nodes: list[NodeLayout], heights: range) -> None:
    calls = [abci_query_call("block", {"height": h}) for h in heights]
    hashes = [
        [decode_abci_value(r)["app_hash"] for r in rpc_batch(client, node.rpc_url, calls)]
        for node in nodes
    ]
    assert all(h == hashes[0] for h in hashes), "app hashes differ between nodes"
