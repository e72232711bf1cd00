"""The node runner: config files, opening a home (init_chain once), serving on a real socket,
WebSocket over the network, restart keeps the chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from finchain.crypto import PrivateKey, get_suite
from finchain.engine.cometbft import CometEngine
from finchain.engine.solo import SoloEngine
from finchain.model import Transaction, sign_transaction
from finchain.modules.bank import Transfer
from finchain.node.config import (
    NodeConfig,
    NodeConfigError,
    load_node_config,
    save_node_config,
)
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.node import Node

CHAIN_ID = "finchain-node-test"


@dataclass
class Home:
    path: Path
    keys: dict[str, PrivateKey]
    suite_name: str


@pytest.fixture
def home(tmp_path: Path, suite_name: str) -> Home:
    suite = get_suite(suite_name)
    keys = {org: suite.generate_private_key() for org, _, _ in DEV_ORGS}
    keys["alice"] = suite.generate_private_key()
    alice = suite.address(keys["alice"].public_key)
    orgs = {org: suite.address(keys[org].public_key) for org, _, _ in DEV_ORGS}
    genesis = make_dev_genesis(CHAIN_ID, suite_name, orgs, {alice: 5_000}, 1_700_000_000_000)
    path = tmp_path / "home"
    path.mkdir()
    (path / "genesis.json").write_text(json.dumps(genesis.to_json()), encoding="utf-8")
    save_node_config(path, NodeConfig(api_port=0))
    return Home(path, keys, suite_name)


@pytest.fixture
def node(home: Home) -> Iterator[Node]:
    running = Node.open(home.path)
    running.start_background()
    yield running
    running.stop()


def _transfer(home: Home, nonce: int, amount: int) -> bytes:
    suite = get_suite(home.suite_name)
    alice = suite.address(home.keys["alice"].public_key)
    bank_b = suite.address(home.keys["bank-b"].public_key)
    tx = Transaction(CHAIN_ID, alice, nonce, 0, (Transfer(bank_b, "CNY", amount),))
    return sign_transaction(tx, home.keys["alice"], suite).raw


def test_node_serves_the_api_on_loopback(node: Node, home: Home) -> None:
    assert node.url.startswith("http://127.0.0.1:") and not node.url.endswith(":0")
    with httpx.Client(base_url=node.url, timeout=10) as http:
        status = http.get("/v1/status").json()
        committed = http.post("/v1/txs", json={"tx": _transfer(home, 0, 70).hex()}).json()
        rejected = http.post("/v1/txs", json={"tx": _transfer(home, 1, 10**6).hex()})

    assert status["chain_id"] == CHAIN_ID and status["engine"] == "solo"
    assert status["crypto_suite"] == home.suite_name and status["height"] == 0
    assert committed["status"] == "committed" and committed["receipt"]["code"] == "ok"
    assert rejected.status_code == 400 and rejected.json()["code"] == "bank/insufficient_funds"


def test_node_websocket_over_the_network(node: Node, home: Home) -> None:
    ws_url = node.url.replace("http://", "ws://") + "/v1/ws?topics=blocks,events"
    with connect(ws_url, open_timeout=10) as ws, httpx.Client(base_url=node.url) as http:
        http.post("/v1/txs", json={"tx": _transfer(home, 0, 5).hex()})
        block = json.loads(ws.recv(timeout=10))
        event = json.loads(ws.recv(timeout=10))

    assert block["type"] == "block" and block["block"]["num_txs"] == 1
    assert event["type"] == "event" and event["event"]["type"] == "bank.transfer"


def test_node_restart_keeps_the_chain(home: Home) -> None:
    first = Node.open(home.path)
    first.start_background()
    with httpx.Client(base_url=first.url, timeout=10) as http:
        http.post("/v1/txs", json={"tx": _transfer(home, 0, 1).hex()})
        app_hash = http.get("/v1/status").json()["app_hash"]
    first.stop()
    first.stop()  # idempotent

    with Node.open(home.path) as second:
        second.start_background()
        with httpx.Client(base_url=second.url, timeout=10) as http:
            status = http.get("/v1/status").json()

    assert status["height"] == 1 and status["app_hash"] == app_hash


def test_node_refuses_a_different_genesis(home: Home) -> None:
    Node.open(home.path).stop()  # initialises data/
    genesis_file = home.path / "genesis.json"
    doc = json.loads(genesis_file.read_text(encoding="utf-8"))
    doc["chain_id"] = "another-chain"
    genesis_file.write_text(json.dumps(doc), encoding="utf-8")

    with pytest.raises(NodeConfigError, match="does not match"):
        Node.open(home.path)


def test_node_needs_a_genesis(tmp_path: Path) -> None:
    with pytest.raises(NodeConfigError, match="no genesis"):
        Node.open(tmp_path / "empty")


def test_one_root_builds_either_engine_from_node_json(home: Home) -> None:
    save_node_config(home.path, NodeConfig(api_port=0, solo_max_block_txs=7, data_dir="db"))
    with Node.open(home.path) as solo:
        assert isinstance(solo.engine, SoloEngine) and solo.engine.config.max_block_txs == 7
        assert solo.app.is_initialised and (home.path / "db").is_dir()

    comet_home = home.path.parent / "member"
    comet_home.mkdir()
    config = NodeConfig(engine="cometbft", api_port=0, solo_max_block_txs=7, max_body_bytes=99)
    with Node.open(comet_home, config) as member:
        assert isinstance(member.engine, CometEngine)
        assert member.engine.handlers.max_block_txs == 7
        assert not member.app.is_initialised  # CometBFT's InitChain does it, not the node
        assert member.cometbft is None and member.anchorer is None


def test_invalid_block_interval_on_cometbft_without_its_process(tmp_path: Path) -> None:
    config = NodeConfig(engine="cometbft", solo_block_interval_s=0.5, cometbft_home="")
    with pytest.raises(NodeConfigError, match="timeout_commit"):
        Node.open(tmp_path, config)


def test_invalid_audit_anchor_key_fails_the_start(home: Home) -> None:
    save_node_config(home.path, NodeConfig(api_port=0, audit_anchor_key="nobody"))
    with pytest.raises(NodeConfigError, match="audit_anchor_key 'nobody'"):
        Node.open(home.path)
    assert not (home.path / "data").exists()  # refused before the database was opened


# ---- config ------------------------------------------------------------------------------------


def test_config_defaults_when_absent(tmp_path: Path) -> None:
    config = load_node_config(tmp_path)

    assert config == NodeConfig()
    assert (config.api_host, config.api_port, config.engine) == ("127.0.0.1", 8600, "solo")
    assert config.solo_max_block_txs == 10_000 and config.solo_block_interval_s == 0.0
    assert config.max_body_bytes == 1024 * 1024 and config.commit_timeout_s == 30.0


def test_config_round_trips_and_fills_defaults(tmp_path: Path) -> None:
    custom = NodeConfig(api_port=9000, solo_block_interval_s=0.5, commit_timeout_s=5)
    save_node_config(tmp_path, custom)
    assert load_node_config(tmp_path) == custom

    (tmp_path / "node.json").write_text('{"api_port": 9100, "commit_timeout_s": 2}')
    assert load_node_config(tmp_path) == NodeConfig(api_port=9100, commit_timeout_s=2.0)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"api_prot": 1}',
        '{"api_port": "8600"}',
        '{"api_port": 70000}',
        '{"engine": "raft"}',
        '{"max_body_bytes": 0}',
        '{"log_level": "loud"}',
        '{"data_dir": ""}',
    ],
)
def test_invalid_config_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "node.json").write_text(text)
    with pytest.raises(NodeConfigError):
        load_node_config(tmp_path)
