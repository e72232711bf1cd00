"""Every node.json key takes effect on a solo node and on a one-validator CometBFT node.

One node.json, with every key set away from its default where the difference is observable, is
written into two homes (only `engine` differs) and each home runs as `finchain node start`, a
real process on loopback: the solo home initialises its chain from genesis.json, the CometBFT
home gets the same chain document through CometBFT's genesis and runs its CometBFT as a child.
Then each key's effect is checked through the API, the home's files and the processes, in the
order of docs/node-config.md. The two nodes run one after the other on the same API port; each
is stopped with SIGTERM and must exit cleanly.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from finchain.api.audit import verify_audit_log
from finchain.crypto import PrivateKey, format_address, get_suite
from finchain.node import testnet
from finchain.node.config import NodeConfig, audit_log_path, data_dir, load_node_config
from finchain.node.node import build_application
from finchain.node.testnet_config import NodeLayout, find_free_base_port
from finchain.sdk import Client, Wallet
from finchain.store import Database
from tests.e2e.cometbft.support import sign_transfer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

SUITE = get_suite("intl")
MAX_BLOCK_TXS = 2
BLOCK_INTERVAL_S = 1.0
EMPTY_BLOCK_INTERVAL_S = 1.5
MAX_BODY_BYTES = 4_096
MAX_BATCH_BODY_BYTES = 16_384
COMMIT_TIMEOUT_S = 0.3
DATA_DIR = "chain-db"
ANCHOR_KEY = "regulator"
ANCHOR_LOG_ID = "node-config-test"
LEGAL_BASIS = "Banking Supervision Law art. 24"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


def _loopback_alias() -> str:
    """127.0.0.2 (still loopback; shows `api_host` is used) where the system allows binding it."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.2", 0))
        except OSError:
            return "127.0.0.1"
    return "127.0.0.2"


API_HOST = _loopback_alias()


@dataclass
class Chain:
    directory: Path
    layout: NodeLayout
    keys: dict[str, PrivateKey]
    chain_id: str

    def address(self, name: str) -> bytes:
        return SUITE.address(self.keys[name].public_key)


@dataclass
class RunningNode:
    engine: str
    home: Path
    url: str
    process: subprocess.Popen[bytes]
    output: Path

    def get(self, path: str, **params: Any) -> Any:
        reply = httpx.get(f"{self.url}{path}", params=params, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def height(self) -> int:
        return int(self.get("/v1/status")["height"])


def shared_node_json(chain: Chain, engine: str) -> dict[str, Any]:
    """The one node.json of this test: every key of NodeConfig, `engine` as asked."""
    node = chain.layout
    settings = {
        "api_host": API_HOST,
        "api_port": node.api_port,
        "engine": engine,
        "solo_max_block_txs": MAX_BLOCK_TXS,
        "solo_block_interval_s": BLOCK_INTERVAL_S,
        "solo_empty_block_interval_s": EMPTY_BLOCK_INTERVAL_S,
        "max_body_bytes": MAX_BODY_BYTES,
        "max_batch_body_bytes": MAX_BATCH_BODY_BYTES,
        "commit_timeout_s": COMMIT_TIMEOUT_S,
        "log_level": "debug",
        "data_dir": DATA_DIR,
        "abci_address": node.abci_address,
        "cometbft_rpc_url": node.rpc_url,
        "cometbft_home": node.cometbft_home,
        "audit_anchor_key": ANCHOR_KEY,
        "audit_anchor_log_id": ANCHOR_LOG_ID,
    }
    defaults = NodeConfig().to_json()
    assert sorted(settings) == sorted(defaults), "a node.json key is not tested"
    same = {"engine"} | ({"api_host"} if defaults["api_host"] == API_HOST else set())
    assert all(settings[k] != v for k, v in defaults.items() if k not in same)
    return settings


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, cometbft_bin: str) -> Chain:
    """A one-validator network's files (no process runs): the CometBFT home and the keys."""
    directory = tmp_path_factory.mktemp("node-config") / "net"
    layout = testnet.generate(directory, 1, base_port=find_free_base_port(1), users=8)
    return Chain(directory, layout.nodes[0], testnet.load_test_keys(directory), layout.chain_id)


def make_home(chain: Chain, engine: str) -> Path:
    """A home with the shared node.json and the anchoring key; genesis.json for solo (the same
    chain document CometBFT's genesis carries as app_state)."""
    if engine == "cometbft":
        home = Path(chain.layout.app_home)
    else:
        home = chain.directory.parent / "solo-home"
        cometbft_genesis = Path(chain.layout.cometbft_home) / "config" / "genesis.json"
        app_state = json.loads(cometbft_genesis.read_text())["app_state"]
        home.mkdir()
        (home / "genesis.json").write_text(json.dumps(app_state))
    (home / "keys").mkdir(parents=True, exist_ok=True)
    shutil.copy(chain.directory / "keys" / f"{ANCHOR_KEY}.json", home / "keys")
    (home / "node.json").write_text(json.dumps(shared_node_json(chain, engine), indent=2))
    assert load_node_config(home).engine == engine
    return home


@pytest.fixture
def solo_node(chain: Chain) -> Iterator[RunningNode]:
    yield from run_node(make_home(chain, "solo"), "solo", chain)


@pytest.fixture
def cometbft_node(chain: Chain) -> Iterator[RunningNode]:
    yield from run_node(make_home(chain, "cometbft"), "cometbft", chain)


def run_node(home: Path, engine: str, chain: Chain) -> Iterator[RunningNode]:
    output = home / "node-output.log"
    env = {k: v for k, v in os.environ.items() if k != "FINCHAIN_PASSWORD"}  # plaintext key
    command = [sys.executable, "-m", "finchain.cli.main", "node", "start", "--home", str(home)]
    with output.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    node = RunningNode(engine, home, f"http://{API_HOST}:{chain.layout.api_port}", process, output)
    try:
        wait_until_serving(node)
        yield node
    finally:
        stop_node(node)


def wait_until_serving(node: RunningNode) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert node.process.poll() is None, node.output.read_text()[-3000:]
        try:
            if node.height() >= 1:
                return
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        assert time.monotonic() < deadline, "the node did not serve blocks in time"
        time.sleep(0.1)


def stop_node(node: RunningNode) -> None:
    process = node.process
    children = (
        psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
    )
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for child in children:
                child.kill()
            process.kill()
            process.wait()
    for child in children:  # a CometBFT child lives in its own session: never leave it behind
        if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
            child.kill()


# ---- the tests ------------------------------------------------------------------------------


def test_solo_node_applies_every_key(solo_node: RunningNode, chain: Chain) -> None:
    check_api_host_port_and_engine(solo_node)
    check_data_dir(solo_node)
    check_body_limits(solo_node)
    check_block_size_and_interval(solo_node, chain, senders=range(0, 5))
    check_empty_blocks(solo_node)
    check_commit_timeout(solo_node, chain, sender=5)
    check_anchor_submitted(solo_node, chain)
    # The CometBFT keys are not used by a solo node: nothing listens for CometBFT, no child.
    assert not _is_listening(chain.layout.abci_port)
    assert psutil.Process(solo_node.process.pid).children(recursive=True) == []
    stop_node(solo_node)
    check_clean_exit_and_log_level(solo_node)
    check_audit_log_anchored(solo_node)


def test_cometbft_node_applies_every_key(cometbft_node: RunningNode, chain: Chain) -> None:
    check_api_host_port_and_engine(cometbft_node)
    check_data_dir(cometbft_node)
    check_body_limits(cometbft_node)
    hashes = check_block_size_and_interval(cometbft_node, chain, senders=range(0, 5))
    check_empty_blocks(cometbft_node)
    check_commit_timeout(cometbft_node, chain, sender=5)
    check_anchor_submitted(cometbft_node, chain)
    check_cometbft_keys(cometbft_node, chain, hashes)
    children = psutil.Process(cometbft_node.process.pid).children()
    stop_node(cometbft_node)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    check_clean_exit_and_log_level(cometbft_node)
    check_audit_log_anchored(cometbft_node)


# ---- one check per key ----------------------------------------------------------------------


def check_api_host_port_and_engine(node: RunningNode) -> None:
    """`api_host`, `api_port`: the API answers there (and only there); `engine`: the status."""
    status = node.get("/v1/status")
    assert status["engine"] == node.engine
    if API_HOST != "127.0.0.1":
        port = int(node.url.rsplit(":", 1)[1])
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=2)


def check_data_dir(node: RunningNode) -> None:
    """`data_dir`: the database lives in HOME/<data_dir>, and nothing in the default HOME/data."""
    assert data_dir(node.home, load_node_config(node.home)) == node.home / DATA_DIR
    assert any((node.home / DATA_DIR).iterdir())
    assert not (node.home / "data").exists()


def check_body_limits(node: RunningNode) -> None:
    """`max_body_bytes` on every route but the batch route, `max_batch_body_bytes` there:
    413 `api/body_too_large` with the limit in the details."""
    over_single = b'{"tx": "' + b"00" * MAX_BODY_BYTES + b'"}'
    reply = httpx.post(f"{node.url}/v1/txs", content=over_single, timeout=10)
    assert reply.status_code == 413, reply.text
    assert reply.json()["code"] == "api/body_too_large"
    assert reply.json()["details"]["limit"] == MAX_BODY_BYTES

    within_batch = json.dumps({"txs": ["00"] * 1_000, "mode": "async"}).encode()
    assert MAX_BODY_BYTES < len(within_batch) < MAX_BATCH_BODY_BYTES
    reply = httpx.post(f"{node.url}/v1/txs/batch", content=within_batch, timeout=10)
    assert reply.status_code != 413, reply.text

    over_batch = json.dumps({"txs": ["00"] * 4_000, "mode": "async"}).encode()
    assert len(over_batch) > MAX_BATCH_BODY_BYTES
    reply = httpx.post(f"{node.url}/v1/txs/batch", content=over_batch, timeout=10)
    assert reply.status_code == 413
    assert reply.json()["details"]["limit"] == MAX_BATCH_BODY_BYTES


def check_block_size_and_interval(node: RunningNode, chain: Chain, senders: range) -> list[str]:
    """`solo_max_block_txs`: five transfers admitted at once take three blocks of at most two;
    `solo_block_interval_s`: blocks are at least that far apart (block header times)."""
    recipient = chain.address("user7")
    raws = [
        sign_transfer(chain.chain_id, chain.keys[f"user{i}"], recipient, 100, nonce=0)
        for i in senders
    ]
    reply = httpx.post(
        f"{node.url}/v1/txs/batch",
        json={"txs": [raw.hex() for raw in raws], "mode": "async"},
        timeout=10,
    )
    results = reply.json()["results"]
    assert all(r.get("status") == "pending" for r in results), results
    hashes = [r["hash"] for r in results]
    heights = [wait_for_tx(node, tx_hash)["height"] for tx_hash in hashes]
    assert max(Counter(heights).values()) <= MAX_BLOCK_TXS
    assert len(set(heights)) >= -(-len(raws) // MAX_BLOCK_TXS)
    blocks = [node.get(f"/v1/blocks/{h}") for h in range(min(heights) - 1, max(heights) + 1)]
    assert all(b["num_txs"] <= MAX_BLOCK_TXS for b in blocks)
    assert_blocks_apart(blocks, BLOCK_INTERVAL_S)
    return hashes


def check_empty_blocks(node: RunningNode) -> None:
    """`solo_empty_block_interval_s`: an idle chain still makes a block at least that often
    (CometBFT makes one every timeout_commit anyway), and never faster than the interval."""
    start = node.height()
    deadline = time.monotonic() + 4 * EMPTY_BLOCK_INTERVAL_S
    while node.height() < start + 2:
        assert time.monotonic() < deadline, "no empty blocks on an idle chain"
        time.sleep(0.1)
    blocks = [node.get(f"/v1/blocks/{h}") for h in (start, start + 1, start + 2)]
    assert_blocks_apart(blocks, BLOCK_INTERVAL_S)
    gaps = block_gaps_ms(blocks)
    assert max(gaps) <= (EMPTY_BLOCK_INTERVAL_S + 0.75) * 1000, gaps


def check_commit_timeout(node: RunningNode, chain: Chain, sender: int) -> None:
    """`commit_timeout_s`: a `commit`-mode submission right after a block (the next one is
    `solo_block_interval_s` away) answers 504 `api/timeout`; the transaction still commits."""
    recipient = chain.address("user7")
    raw = sign_transfer(chain.chain_id, chain.keys[f"user{sender}"], recipient, 1, nonce=0)
    height = node.height()
    while node.height() == height:  # submit just after a commit
        time.sleep(0.01)
    started = time.monotonic()
    reply = httpx.post(f"{node.url}/v1/txs", json={"tx": raw.hex(), "mode": "commit"}, timeout=10)
    elapsed = time.monotonic() - started
    assert reply.status_code == 504, reply.text
    assert reply.json()["code"] == "api/timeout"
    assert COMMIT_TIMEOUT_S <= elapsed < BLOCK_INTERVAL_S
    wait_for_tx(node, reply.json()["details"]["hash"])


def check_anchor_submitted(node: RunningNode, chain: Chain) -> None:
    """`audit_anchor_key`: the regulator's reads are logged, and the node anchors the log with
    that key's account: its nonce moves although the test never sends from it."""
    regulator = Wallet(SUITE, chain.keys[ANCHOR_KEY], ANCHOR_KEY)
    with Client(node.url, reader=regulator, legal_basis=LEGAL_BASIS) as client:
        client.clearing.accounts("CNY")
        client.clearing.accounts("CNY")
    address = format_address(chain.address(ANCHOR_KEY))
    deadline = time.monotonic() + 20
    while node.get(f"/v1/accounts/{address}")["nonce"] < 1:
        assert time.monotonic() < deadline, "the node did not anchor its audit log"
        time.sleep(0.2)


def check_cometbft_keys(node: RunningNode, chain: Chain, hashes: list[str]) -> None:
    """`abci_address`: CometBFT drives the app there; `cometbft_rpc_url`: the API broadcast the
    transfers through that node (its RPC finds them); `cometbft_home`: the node runs
    `cometbft start --home <it>` as its child, with `solo_block_interval_s` as timeout_commit."""
    layout = chain.layout
    assert _is_listening(layout.abci_port)
    for tx_hash in hashes:
        encoded = base64.b64encode(bytes.fromhex(tx_hash)).decode()
        found = testnet.rpc_call(layout.rpc_url, "tx", {"hash": encoded})
        assert int(found["height"]) == node.get(f"/v1/txs/{tx_hash}")["height"]
    [child] = psutil.Process(node.process.pid).children()
    assert child.cmdline()[-3:] == ["start", "--home", str(Path(layout.cometbft_home).resolve())]
    assert (node.home / "cometbft.log").is_file()
    config_toml = (Path(layout.cometbft_home) / "config" / "config.toml").read_text()
    assert f'timeout_commit = "{round(BLOCK_INTERVAL_S * 1000)}ms"' in config_toml


def check_clean_exit_and_log_level(node: RunningNode) -> None:
    """SIGTERM stops the node cleanly; `log_level` "debug": its output has DEBUG lines."""
    assert node.process.returncode == 0, node.output.read_text()[-3000:]
    output = node.output.read_text()
    assert "level=DEBUG" in output and "level=INFO" in output


def check_audit_log_anchored(node: RunningNode) -> None:
    """`audit_anchor_key` / `audit_anchor_log_id`: the chain holds an anchor of the log under
    that id, by the key's organisation, and the log file matches it (read after the stop)."""
    config = load_node_config(node.home)
    db = Database(data_dir(node.home, config))
    try:
        anchors = build_application(db).query("supervision/anchors", {}).value
    finally:
        db.close()
    [anchor] = [a for a in anchors if a["log_id"] == ANCHOR_LOG_ID]
    assert anchor["org"] == ANCHOR_KEY and anchor["entries"] >= 2
    path = audit_log_path(node.home)
    assert verify_audit_log(path, (anchor["entries"], anchor["head"])) >= anchor["entries"]


# ---- helpers --------------------------------------------------------------------------------


def wait_for_tx(node: RunningNode, tx_hash: str, timeout_s: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        reply = httpx.get(f"{node.url}/v1/txs/{tx_hash}", timeout=10)
        if reply.status_code == 200:
            return dict(reply.json())
        assert time.monotonic() < deadline, f"{tx_hash} did not commit"
        time.sleep(0.1)


def assert_blocks_apart(blocks: list[dict[str, Any]], interval_s: float) -> None:
    """Consecutive block times at least `interval_s` apart (10% slack for clock and BFT time)."""
    gaps = block_gaps_ms(blocks)
    assert min(gaps) >= interval_s * 900, gaps


def block_gaps_ms(blocks: list[dict[str, Any]]) -> list[int]:
    return [int(b["time_ms"] - a["time_ms"]) for a, b in itertools.pairwise(blocks)]


def _is_listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
