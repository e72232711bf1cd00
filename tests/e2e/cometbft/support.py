"""Helpers for the CometBFT end-to-end tests: free ports, signing, CometBFT RPC calls, heights,
the application's block records, app-hash agreement and validator keys and sets."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from finchain.crypto import Address, PrivateKey, get_suite
from finchain.model import Transaction, sign_transaction
from finchain.modules.bank import Transfer
from finchain.node import testnet
from finchain.node.testnet_config import NodeLayout


def sign_transfer(
    chain_id: str,
    key: PrivateKey,
    to: bytes,
    amount: int,
    nonce: int,
    suite_name: str = "intl",
    asset: str = "CNY",
) -> bytes:
    suite = get_suite(suite_name)
    tx = Transaction(
        chain_id=chain_id,
        sender=suite.address(key.public_key),
        nonce=nonce,
        fee=0,
        msgs=(Transfer(Address(to), asset, amount),),
        memo="",
        valid_until_height=0,
    )
    return sign_transaction(tx, key, suite).raw


def rpc_batch(
    client: httpx.Client, rpc_url: str, calls: list[tuple[str, dict[str, Any]]]
) -> list[Any]:
    """Several CometBFT JSON-RPC calls in one batch request; results in order (errors raise)."""
    body = [
        {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
        for i, (method, params) in enumerate(calls)
    ]
    replies = {r["id"]: r for r in client.post(rpc_url, json=body, timeout=30).json()}
    results = []
    for i in range(len(calls)):
        if "error" in replies[i]:
            raise AssertionError(f"{calls[i][0]} failed: {replies[i]['error']}")
        results.append(replies[i]["result"])
    return results


def abci_query_call(
    path: str, params: dict[str, Any], height: int = 0
) -> tuple[str, dict[str, Any]]:
    """A CometBFT `abci_query` call for a finchain query path (data = JSON params, hex)."""
    data = json.dumps(params).encode().hex()
    return "abci_query", {"path": path, "data": data, "height": str(height), "prove": False}


def decode_abci_value(result: dict[str, Any]) -> Any:
    response = result["response"]
    if int(response.get("code", 0)) != 0:
        raise AssertionError(f"query failed: {response}")
    return json.loads(base64.b64decode(response["value"]))


def get_height(node: NodeLayout, timeout_s: float = 5.0) -> int:
    """The node's latest block height (CometBFT's block store; answers even if the app hangs)."""
    status = testnet.rpc_call(node.rpc_url, "status", timeout_s=timeout_s)
    return int(status["sync_info"]["latest_block_height"])


def wait_for_height(nodes: Sequence[NodeLayout], height: int, timeout_s: float) -> None:
    """Wait until every node in `nodes` has a block at `height` (unreachable nodes count as 0)."""
    deadline = time.monotonic() + timeout_s
    while True:
        behind = [node.name for node in nodes if _height_or_zero(node) < height]
        if not behind:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no block {height} within {timeout_s:.0f}s on {behind}")
        time.sleep(0.1)


def wait_for_app_height(nodes: Sequence[NodeLayout], height: int, timeout_s: float = 30.0) -> None:
    """Wait until every node's application has committed `height` (its REST status). CometBFT's
    block store can be ahead of the app: it stores a block before executing it, and block sync
    stores several ahead."""
    deadline = time.monotonic() + timeout_s
    for node in nodes:
        while True:
            try:
                committed = int(
                    httpx.get(f"{node.api_url}/v1/status", timeout=2.0).json()["height"]
                )
            except (httpx.HTTPError, KeyError, ValueError):
                committed = 0
            if committed >= height:
                break
            assert time.monotonic() < deadline, f"{node.name}'s app at {committed}, not {height}"
            time.sleep(0.1)


def fetch_block_records(
    client: httpx.Client, node: NodeLayout, heights: range
) -> list[dict[str, Any]]:
    """The node application's own records of blocks (`block` ABCI query): app hash, block hash,
    tx hashes, one per height in `heights`."""
    calls = [abci_query_call("block", {"height": h}) for h in heights]
    return [decode_abci_value(result) for result in rpc_batch(client, node.rpc_url, calls)]


def assert_same_app_hashes(
    client: httpx.Client, nodes: Sequence[NodeLayout], heights: range
) -> None:
    """Every node's application has committed `heights` with the same app hash at each."""
    wait_for_app_height(nodes, heights[-1] if heights else 0)
    hashes = [[r["app_hash"] for r in fetch_block_records(client, node, heights)] for node in nodes]
    for h, per_node in zip(heights, zip(*hashes, strict=True), strict=True):
        assert len(set(per_node)) == 1, f"app hashes differ at height {h}: {per_node}"


def consensus_key(node: NodeLayout) -> bytes:
    """The node's Ed25519 consensus public key (priv_validator_key.json `pub_key`), raw."""
    return base64.b64decode(_priv_validator_key(node)["pub_key"]["value"])


def validator_address(node: NodeLayout) -> str:
    """The node's validator address as CometBFT's RPC spells it (upper-case hex)."""
    return str(_priv_validator_key(node)["address"])


def comet_validators(node: NodeLayout, height: int) -> dict[str, int]:
    """CometBFT's own validator set at `height`: address -> voting power."""
    result = testnet.rpc_call(node.rpc_url, "validators", {"height": str(height)})
    return {v["address"]: int(v["voting_power"]) for v in result["validators"]}


def _priv_validator_key(node: NodeLayout) -> dict[str, Any]:
    key_file = Path(node.cometbft_home) / "config" / "priv_validator_key.json"
    return dict(json.loads(key_file.read_text()))


def _height_or_zero(node: NodeLayout) -> int:
    try:
        return get_height(node, timeout_s=2.0)
    except (httpx.HTTPError, testnet.TestnetError, KeyError, ValueError):
        return 0
