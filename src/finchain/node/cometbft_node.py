"""One member's finchain node in CometBFT mode: database, application, ABCI server, REST API.

`CometNode(home, config)` opens the database at HOME/data and builds the application and the
CometBFT engine adapter; `start()` listens for CometBFT on the ABCI address and, if an API port
is configured, serves the REST API on a background thread. The chain is initialised by
CometBFT's InitChain on first start (its genesis.json `app_state` is the finchain genesis), never
here. CometBFT itself is a separate process that connects to `abci_address` (its `proxy_app`);
this process supervises nothing else.

Run: `python -m finchain.node.cometbft_node --home H --abci tcp://127.0.0.1:26658
--rpc http://127.0.0.1:26657 [--api-port 8600]` (stops cleanly on SIGINT/SIGTERM).

Must never: call `init_chain`; print (logging only, key=value fields).
Concurrency: ABCI on its own event-loop thread plus one application worker thread; the API on
another thread with its own loop; the main thread waits for a signal and shuts down in order:
API, ABCI server, database.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn

from finchain.api import ApiSettings, NodeServices, create_api
from finchain.app import Application
from finchain.engine.cometbft import CometConfig, CometEngine
from finchain.node.config import audit_log_path
from finchain.store import Database

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
DATA_DIR = "data"
API_START_TIMEOUT_S = 10.0
API_GRACEFUL_SHUTDOWN_S = 5


@dataclass(frozen=True, slots=True)
class CometNodeConfig:
    abci_address: str = "tcp://127.0.0.1:26658"
    rpc_url: str = "http://127.0.0.1:26657"
    api_host: str = "127.0.0.1"
    api_port: int | None = None  # None: no REST API (CometBFT's RPC still accepts txs)
    log_level: str = "info"


class CometNode:
    def __init__(self, home: Path, config: CometNodeConfig | None = None) -> None:
        self.home = home
        self.config = config or CometNodeConfig()
        home.mkdir(parents=True, exist_ok=True)
        self.db = Database(home / DATA_DIR)
        try:
            self.app = Application(self.db)
            self.engine = CometEngine(
                self.app,
                CometConfig(abci_address=self.config.abci_address, rpc_url=self.config.rpc_url),
            )
        except BaseException:
            self.db.close()
            raise
        self._api_server: uvicorn.Server | None = None
        self._api_thread: threading.Thread | None = None
        self._api_address: tuple[str, int] | None = None
        self._closed = False

    @property
    def api_url(self) -> str | None:
        if self._api_address is None:
            return None
        host, port = self._api_address
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Listen for CometBFT, then serve the API (if configured). Returns once both listen."""
        self.engine.start()
        log.info(
            "cometbft node started home=%s abci=%s rpc=%s height=%d",
            self.home,
            self.engine.server.address,
            self.config.rpc_url,
            self.app.height,
        )
        if self.config.api_port is not None:
            self._start_api(self.config.api_host, self.config.api_port)

    def stop(self) -> None:
        """Stop the API, the ABCI server (finishing the request in progress) and the database."""
        if self._closed:
            return
        self._closed = True
        if self._api_server is not None:
            self._api_server.should_exit = True
        if self._api_thread is not None:
            self._api_thread.join(timeout=API_GRACEFUL_SHUTDOWN_S + 5)
        self.engine.stop()
        self.db.close()
        log.info("cometbft node stopped height=%d", self.app.height)

    def serve_forever(self) -> None:
        """start(), then wait for SIGINT/SIGTERM and stop() (call from the main thread)."""
        stop_requested = install_shutdown_signals()
        try:
            self.start()
            while not stop_requested.wait(1.0):
                pass
        finally:
            self.stop()

    def _start_api(self, host: str, port: int) -> None:
        api = create_api(
            NodeServices(self.app, self.engine, self.db, engine_name="cometbft"),
            ApiSettings(audit_log_path=audit_log_path(self.home)),
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self._api_address = (host, int(sock.getsockname()[1]))
        server = uvicorn.Server(
            uvicorn.Config(
                api,
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=API_GRACEFUL_SHUTDOWN_S,
            )
        )
        self._api_server = server
        self._api_thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True
        )
        self._api_thread.start()
        deadline = time.monotonic() + API_START_TIMEOUT_S
        while not server.started:
            if not self._api_thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"API server did not start on {self.api_url}")
            time.sleep(0.01)
        log.info("api serving url=%s", self.api_url)


def install_shutdown_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM (call from the main thread)."""
    stop_requested = threading.Event()

    def on_signal(sig: int, _: FrameType | None) -> None:
        log.info("shutdown requested signal=%s", signal.Signals(sig).name)
        stop_requested.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    return stop_requested


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m finchain.node.cometbft_node",
        description="Run a finchain application for a CometBFT node (ABCI 2.0 socket).",
    )
    parser.add_argument("--home", type=Path, required=True, help="app home (database in data/)")
    defaults = CometNodeConfig()
    parser.add_argument("--abci", default=defaults.abci_address, help="listen address")
    parser.add_argument("--rpc", default=defaults.rpc_url, help="CometBFT RPC URL")
    parser.add_argument("--api-host", default=defaults.api_host)
    parser.add_argument("--api-port", type=int, default=None, help="serve the REST API here")
    parser.add_argument("--log-level", default=defaults.log_level)
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT)
    config = CometNodeConfig(
        abci_address=args.abci,
        rpc_url=args.rpc,
        api_host=args.api_host,
        api_port=args.api_port,
        log_level=args.log_level,
    )
    CometNode(args.home, config).serve_forever()


if __name__ == "__main__":
    main()
