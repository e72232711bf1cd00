"""One member's consortium node on its own host: `finchain node start` with engine "cometbft".

HOME/node.json (see `config.NodeConfig`) says where CometBFT connects (`abci_address`), where its
RPC is (`cometbft_rpc_url`) and, optionally, `cometbft_home`. `run_member_node` starts the
finchain application (database, ABCI server, REST API: `CometNode`), then, when `cometbft_home` is
set, runs `cometbft start --home <cometbft_home>` as its child (output in HOME/cometbft.log). It
returns after SIGINT/SIGTERM, or when the child exits on its own (an error: the node cannot make
progress without it), stopping CometBFT first and then the application.

Must never: generate keys or genesis (operators bring CometBFT's home; see docs/cometbft.md);
leave the child running after it returns.
Concurrency: the main thread waits for a signal or the child; CometNode has its own threads.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from finchain.node.cometbft_node import CometNode, CometNodeConfig, install_shutdown_signals
from finchain.node.config import NodeConfig, NodeConfigError
from finchain.node.testnet_config import TestnetError, find_cometbft

log = logging.getLogger(__name__)

COMETBFT_LOG = "cometbft.log"
CHILD_STOP_GRACE_S = 10.0
POLL_INTERVAL_S = 0.5


class CometbftExited(RuntimeError):
    """The supervised CometBFT process ended by itself; its log says why."""


def run_member_node(home: Path, config: NodeConfig) -> None:
    """Serve this member's node until SIGINT/SIGTERM (raises CometbftExited if CometBFT dies)."""
    cometbft_home = resolve_cometbft_home(home, config)
    node = CometNode(
        home,
        CometNodeConfig(
            abci_address=config.abci_address,
            rpc_url=config.cometbft_rpc_url,
            api_host=config.api_host,
            api_port=config.api_port,
            log_level=config.log_level,
        ),
    )
    stop_requested = install_shutdown_signals()
    child: subprocess.Popen[bytes] | None = None
    try:
        node.start()
        if cometbft_home is not None:
            child = start_cometbft(home, cometbft_home)
        while not stop_requested.wait(POLL_INTERVAL_S):
            if child is not None and child.poll() is not None:
                raise CometbftExited(
                    f"cometbft exited with status {child.returncode}; see {home / COMETBFT_LOG}"
                )
    finally:
        if child is not None:
            stop_child(child)
        node.stop()


def resolve_cometbft_home(home: Path, config: NodeConfig) -> Path | None:
    """The CometBFT home to supervise (None: CometBFT runs separately)."""
    if not config.cometbft_home:
        return None
    path = Path(config.cometbft_home)
    path = path if path.is_absolute() else (home / path)
    if not (path / "config" / "config.toml").is_file():
        raise NodeConfigError(f"cometbft_home {path} has no config/config.toml (`cometbft init`)")
    return path.resolve()


def start_cometbft(home: Path, cometbft_home: Path) -> subprocess.Popen[bytes]:
    try:
        binary = find_cometbft()
    except TestnetError as err:
        raise NodeConfigError(str(err)) from None
    with (home / COMETBFT_LOG).open("ab") as log_file:
        child = subprocess.Popen(
            [binary, "start", "--home", str(cometbft_home)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches finchain only; it stops CometBFT itself
        )
    log.info("cometbft started pid=%d home=%s", child.pid, cometbft_home)
    return child


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after the grace period; always reaps."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=CHILD_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    log.info("cometbft stopped pid=%d status=%s", child.pid, child.returncode)
