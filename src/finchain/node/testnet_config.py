"""`finchain testnet` configuration: the files of a local N-validator CometBFT network.

`generate` runs `cometbft init` once per node, then writes one CometBFT genesis.json for all of
them (every validator, the shared chain id and time, the finchain genesis as `app_state`) and
edits each config.toml: distinct ports on 127.0.0.1, persistent peers, fast blocks
(`timeout_commit`), empty blocks on, a large mempool. Account keys go to DIR/keys as plaintext
key files marked unsafe (this network is for tests and demos only). Each node's app home gets a
node.json (engine "cometbft"), so `finchain node start --home DIR/node<i>/app` runs that node
alone, with its CometBFT as a child, as a member would on its own host.

Ports for node i: p2p = base + 10*i, rpc = +1, abci (proxy_app) = +2, REST API = +3.

Must never: start processes (see `testnet`); write outside the given directory.
Concurrency: plain synchronous functions.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import finchain
from finchain.app import ChainParams
from finchain.crypto import PrivateKey, format_address, get_suite
from finchain.errors import FinchainError
from finchain.keys import load_key_file, save_key_file
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis

COMETBFT_VERSION = "0.38.26"
LAYOUT_FILE = "testnet.json"
KEYS_DIR = "keys"
DEFAULT_BASE_PORT = 26600
DEFAULT_CHAIN_ID = "finchain-testnet"
DEFAULT_USERS = 8
USER_BALANCE = 1_000_000_00  # 1,000,000.00 CNY each
VALIDATOR_POWER = 10
PORTS_PER_NODE = 10


class TestnetError(FinchainError):
    """The testnet cannot be created, started or stopped; the message says what to fix."""

    __test__ = False  # not a pytest test class, despite the name


@dataclass(frozen=True, slots=True)
class NodeLayout:
    name: str
    p2p_port: int
    rpc_port: int
    abci_port: int
    api_port: int
    cometbft_home: str
    app_home: str
    node_id: str

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def abci_address(self) -> str:
        return f"tcp://127.0.0.1:{self.abci_port}"


@dataclass(frozen=True, slots=True)
class TestnetLayout:
    __test__ = False  # not a pytest test class, despite the name
    directory: str
    chain_id: str
    crypto_suite: str
    nodes: tuple[NodeLayout, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "crypto_suite": self.crypto_suite,
            "nodes": [asdict(n) for n in self.nodes],
        }

    @staticmethod
    def load(directory: Path) -> TestnetLayout:
        path = directory / LAYOUT_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TestnetError(f"{path}: not a testnet directory ({exc})") from None
        nodes = tuple(NodeLayout(**n) for n in raw["nodes"])
        return TestnetLayout(str(directory), raw["chain_id"], raw["crypto_suite"], nodes)


def generate(
    directory: Path,
    validators: int,
    *,
    base_port: int = DEFAULT_BASE_PORT,
    chain_id: str = DEFAULT_CHAIN_ID,
    crypto_suite: str = "intl",
    users: int = DEFAULT_USERS,
    timeout_commit: str = "200ms",
    empty_blocks_interval: str = "0s",
    params: ChainParams | None = None,
) -> TestnetLayout:
    """Write every config file of an N-validator network into `directory` (must be empty)."""
    if validators < 1:
        raise TestnetError("a testnet needs at least one validator")
    if directory.exists() and any(directory.iterdir()):
        raise TestnetError(f"{directory} is not empty")
    cometbft = find_cometbft()
    directory.mkdir(parents=True, exist_ok=True)
    genesis_time = datetime.now(UTC).replace(microsecond=0)
    app_state = _write_keys_and_app_state(
        directory / KEYS_DIR, chain_id, crypto_suite, users, genesis_time, params
    )
    nodes: list[NodeLayout] = []
    for index in range(validators):
        name = f"node{index}"
        home = directory / name / "cometbft"
        _run([cometbft, "init", "--home", str(home)])
        node_id = _run([cometbft, "show-node-id", "--home", str(home)]).strip()
        port = base_port + 10 * index
        nodes.append(
            NodeLayout(
                name=name,
                p2p_port=port,
                rpc_port=port + 1,
                abci_port=port + 2,
                api_port=port + 3,
                cometbft_home=str(home),
                app_home=str(directory / name / "app"),
                node_id=node_id,
            )
        )
    genesis = _cometbft_genesis(nodes, chain_id, genesis_time, app_state)
    for node in nodes:
        home = Path(node.cometbft_home)
        (home / "config" / "genesis.json").write_text(json.dumps(genesis, indent=2) + "\n")
        peers = ",".join(
            f"{peer.node_id}@127.0.0.1:{peer.p2p_port}" for peer in nodes if peer is not node
        )
        update_toml(
            home / "config" / "config.toml",
            {
                ("", "moniker"): _q(node.name),
                ("", "proxy_app"): _q(node.abci_address),
                ("", "log_level"): _q("*:error,state:info,consensus:error"),
                ("rpc", "laddr"): _q(f"tcp://127.0.0.1:{node.rpc_port}"),
                ("rpc", "max_body_bytes"): str(16 * 1024 * 1024),
                ("rpc", "max_request_batch_size"): "1000",
                ("p2p", "laddr"): _q(f"tcp://127.0.0.1:{node.p2p_port}"),
                ("p2p", "persistent_peers"): _q(peers),
                ("p2p", "addr_book_strict"): "false",
                ("p2p", "allow_duplicate_ip"): "true",
                ("p2p", "pex"): "false",
                ("mempool", "size"): "100000",
                ("mempool", "cache_size"): "200000",
                ("consensus", "timeout_commit"): _q(timeout_commit),
                # A crashed validator's turn to propose stalls a round for timeout_propose
                # (default 3s); CometBFT adds timeout_propose_delta per round if 1s is too short.
                ("consensus", "timeout_propose"): _q("1s"),
                ("consensus", "create_empty_blocks"): "true",
                ("consensus", "create_empty_blocks_interval"): _q(empty_blocks_interval),
            },
        )
    for node in nodes:
        save_member_node_config(node)
    layout = TestnetLayout(str(directory), chain_id, crypto_suite, tuple(nodes))
    (directory / LAYOUT_FILE).write_text(json.dumps(layout.to_json(), indent=2) + "\n")
    return layout


def save_member_node_config(node: NodeLayout) -> None:
    """APP_HOME/node.json for `finchain node start --home APP_HOME`: this node's application with
    its CometBFT home (`../cometbft`) as a child process, the production way to run one node."""
    config = NodeConfig(
        api_port=node.api_port,
        engine="cometbft",
        abci_address=node.abci_address,
        cometbft_rpc_url=node.rpc_url,
        cometbft_home=os.path.relpath(node.cometbft_home, node.app_home),
    )
    save_node_config(Path(node.app_home), config)


LOWEST_BASE_PORT = 10_000


def find_free_base_port(nodes: int) -> int:
    """A base port such that every port of `nodes` testnet nodes (10 each) is free right now,
    below the kernel's ephemeral range: an outgoing connection (CometBFT nodes dial each other
    while they start) can otherwise take a port before its listener binds it."""
    top = ephemeral_port_start() - PORTS_PER_NODE * nodes
    for _ in range(200):
        base = random.randrange(LOWEST_BASE_PORT, top, PORTS_PER_NODE)
        if all(_is_port_free(base + offset) for offset in range(PORTS_PER_NODE * nodes)):
            return base
    raise TestnetError("no free range of 127.0.0.1 ports found")


def ephemeral_port_start(default: int = 32_768) -> int:
    """The first port the kernel hands out to outgoing connections (Linux), else `default`."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text(encoding="ascii")
        return max(LOWEST_BASE_PORT + 1_000, int(text.split()[0]))
    except (OSError, ValueError, IndexError):
        return default


def _is_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_cometbft() -> str:
    """$FINCHAIN_COMETBFT, else the project's bin/cometbft, else `cometbft` on PATH."""
    candidates = [
        os.environ.get("FINCHAIN_COMETBFT", ""),
        str(project_root() / "bin" / "cometbft"),
        shutil.which("cometbft") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise TestnetError("cometbft not found: run `bash scripts/install_cometbft.sh` (needs Go)")


def project_root() -> Path:
    """The source checkout this finchain runs from (editable install): src/finchain/../.."""
    return Path(finchain.__file__).resolve().parents[2]


def load_test_keys(directory: Path) -> dict[str, PrivateKey]:
    """The testnet's account keys by name (plaintext test keys written by `generate`)."""
    keys = {}
    for path in sorted((directory / KEYS_DIR).glob("*.json")):
        _, key = load_key_file(path, None)
        keys[path.stem] = key
    return keys


def _write_keys_and_app_state(
    keys_dir: Path,
    chain_id: str,
    crypto_suite: str,
    users: int,
    genesis_time: datetime,
    params: ChainParams | None,
) -> dict[str, Any]:
    suite = get_suite(crypto_suite)
    keys: dict[str, PrivateKey] = {org: suite.generate_private_key() for org, _, _ in DEV_ORGS}
    for index in range(users):
        keys[f"user{index}"] = suite.generate_private_key()
    keys_dir.mkdir(parents=True, exist_ok=True)
    for name, key in keys.items():
        save_key_file(keys_dir / f"{name}.json", key, suite, None, name=name, unsafe_plaintext=True)
    org_accounts = {org: suite.address(keys[org].public_key) for org, _, _ in DEV_ORGS}
    extra: dict[bytes, int] = {
        suite.address(keys[f"user{i}"].public_key): USER_BALANCE for i in range(users)
    }
    genesis = make_dev_genesis(
        chain_id,
        crypto_suite,
        org_accounts,
        extra,
        genesis_time_ms=int(genesis_time.timestamp() * 1000),
        params=params,
    )
    (keys_dir / "README.txt").write_text(
        "UNSAFE: plaintext keys of a local test network. Never use them for anything else.\n"
        + "".join(f"{n}: {format_address(suite.address(k.public_key))}\n" for n, k in keys.items())
    )
    return genesis.to_json()


def _cometbft_genesis(
    nodes: list[NodeLayout], chain_id: str, genesis_time: datetime, app_state: dict[str, Any]
) -> dict[str, Any]:
    template = json.loads((Path(nodes[0].cometbft_home) / "config" / "genesis.json").read_text())
    validators = []
    for node in nodes:
        key = json.loads(
            (Path(node.cometbft_home) / "config" / "priv_validator_key.json").read_text()
        )
        validators.append(
            {
                "address": key["address"],
                "pub_key": key["pub_key"],
                "power": str(VALIDATOR_POWER),
                "name": node.name,
            }
        )
    template.update(
        {
            "genesis_time": genesis_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "chain_id": chain_id,
            "initial_height": "1",
            "validators": validators,
            "app_hash": "",
            "app_state": app_state,
        }
    )
    return dict(template)


def update_toml(path: Path, values: Mapping[tuple[str, str], str]) -> None:
    """Replace `key = value` lines of CometBFT's config.toml by (section, key); all must exist."""
    section = ""
    remaining = dict(values)
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        header = re.match(r"^\[([\w.]+)\]\s*$", line)
        if header:
            section = header.group(1)
            continue
        match = re.match(r"^([\w-]+)\s*=", line)
        if match and (section, match.group(1)) in remaining:
            lines[index] = f"{match.group(1)} = {remaining.pop((section, match.group(1)))}"
    if remaining:
        raise TestnetError(f"{path}: keys not found: {sorted(remaining)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _q(text: str) -> str:
    return json.dumps(text)


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TestnetError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return done.stdout
