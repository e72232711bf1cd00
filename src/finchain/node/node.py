"""The composition root: one node home -> database, application, engine, API, audit log, anchor.

`Node.open(home)` reads HOME/node.json (docs/node-config.md), takes the home lock
(`home_lock.py`: a second node on the same home fails with `node/home_in_use`) and builds, in
order:
  1. the database at `data_dir`;
  2. the application (`build_application`, the one place it is constructed), initialised from
     HOME/genesis.json on an empty database by the solo engine; under "cometbft" CometBFT's
     InitChain does it from its genesis `app_state`;
  3. the engine `engine` names (`build_engine`): `SoloEngine` with the `solo_*` block settings,
     or `MemberEngine` (`sync_status.py`: the `CometEngine`, ABCI server on `abci_address`,
     broadcasts to `cometbft_rpc_url`, proposes at most `solo_max_block_txs` transactions per
     block, plus the sync report of `GET /v1/status` read from that RPC);
  4. the audit log of supervisory reads and, with `audit_anchor_key`, its on-chain anchorer;
  5. the API with the request limits (`max_body_bytes`, `max_batch_body_bytes`,
     `commit_timeout_s`), served on `api_host:api_port`;
  6. under "cometbft" with `cometbft_home`, the CometBFT child process (`cometbft_process.py`).
`serve()` runs the node until SIGINT/SIGTERM or until its CometBFT child exits;
`start_background()` / `stop()` run it on threads (tests, embedding). The API address is bound
before anything starts, so a taken port fails with `node/port_in_use` before "node serving" is
logged. Start order: engine, anchorer, CometBFT, API; shutdown order: API, CometBFT, anchorer,
engine (finishing the block or ABCI request in progress), database, home lock. Logging: entry
points call `configure_logging` with `log_level`; there are no metrics yet.

Callers: `finchain dev`, `finchain node start` and the app processes of `finchain testnet`
(`python -m finchain.node`, which runs a testnet node without its CometBFT child).

Must never: print; everything goes through logging with key=value fields.
Concurrency: the API server has its own thread and event loop; the engine has its block thread
(solo) or its ABCI threads (cometbft); `serve()` waits on the calling (main) thread; `stop()` is
idempotent and may be called from any thread but the API server's.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import uvicorn

from finchain.api import ApiSettings, NodeServices, create_api
from finchain.api.audit import AuditLog
from finchain.app import Application
from finchain.crypto import PrivateKey
from finchain.engine.abci import ListenAddress
from finchain.engine.base import Engine
from finchain.engine.cometbft import CometConfig
from finchain.engine.solo import SoloConfig, SoloEngine
from finchain.errors import FinchainError
from finchain.keys import Keyring
from finchain.node.audit_anchor import AuditAnchorer
from finchain.node.cometbft_process import CometbftExited, CometbftProcess, resolve_cometbft_home
from finchain.node.config import (
    ERR_HOME_IN_USE,
    ERR_PORT_IN_USE,
    NodeConfig,
    NodeConfigError,
    NodeStartError,
    audit_log_path,
    data_dir,
    genesis_path,
    load_node_config,
    validate_node_config,
)
from finchain.node.home_lock import HomeLock, acquire_home_lock
from finchain.node.sync_status import MemberEngine
from finchain.node.wiring import MODULES
from finchain.store import Database

__all__ = ["CometbftExited", "Node", "build_application", "configure_logging"]

PASSWORD_ENV = "FINCHAIN_PASSWORD"  # the same variable the CLI reads

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
START_TIMEOUT_S = 10.0
GRACEFUL_SHUTDOWN_S = 10
POLL_INTERVAL_S = 0.5


class Node:
    def __init__(
        self,
        home: Path,
        config: NodeConfig,
        db: Database,
        app: Application,
        engine: Engine,
        audit_log: AuditLog,
        anchorer: AuditAnchorer | None,
        cometbft: CometbftProcess | None,
        serve_api: bool = True,
        home_lock: HomeLock | None = None,
    ) -> None:
        self.home = home
        self.config = config
        self.db = db
        self.app = app
        self.engine = engine
        self.audit_log = audit_log
        self.api = create_api(
            NodeServices(app, engine, db, engine_name=config.engine),
            build_api_settings(config),
            audit_log,
        )
        self.anchorer = anchorer
        self.cometbft = cometbft
        self.serve_api = serve_api
        self.home_lock = home_lock
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] = (config.api_host, config.api_port)
        self._started = False
        self._closed = False

    @classmethod
    def open(
        cls,
        home: Path,
        config: NodeConfig | None = None,
        *,
        run_cometbft: bool = True,
        serve_api: bool = True,
    ) -> Node:
        """Build the node of `home` (on first start under solo, initialise its chain).
        `config` replaces HOME/node.json for this run only (command-line overrides; the file is
        never rewritten). `run_cometbft=False`: never start a CometBFT child, whatever
        `cometbft_home` says (`finchain testnet` starts CometBFT itself); `serve_api=False`: no
        REST API. Raises `node/home_in_use` if another node holds the home."""
        config = config or load_node_config(home)
        validate_node_config(config)
        log.debug(
            "node config home=%s %s",
            home,
            " ".join(f"{k}={v}" for k, v in config.to_json().items()),
        )
        cometbft_home = resolve_cometbft_home(home, config) if run_cometbft else None
        validate_engine_settings(config, cometbft_home)
        anchor_key = load_audit_anchor_key(home, config)
        home_lock = acquire_home_lock(home)
        try:
            db = open_database(data_dir(home, config))
        except BaseException:
            home_lock.release()
            raise
        engine: Engine | None = None
        try:
            app = build_application(db)
            if config.engine == "solo":
                prepare_chain(home, config, app, db)
            engine = build_engine(app, config)
            audit_log = AuditLog(audit_log_path(home))
            anchorer = None
            if anchor_key is not None:
                log_id = config.audit_anchor_log_id or home.resolve().name
                anchorer = AuditAnchorer(app, engine, audit_log, anchor_key, log_id)
            cometbft = None
            if cometbft_home is not None:
                cometbft = CometbftProcess(home, cometbft_home, config)
            node = cls(
                home, config, db, app, engine, audit_log, anchorer, cometbft, serve_api, home_lock
            )
        except BaseException:
            if engine is not None:
                engine.stop()
            db.close()
            home_lock.release()
            raise
        log.info(
            "node opened home=%s engine=%s chain_id=%s height=%d data_dir=%s",
            home,
            config.engine,
            app.genesis.chain_id if app.is_initialised else "(from CometBFT InitChain)",
            app.height,
            data_dir(home, config),
        )
        return node

    @property
    def url(self) -> str:
        host, port = self._address
        return f"http://{host}:{port}"

    def serve(self) -> None:
        """Run until SIGINT/SIGTERM, then shut down cleanly. Raises CometbftExited if the
        CometBFT child ends by itself (after shutting everything else down)."""
        with _shutdown_signals() as stop_requested:
            try:
                self.start_background()
                while not stop_requested.wait(POLL_INTERVAL_S):
                    if self.cometbft is not None:
                        self.cometbft.check()
            finally:
                self.stop()

    def start_background(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start every part; returns once the API accepts connections (port 0 = any free)."""
        if self._started:
            return
        self._started = True
        sock: socket.socket | None = None
        try:
            sock = self._bind_api() if self.serve_api else None  # a taken port fails first
            validate_abci_address_free(self.config)
            self.engine.start()
            log.info("engine started engine=%s height=%d", self.config.engine, self.app.height)
            if self.anchorer is not None:
                self.anchorer.start()
            if self.cometbft is not None:
                self.cometbft.start()
            if sock is not None:
                self._start_api(sock, timeout_s)
        except BaseException:
            self.stop()
            if sock is not None and self._server is None:
                sock.close()
            raise
        log.info(
            "node serving url=%s engine=%s",
            self.url if self.serve_api else "(no API)",
            self.config.engine,
        )

    def stop(self) -> None:
        """Stop the API server, the CometBFT child, the engine and the database. Idempotent."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=GRACEFUL_SHUTDOWN_S + 5)
            self._thread = None
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.cometbft is not None:
            self.cometbft.stop()
        if self.anchorer is not None:
            self.anchorer.stop()
        self.api.state.query_pool.shutdown(wait=True)  # running queries read the database
        self.engine.stop()
        self.db.close()
        if self.home_lock is not None:
            self.home_lock.release()
        log.info("node stopped height=%d", self.app.height)

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _bind_api(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.api_host, self.config.api_port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise NodeStartError(
                    ERR_PORT_IN_USE,
                    f"{self.config.api_host}:{self.config.api_port} is already in use by another "
                    "process; stop it, or pick another port (node.json api_port, or --port)",
                ) from None
            raise NodeConfigError(
                f"cannot serve the API on {self.config.api_host}:{self.config.api_port}: {exc}"
            ) from None
        self._address = (self.config.api_host, int(sock.getsockname()[1]))
        return sock

    def _start_api(self, sock: socket.socket, timeout_s: float) -> None:
        server = uvicorn.Server(
            uvicorn.Config(
                self.api,
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
                ws_ping_interval=20.0,
            )
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise NodeConfigError(f"API server did not start on {self.url}")
            time.sleep(0.01)


# ---- the parts, each built in one place ----------------------------------------------------


def build_application(db: Database) -> Application:
    """The application over `db` with the wiring list's modules: the only place a node
    constructs one."""
    return Application(db, MODULES)


def build_engine(app: Application, config: NodeConfig) -> Engine:
    """The engine node.json names, with its settings."""
    if config.engine == "cometbft":
        return MemberEngine(
            app,
            CometConfig(
                abci_address=config.abci_address,
                rpc_url=config.cometbft_rpc_url,
                max_block_txs=config.solo_max_block_txs,
            ),
        )
    return SoloEngine(
        app,
        SoloConfig(
            max_block_txs=config.solo_max_block_txs,
            block_interval_s=config.solo_block_interval_s,
            empty_block_interval_s=config.solo_empty_block_interval_s,
        ),
    )


def open_database(path: Path) -> Database:
    """The RocksDB at `path`; RocksDB's own LOCK refusal (the same data directory used by a node
    of another home) becomes `node/home_in_use`."""
    try:
        return Database(path)
    except Exception as exc:  # rocksdict raises a bare Exception carrying RocksDB's status
        if "lock" not in str(exc).lower():
            raise
        raise NodeStartError(
            ERR_HOME_IN_USE,
            f"the database {path} is in use by another process (RocksDB LOCK); stop that node "
            "first",
        ) from None


def build_api_settings(config: NodeConfig) -> ApiSettings:
    return ApiSettings(
        max_body_bytes=config.max_body_bytes,
        max_batch_body_bytes=config.max_batch_body_bytes,
        commit_timeout_s=config.commit_timeout_s,
    )


def validate_engine_settings(config: NodeConfig, cometbft_home: Path | None) -> None:
    """Refuse a setting the chosen engine cannot apply, rather than ignore it."""
    if config.engine == "cometbft" and config.solo_block_interval_s > 0 and cometbft_home is None:
        raise NodeConfigError(
            "solo_block_interval_s takes effect on a CometBFT node only when the node runs its "
            "CometBFT (cometbft_home); otherwise set consensus.timeout_commit in CometBFT's "
            "config.toml and leave solo_block_interval_s at 0"
        )


def validate_abci_address_free(config: NodeConfig) -> None:
    """Refuse a taken ABCI TCP port with `node/port_in_use` before the ABCI server's thread
    would fail on it (a probe: bind, then close at once)."""
    if config.engine != "cometbft":
        return
    address = ListenAddress.parse(config.abci_address)
    if address.unix_path or address.port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        try:
            probe.bind((address.host, address.port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                return  # the ABCI server reports other failures itself
            raise NodeStartError(
                ERR_PORT_IN_USE,
                f"the ABCI address {config.abci_address} is already in use by another process "
                "(another node's application?); stop it, or change abci_address in node.json "
                "and proxy_app in CometBFT's config.toml",
            ) from None


def load_audit_anchor_key(home: Path, config: NodeConfig) -> PrivateKey | None:
    """The key node.json's `audit_anchor_key` names in HOME/keys, or None."""
    if not config.audit_anchor_key:
        return None
    try:
        _, key = Keyring(home / "keys").load(config.audit_anchor_key, os.environ.get(PASSWORD_ENV))
    except FinchainError as err:
        raise NodeConfigError(f"audit_anchor_key {config.audit_anchor_key!r}: {err}") from None
    return key


def prepare_chain(home: Path, config: NodeConfig, app: Application, db: Database) -> None:
    """Run init_chain from HOME/genesis.json on an empty database; otherwise check it matches."""
    path = genesis_path(home)
    if app.is_initialised:
        stored = db.load_genesis()
        if path.is_file() and app.parse_genesis(path.read_bytes()).encode() != stored:
            raise NodeConfigError(f"{path} does not match the chain in {data_dir(home, config)}")
        return
    if not path.is_file():
        raise NodeConfigError(f"no genesis at {path}; create one with `finchain init`")
    genesis = app.parse_genesis(path.read_bytes())
    app_hash = app.init_chain(genesis)
    log.info("chain initialised chain_id=%s app_hash=%s", genesis.chain_id, app_hash.hex())


def configure_logging(level: str = "info") -> None:
    """Plain key=value log lines on stderr (for the entry points; libraries never call it)."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)


@contextlib.contextmanager
def _shutdown_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while inside (handlers only on the main thread)."""
    stop_requested = threading.Event()

    def on_signal(sig: int, _: FrameType | None) -> None:
        log.info("shutdown requested signal=%s", signal.Signals(sig).name)
        stop_requested.set()

    if threading.current_thread() is not threading.main_thread():
        yield stop_requested
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, on_signal) for sig in signals}
    try:
        yield stop_requested
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
