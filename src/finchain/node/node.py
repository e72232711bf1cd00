"""The composition root: a node home -> database, application, solo engine and API server.

`Node.open(home)` wires everything (running init_chain from HOME/genesis.json on an empty
database); `serve()` runs the API in the foreground until SIGINT/SIGTERM; `start_background()` /
`stop()` run it on a thread (tests, embedding). Shutdown order: stop accepting requests, stop
the engine (finishing the block in progress), close the database.

Must never: print; everything goes through logging with key=value fields.
Concurrency: the API server has its own thread and event loop in background mode; the engine has
its block thread; `stop()` is idempotent and may be called from any thread but the server's.
"""

from __future__ import annotations

import contextlib
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

from finchain.api import ApiSettings, NodeServices, TxEngine, create_api
from finchain.api.audit import AuditLog
from finchain.app import Application, load_genesis
from finchain.engine.solo import SoloConfig, SoloEngine
from finchain.errors import FinchainError
from finchain.node.audit_anchor import AuditAnchorer
from finchain.node.config import (
    NodeConfig,
    NodeConfigError,
    audit_log_path,
    data_dir,
    genesis_path,
    load_node_config,
    validate_node_config,
)
from finchain.sdk.keystore import Keyring
from finchain.store import Database

PASSWORD_ENV = "FINCHAIN_PASSWORD"  # the same variable the CLI reads

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
START_TIMEOUT_S = 10.0
GRACEFUL_SHUTDOWN_S = 10


class Node:
    def __init__(self, home: Path, config: NodeConfig, db: Database, app: Application) -> None:
        self.home = home
        self.config = config
        self.db = db
        self.app = app
        self.engine = SoloEngine(
            app,
            SoloConfig(
                max_block_txs=config.solo_max_block_txs,
                block_interval_s=config.solo_block_interval_s,
                empty_block_interval_s=config.solo_empty_block_interval_s,
            ),
        )
        audit_log = AuditLog(audit_log_path(home))
        self.api = create_api(
            NodeServices(app, self.engine, db, engine_name=config.engine),
            ApiSettings(
                max_body_bytes=config.max_body_bytes,
                max_batch_body_bytes=config.max_batch_body_bytes,
                commit_timeout_s=config.commit_timeout_s,
            ),
            audit_log,
        )
        self.anchorer = make_audit_anchorer(home, config, app, self.engine, audit_log)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] = (config.api_host, config.api_port)
        self._closed = False

    @classmethod
    def open(cls, home: Path, config: NodeConfig | None = None) -> Node:
        """Open (and on first start, initialise) the chain in `home`."""
        config = config or load_node_config(home)
        validate_node_config(config)
        if config.engine != "solo":
            raise NodeConfigError(
                f"engine {config.engine!r}: this node runs the solo engine; "
                "start a CometBFT member node with `finchain node start` (node.member)"
            )
        db = Database(data_dir(home))
        try:
            app = Application(db)
            prepare_chain(home, app, db)
            node = cls(home, config, db, app)
        except BaseException:
            db.close()
            raise
        log.info(
            "node opened home=%s chain_id=%s suite=%s height=%d engine=%s",
            home,
            app.genesis.chain_id,
            app.suite.name,
            app.height,
            config.engine,
        )
        return node

    @property
    def url(self) -> str:
        host, port = self._address
        return f"http://{host}:{port}"

    def serve(self) -> None:
        """Run the API in the foreground until SIGINT/SIGTERM, then shut down cleanly."""
        server = _GracefulServer(self._uvicorn_config())
        self._server = server
        self.engine.start()
        self._start_anchorer()
        log.info("node serving url=%s", self.url)
        try:
            server.run()
        finally:
            self.close()

    def start_background(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Serve on a thread; returns once the API accepts connections (port 0 = any free)."""
        if self._thread is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.api_host, self.config.api_port))
        self._address = (self.config.api_host, sock.getsockname()[1])
        server = _GracefulServer(self._uvicorn_config())
        self._server = server
        self.engine.start()
        self._start_anchorer()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise NodeConfigError(f"API server did not start on {self.url}")
            time.sleep(0.01)
        log.info("node serving url=%s mode=background", self.url)

    def stop(self) -> None:
        """Stop the background server (if any), the engine and the database. Idempotent."""
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
        if self.anchorer is not None:
            self.anchorer.stop()
        self.engine.stop()
        self.db.close()
        log.info("node stopped height=%d", self.app.height)

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _start_anchorer(self) -> None:
        if self.anchorer is not None:
            self.anchorer.start()

    def _uvicorn_config(self) -> uvicorn.Config:
        host, port = self._address
        return uvicorn.Config(
            self.api,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            ws_ping_interval=20.0,
        )


def prepare_chain(home: Path, app: Application, db: Database) -> None:
    """Run init_chain from HOME/genesis.json on an empty database; otherwise check it matches."""
    path = genesis_path(home)
    if app.is_initialised:
        stored = db.load_genesis()
        if path.is_file() and load_genesis(path.read_bytes()).encode() != stored:
            raise NodeConfigError(f"{path} does not match the chain in {data_dir(home)}")
        return
    if not path.is_file():
        raise NodeConfigError(f"no genesis at {path}; create one with `finchain init`")
    genesis = load_genesis(path.read_bytes())
    app_hash = app.init_chain(genesis)
    log.info("chain initialised chain_id=%s app_hash=%s", genesis.chain_id, app_hash.hex())


def configure_logging(level: str = "info") -> None:
    """Plain key=value log lines on stderr (for the CLI entry points; libraries never call it)."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)


class _GracefulServer(uvicorn.Server):
    """uvicorn, but a handled SIGINT/SIGTERM ends `run()` normally instead of being re-raised
    after shutdown, so the node's own cleanup (engine, database) always runs."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, _: FrameType | None) -> None:
        log.info("shutdown requested signal=%s", signal.Signals(sig).name)
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def make_audit_anchorer(
    home: Path, config: NodeConfig, app: Application, engine: TxEngine, audit_log: AuditLog
) -> AuditAnchorer | None:
    """The anchorer node.json asks for (`audit_anchor_key`), or None."""
    if not config.audit_anchor_key:
        return None
    try:
        _, key = Keyring(home / "keys").load(config.audit_anchor_key, os.environ.get(PASSWORD_ENV))
    except FinchainError as err:
        raise NodeConfigError(f"audit_anchor_key {config.audit_anchor_key!r}: {err}") from None
    log_id = config.audit_anchor_log_id or home.resolve().name
    return AuditAnchorer(app, engine, audit_log, key, log_id)
