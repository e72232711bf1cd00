"""Node configuration (`HOME/node.json`) and the layout of a node home.

Home layout:
    HOME/genesis.json   the chain's genesis document (read once, when the database is empty;
                        engine "cometbft" takes it from CometBFT's genesis `app_state` instead)
    HOME/node.json      this file's `NodeConfig`, flat JSON; missing keys take the defaults
    HOME/data/          the RocksDB database (`data_dir` moves it)
    HOME/keys/          keystores (used by the CLI; the node reads only `audit_anchor_key`'s)
    HOME/audit/         the API's append-only log of supervisory reads
    HOME/node.lock      held (flock) by the one process running a node on HOME

Every key takes effect under both engines, or says what the other engine does with it;
docs/node-config.md is the reference (tests/e2e/test_node_config.py checks each key).
Must never: hold secrets; node.json is safe to share.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finchain.errors import ErrorCode, FinchainError, register_error

GENESIS_FILE = "genesis.json"
CONFIG_FILE = "node.json"
DATA_DIR = "data"
KEYS_DIR = "keys"
ENGINES = ("solo", "cometbft")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
MIB = 1024 * 1024


ERR_BAD_CONFIG = register_error("node", 1, "bad_config", "node.json or the node home is unusable")
ERR_HOME_IN_USE = register_error(
    "node", 2, "home_in_use", "another process runs a node on this home (HOME/node.lock)"
)
ERR_PORT_IN_USE = register_error(
    "node", 3, "port_in_use", "the API address is taken by another process"
)
ERR_REPLAY_DIFFERS = register_error(
    "node", 4, "replay_differs", "replaying the stored blocks does not reproduce the store"
)


class NodeConfigError(FinchainError):
    """node.json or the home directory is unusable; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = ERR_BAD_CONFIG
        self.message = message


class NodeStartError(FinchainError):
    """The node cannot start for a reason outside node.json (`node/home_in_use`,
    `node/port_in_use`); the message says what to do."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class NodeConfig:
    api_host: str = "127.0.0.1"  # loopback only unless the operator opts in
    api_port: int = 8600
    engine: str = "solo"
    solo_max_block_txs: int = 10_000
    solo_block_interval_s: float = 0.0
    solo_empty_block_interval_s: float = 0.0
    max_body_bytes: int = MIB
    max_batch_body_bytes: int = 8 * MIB
    commit_timeout_s: float = 30.0
    log_level: str = "info"
    data_dir: str = DATA_DIR  # the database directory: absolute, or relative to HOME
    # engine "cometbft": this process is one member's application; CometBFT connects to
    # `abci_address` and the API broadcasts through `cometbft_rpc_url`. With `cometbft_home`
    # set (absolute, or relative to HOME), `finchain node start` also runs `cometbft start`
    # on that home as its child process; empty: the operator runs CometBFT separately.
    abci_address: str = "tcp://127.0.0.1:26658"
    cometbft_rpc_url: str = "http://127.0.0.1:26657"
    cometbft_home: str = ""
    # With a key name of HOME/keys (its password from $FINCHAIN_PASSWORD unless plaintext), the
    # node anchors its read audit log on chain with that member account (node/audit_anchor.py),
    # under `audit_anchor_log_id` (default: the home directory's name).
    audit_anchor_key: str = ""
    audit_anchor_log_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_node_config(home: Path) -> NodeConfig:
    """Read HOME/node.json (defaults when absent); unknown keys and bad values are errors."""
    path = config_path(home)
    if not path.is_file():
        return NodeConfig()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NodeConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise NodeConfigError(f"{path} must hold a JSON object")
    return parse_node_config(raw, str(path))


def save_node_config(home: Path, config: NodeConfig) -> None:
    home.mkdir(parents=True, exist_ok=True)
    text = json.dumps(config.to_json(), indent=2, sort_keys=True) + "\n"
    config_path(home).write_text(text, encoding="utf-8")


def parse_node_config(raw: dict[str, Any], source: str = "node config") -> NodeConfig:
    fields = {f.name: f for f in dataclasses.fields(NodeConfig)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise NodeConfigError(f"{source}: unknown keys {unknown}; known: {sorted(fields)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        kind = type(getattr(NodeConfig(), name))
        if kind is float and type(value) is int:
            value = float(value)
        if type(value) is not kind:
            raise NodeConfigError(f"{source}: {name} must be {kind.__name__}, got {value!r}")
        values[name] = value
    config = NodeConfig(**values)
    validate_node_config(config, source)
    return config


def validate_node_config(config: NodeConfig, source: str = "node config") -> None:
    if config.engine not in ENGINES:
        raise NodeConfigError(f"{source}: engine must be one of {list(ENGINES)}")
    if not config.abci_address.startswith(("tcp://", "unix://")):
        raise NodeConfigError(f"{source}: abci_address must be tcp://HOST:PORT or unix://PATH")
    if not config.cometbft_rpc_url.startswith(("http://", "https://")):
        raise NodeConfigError(f"{source}: cometbft_rpc_url must be an http(s) URL")
    if not 0 <= config.api_port <= 65535:
        raise NodeConfigError(f"{source}: api_port must be 0..65535")
    positive = ("solo_max_block_txs", "max_body_bytes", "max_batch_body_bytes", "commit_timeout_s")
    for name in positive:
        if getattr(config, name) <= 0:
            raise NodeConfigError(f"{source}: {name} must be positive")
    if config.solo_block_interval_s < 0 or config.solo_empty_block_interval_s < 0:
        raise NodeConfigError(f"{source}: block intervals must be >= 0")
    if not config.data_dir:
        raise NodeConfigError(f"{source}: data_dir must name a directory")
    if config.log_level.lower() not in LOG_LEVELS:
        raise NodeConfigError(f"{source}: log_level must be one of {list(LOG_LEVELS)}")


def config_path(home: Path) -> Path:
    return home / CONFIG_FILE


def genesis_path(home: Path) -> Path:
    return home / GENESIS_FILE


def data_dir(home: Path, config: NodeConfig) -> Path:
    """The database directory: `config.data_dir`, relative to HOME unless absolute."""
    return home / config.data_dir


def audit_log_path(home: Path) -> Path:
    """The API's append-only log of supervisory reads (G-5)."""
    return home / "audit" / "reads.jsonl"


def keys_dir(home: Path) -> Path:
    return home / KEYS_DIR
