"""The CometBFT process a node runs as its child (node.json engine "cometbft" + `cometbft_home`).

`CometbftProcess.start()` writes the node.json settings CometBFT applies itself into its
config.toml (`solo_block_interval_s` > 0 becomes `consensus.timeout_commit`), then runs
`cometbft start --home <cometbft_home>` with its output in HOME/cometbft.log. The node starts it
after its ABCI server listens, polls `check()` (which raises `CometbftExited` if the child ended
by itself: the node cannot make progress without it) and calls `stop()` before stopping the
application: SIGTERM, then SIGKILL after a grace period, always reaped.

Must never: generate keys or genesis (operators bring CometBFT's home; see docs/cometbft.md);
leave the child running after `stop()`.
Concurrency: one owner thread (the node's) calls start/check/stop.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

from finchain.node.config import NodeConfig, NodeConfigError
from finchain.node.testnet_config import TestnetError, find_cometbft, update_toml

log = logging.getLogger(__name__)

COMETBFT_LOG = "cometbft.log"
CHILD_STOP_GRACE_S = 10.0


class CometbftExited(RuntimeError):
    """The supervised CometBFT process ended by itself; its log says why."""


class CometbftProcess:
    def __init__(self, home: Path, cometbft_home: Path, config: NodeConfig) -> None:
        self.home = home
        self.cometbft_home = cometbft_home
        self.config = config
        self._child: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._child is None else self._child.pid

    def start(self) -> None:
        if self._child is not None:
            return
        try:
            binary = find_cometbft()
        except TestnetError as err:
            raise NodeConfigError(str(err)) from None
        apply_node_settings(self.cometbft_home, self.config)
        with (self.home / COMETBFT_LOG).open("ab") as log_file:
            self._child = subprocess.Popen(
                [binary, "start", "--home", str(self.cometbft_home)],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches finchain only; it stops CometBFT itself
            )
        log.info("cometbft started pid=%d home=%s", self._child.pid, self.cometbft_home)

    def check(self) -> None:
        """Raise CometbftExited if the child ended without being asked to."""
        child = self._child
        if child is not None and child.poll() is not None:
            raise CometbftExited(
                f"cometbft exited with status {child.returncode}; see {self.home / COMETBFT_LOG}"
            )

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after the grace period; always reaps. Idempotent."""
        child, self._child = self._child, None
        if child is None:
            return
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=CHILD_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        log.info("cometbft stopped pid=%d status=%s", child.pid, child.returncode)


def resolve_cometbft_home(home: Path, config: NodeConfig) -> Path | None:
    """The CometBFT home this node runs as its child (None: solo, or CometBFT runs separately)."""
    if config.engine != "cometbft" or not config.cometbft_home:
        return None
    path = Path(config.cometbft_home)
    path = path if path.is_absolute() else (home / path)
    if not (path / "config" / "config.toml").is_file():
        raise NodeConfigError(f"cometbft_home {path} has no config/config.toml (`cometbft init`)")
    return path.resolve()


def apply_node_settings(cometbft_home: Path, config: NodeConfig) -> None:
    """Write the node.json settings that CometBFT enforces into its config.toml (only those
    set away from their default: otherwise config.toml decides)."""
    if config.solo_block_interval_s > 0:
        timeout_commit = f"{round(config.solo_block_interval_s * 1000)}ms"
        try:
            update_toml(
                cometbft_home / "config" / "config.toml",
                {("consensus", "timeout_commit"): json.dumps(timeout_commit)},
            )
        except TestnetError as err:
            raise NodeConfigError(str(err)) from None
        log.info("cometbft config set consensus.timeout_commit=%s", timeout_commit)
