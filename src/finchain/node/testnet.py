"""`finchain testnet`: start, inspect, stop and reset a local network of CometBFT validators.

Layout of a testnet directory (everything for one network, nothing elsewhere):

    DIR/testnet.json           the layout: chain id, and per node its ports and homes
    DIR/run.json               the processes `up` started (pid + start time), removed by `down`
    DIR/keys/<name>.json       account keys (plaintext, marked unsafe: for this test network only)
    DIR/node<i>/cometbft/      CometBFT home (config.toml, genesis.json with app_state, keys)
    DIR/node<i>/app/           finchain app home (database in data/)
    DIR/node<i>/*.log          each process's output

`up` generates the directory on first use (`testnet_config.generate`) or reuses it, starts N app
processes (`python -m finchain.node --home DIR/node<i>/app --without-cometbft`: the node
composition root with the app home's node.json), waits for their ABCI ports, starts N
CometBFT processes, records every pid with its start time, and waits for blocks. `down` ends
exactly those processes (SIGTERM, then SIGKILL after a grace period; CometBFT first), checking
that each pid still belongs to the process it started. `reset` is `down` plus removing the
directory. `stop_node` ends one node's two processes the same way (the others go on) and
`restart_node` stops it (if it runs), starts it again and waits until it has caught up with the
rest of the network (`finchain testnet stop NODE` / `restart NODE`). For fault tests,
`signal_node` signals one node's recorded processes (SIGKILL, SIGSTOP, SIGCONT) and `start_node`
restarts a node whose processes are gone.

Must never: signal a process it did not start; remove a directory without a testnet.json.
Concurrency: plain synchronous functions, one caller at a time per directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from finchain.node.testnet_config import (
    DEFAULT_BASE_PORT,
    DEFAULT_CHAIN_ID,
    DEFAULT_USERS,
    LAYOUT_FILE,
    NodeLayout,
    TestnetError,
    TestnetLayout,
    find_cometbft,
    generate,
    load_test_keys,
)

__all__ = [
    "NodeLayout",
    "NodeStatus",
    "ProcessRecord",
    "RestartResult",
    "TestnetError",
    "TestnetLayout",
    "down",
    "generate",
    "load_test_keys",
    "reset",
    "restart_node",
    "signal_node",
    "start_node",
    "status",
    "stop_node",
    "stop_processes",
    "up",
    "wait_for_catch_up",
]

RUN_FILE = "run.json"
START_TIMEOUT_S = 60.0
CATCH_UP_TIMEOUT_S = 120.0
STOP_GRACE_S = 10.0


@dataclass(frozen=True, slots=True)
class ProcessRecord:
    """A process `up` started; `started_at` (psutil create_time) guards against pid reuse."""

    role: str  # "app" or "cometbft"
    node: str
    pid: int
    started_at: float


@dataclass(frozen=True, slots=True)
class NodeStatus:
    name: str
    rpc_url: str
    api_url: str
    app_running: bool
    cometbft_running: bool
    height: int
    app_hash: str


# ---- public commands ------------------------------------------------------------------------


def up(
    directory: Path,
    validators: int = 4,
    *,
    base_port: int = DEFAULT_BASE_PORT,
    chain_id: str = DEFAULT_CHAIN_ID,
    crypto_suite: str = "intl",
    users: int = DEFAULT_USERS,
    timeout_commit: str = "200ms",
    empty_blocks_interval: str = "0s",
    api: bool = True,
    wait_for_height: int = 2,
    timeout_s: float = START_TIMEOUT_S,
) -> TestnetLayout:
    """Generate (first time) and start the network; returns once every node made a block."""
    directory = directory.resolve()
    if any(_is_alive(r) for r in read_run_records(directory)):
        raise TestnetError(f"a testnet is already running in {directory}; `down` it first")
    if (directory / LAYOUT_FILE).is_file():
        layout = TestnetLayout.load(directory)
        if len(layout.nodes) != validators:
            raise TestnetError(
                f"{directory} holds a {len(layout.nodes)}-validator network; `reset` it first"
            )
    else:
        layout = generate(
            directory,
            validators,
            base_port=base_port,
            chain_id=chain_id,
            crypto_suite=crypto_suite,
            users=users,
            timeout_commit=timeout_commit,
            empty_blocks_interval=empty_blocks_interval,
        )
    _check_ports_free(layout, api)
    records: list[ProcessRecord] = []
    try:
        for node in layout.nodes:
            records.append(start_app_process(directory, node, api=api))
            _save_run_records(directory, records)
        for node, app_record in zip(layout.nodes, records, strict=True):
            _wait_for_port(node.abci_port, timeout_s, app_record)
        for node in layout.nodes:
            records.append(start_cometbft_process(directory, node))
            _save_run_records(directory, records)
        wait_for_blocks(layout, wait_for_height, timeout_s, records)
    except BaseException:
        down(directory)
        raise
    return layout


def status(directory: Path) -> list[NodeStatus]:
    directory = directory.resolve()
    layout = TestnetLayout.load(directory)
    records = read_run_records(directory)
    statuses = []
    for node in layout.nodes:
        alive = {r.role: _is_alive(r) for r in records if r.node == node.name}
        height, app_hash = 0, ""
        try:
            info = rpc_call(node.rpc_url, "status", timeout_s=2.0)
            sync = info["sync_info"]
            height, app_hash = int(sync["latest_block_height"]), str(sync["latest_app_hash"])
        except (httpx.HTTPError, TestnetError, KeyError, ValueError):
            pass
        statuses.append(
            NodeStatus(
                node.name,
                node.rpc_url,
                node.api_url,
                alive.get("app", False),
                alive.get("cometbft", False),
                height,
                app_hash,
            )
        )
    return statuses


def down(directory: Path, grace_s: float = STOP_GRACE_S) -> int:
    """End exactly the processes `up` started; returns how many were still running."""
    directory = directory.resolve()
    stopped = stop_processes(read_run_records(directory), grace_s)
    (directory / RUN_FILE).unlink(missing_ok=True)
    return stopped


def reset(directory: Path) -> None:
    """Stop the network and delete its directory (only a directory with a testnet.json)."""
    directory = directory.resolve()
    if not directory.exists():
        return
    if not (directory / LAYOUT_FILE).is_file():
        raise TestnetError(f"{directory} has no {LAYOUT_FILE}; refusing to delete it")
    down(directory)
    shutil.rmtree(directory)


def start_node(
    directory: Path, name: str, *, api: bool = True, timeout_s: float = START_TIMEOUT_S
) -> list[ProcessRecord]:
    """(Re)start one node's app and CometBFT processes of a network whose other nodes run, e.g.
    after a crash; they are recorded with the others so `down` ends them too."""
    directory = directory.resolve()
    node = _get_node(directory, name)
    records = read_run_records(directory)
    if any(r.node == name and _is_alive(r) for r in records):
        raise TestnetError(f"{name} is still running")
    records = [r for r in records if r.node != name]
    app = start_app_process(directory, node, api=api)
    _save_run_records(directory, [*records, app])
    _wait_for_port(node.abci_port, timeout_s, app)
    comet = start_cometbft_process(directory, node)
    _save_run_records(directory, [*records, app, comet])
    return [app, comet]


def stop_node(directory: Path, name: str, grace_s: float = STOP_GRACE_S) -> int:
    """End one node's recorded processes (CometBFT first, SIGTERM, then SIGKILL after
    `grace_s`) and drop them from run.json; the other nodes go on. Returns how many ran."""
    directory = directory.resolve()
    _get_node(directory, name)
    records = read_run_records(directory)
    mine = [r for r in records if r.node == name]
    if not any(_is_alive(r) for r in mine):
        raise TestnetError(f"{name} is not running in {directory}")
    stopped = stop_processes(mine, grace_s)
    _save_run_records(directory, [r for r in records if r.node != name])
    return stopped


@dataclass(frozen=True, slots=True)
class RestartResult:
    name: str
    was_running: bool
    height: int  # the node's height once caught up
    target_height: int  # the network's height when it started again
    seconds: float  # from the start of its processes to caught up


def restart_node(
    directory: Path,
    name: str,
    *,
    api: bool = True,
    grace_s: float = STOP_GRACE_S,
    timeout_s: float = CATCH_UP_TIMEOUT_S,
) -> RestartResult:
    """Stop one node (if it runs), start its app and CometBFT again from their homes, and wait
    until its CometBFT has reached the height the network had when it started again."""
    directory = directory.resolve()
    layout = TestnetLayout.load(directory)
    node = _get_node(directory, name)
    was_running = any(r.node == name and _is_alive(r) for r in read_run_records(directory))
    before = _find_height(node) if was_running else None
    if was_running:
        stop_node(directory, name, grace_s)
    others = [n for n in layout.nodes if n.name != name]
    heights = [h for h in (_find_height(n) for n in others) if h is not None]
    target = max([*heights, before or 0])
    started = time.monotonic()
    records = start_node(directory, name, api=api, timeout_s=timeout_s)
    height = wait_for_catch_up(layout, name, target, timeout_s, records)
    return RestartResult(name, was_running, height, target, time.monotonic() - started)


def wait_for_catch_up(
    layout: TestnetLayout,
    name: str,
    height: int,
    timeout_s: float = CATCH_UP_TIMEOUT_S,
    records: list[ProcessRecord] | None = None,
) -> int:
    """Wait until node `name` reports at least `height` and is no longer block-syncing;
    returns its height. Fails early if one of `records` died."""
    node = next(n for n in layout.nodes if n.name == name)
    deadline = time.monotonic() + timeout_s
    while True:
        for record in records or []:
            if not _is_alive(record):
                log_file = Path(layout.directory) / record.node / f"{record.role}.log"
                raise TestnetError(f"{record.role} of {record.node} exited; see {log_file}")
        try:
            sync = rpc_call(node.rpc_url, "status", timeout_s=1.0)["sync_info"]
            latest = int(sync["latest_block_height"])
            if latest >= height and not sync["catching_up"]:
                return latest
        except (httpx.HTTPError, TestnetError, KeyError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise TestnetError(f"{name} did not reach height {height} within {timeout_s:.0f}s")
        time.sleep(0.2)


def signal_node(
    directory: Path,
    name: str,
    sig: signal.Signals,
    roles: tuple[str, ...] = ("app", "cometbft"),
) -> list[ProcessRecord]:
    """Send `sig` to one node's running processes of the given roles, in that order (for fault
    tests: SIGKILL, SIGSTOP, SIGCONT); returns the records signalled. Only processes this
    directory's run.json records, with a matching start time, are signalled."""
    directory = directory.resolve()
    records = [r for r in read_run_records(directory) if r.node == name]
    if not records:
        raise TestnetError(f"no recorded processes of {name!r} in {directory}")
    signalled = []
    for role in roles:
        for record in records:
            if record.role == role and _is_alive(record):
                _signal(record, sig)
                signalled.append(record)
    if sig == signal.SIGKILL:
        time.sleep(0.05)  # let the kernel finish them before collecting exit statuses
        for record in signalled:
            _reap(record)
    return signalled


# ---- processes ------------------------------------------------------------------------------


def start_app_process(directory: Path, node: NodeLayout, *, api: bool = True) -> ProcessRecord:
    """The node's application (its node.json, written by `generate`), without a CometBFT child:
    `start_cometbft_process` runs that, so that faults can hit either process alone."""
    command = [sys.executable, "-m", "finchain.node", "--home", node.app_home, "--without-cometbft"]
    if not api:
        command.append("--no-api")
    return _spawn("app", node, command, directory / node.name / "app.log")


def start_cometbft_process(directory: Path, node: NodeLayout) -> ProcessRecord:
    command = [find_cometbft(), "start", "--home", node.cometbft_home]
    return _spawn("cometbft", node, command, directory / node.name / "cometbft.log")


def wait_for_blocks(
    layout: TestnetLayout,
    height: int,
    timeout_s: float = START_TIMEOUT_S,
    records: list[ProcessRecord] | None = None,
) -> None:
    """Wait until every node reports at least `height`; fail early if a process died."""
    deadline = time.monotonic() + timeout_s
    pending = {node.name: node for node in layout.nodes}
    while pending:
        for record in records or []:
            if not _is_alive(record):
                log_file = Path(layout.directory) / record.node / f"{record.role}.log"
                raise TestnetError(f"{record.role} of {record.node} exited; see {log_file}")
        for name, node in list(pending.items()):
            try:
                info = rpc_call(node.rpc_url, "status", timeout_s=1.0)
                if int(info["sync_info"]["latest_block_height"]) >= height:
                    del pending[name]
            except (httpx.HTTPError, TestnetError, KeyError, ValueError):
                continue
        if pending and time.monotonic() > deadline:
            raise TestnetError(f"no block {height} within {timeout_s:.0f}s on {sorted(pending)}")
        if pending:
            time.sleep(0.2)


def rpc_call(
    rpc_url: str, method: str, params: Mapping[str, Any] | None = None, timeout_s: float = 10.0
) -> Any:
    """One CometBFT JSON-RPC call; returns `result` or raises TestnetError with the error."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": dict(params or {})}
    reply = httpx.post(rpc_url, json=body, timeout=timeout_s).json()
    if "error" in reply:
        raise TestnetError(f"{method}: {reply['error']}")
    return reply["result"]


def stop_processes(records: list[ProcessRecord], grace_s: float = STOP_GRACE_S) -> int:
    """SIGTERM the CometBFT processes, then the apps; SIGKILL whatever outlives `grace_s`.
    Only processes whose pid and start time still match are signalled."""
    stopped = 0
    for group in (
        [r for r in records if r.role == "cometbft"],
        [r for r in records if r.role != "cometbft"],
    ):
        live = [r for r in group if _is_alive(r)]
        stopped += len(live)
        for record in live:
            _signal(record, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while any(_is_alive(r) for r in live) and time.monotonic() < deadline:
            time.sleep(0.05)
        for record in live:
            _signal(record, signal.SIGKILL)
        for record in live:
            _reap(record)
    return stopped


def read_run_records(directory: Path) -> list[ProcessRecord]:
    path = directory / RUN_FILE
    if not path.is_file():
        return []
    return [ProcessRecord(**r) for r in json.loads(path.read_text(encoding="utf-8"))]


# ---- helpers --------------------------------------------------------------------------------


def _get_node(directory: Path, name: str) -> NodeLayout:
    layout = TestnetLayout.load(directory)
    node = next((n for n in layout.nodes if n.name == name), None)
    if node is None:
        names = ", ".join(n.name for n in layout.nodes)
        raise TestnetError(f"no node {name!r} in {directory} (nodes: {names})")
    return node


def _find_height(node: NodeLayout) -> int | None:
    """The node's CometBFT height, or None if its RPC does not answer."""
    try:
        status = rpc_call(node.rpc_url, "status", timeout_s=2.0)
        return int(status["sync_info"]["latest_block_height"])
    except (httpx.HTTPError, TestnetError, KeyError, ValueError):
        return None


def _spawn(role: str, node: NodeLayout, command: list[str], log_path: Path) -> ProcessRecord:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the shell does not reach the network
        )
    return ProcessRecord(role, node.name, process.pid, psutil.Process(process.pid).create_time())


def _save_run_records(directory: Path, records: list[ProcessRecord]) -> None:
    path = directory / RUN_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(r) for r in records], indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _is_alive(record: ProcessRecord) -> bool:
    try:
        process = psutil.Process(record.pid)
        return bool(
            abs(process.create_time() - record.started_at) < 0.01
            and process.status() != psutil.STATUS_ZOMBIE
        )
    except psutil.Error:
        return False


def _signal(record: ProcessRecord, sig: signal.Signals) -> None:
    if not _is_alive(record):  # never signal a recycled pid
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, sig)


def _reap(record: ProcessRecord) -> None:
    """Collect the exit status if the process is our child (avoids zombies in tests)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(record.pid, os.WNOHANG)


def _wait_for_port(port: int, timeout_s: float, record: ProcessRecord) -> None:
    """Wait until the app of `record` listens on `port` (fails at once if it exited)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if not _is_alive(record):
                raise TestnetError(f"the app of {record.node} exited; see its app.log") from None
            if time.monotonic() > deadline:
                raise TestnetError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.05)


def _check_ports_free(layout: TestnetLayout, api: bool) -> None:
    for node in layout.nodes:
        ports = [node.p2p_port, node.rpc_port, node.abci_port] + ([node.api_port] if api else [])
        for port in ports:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    raise TestnetError(
                        f"port {port} ({node.name}) is in use; pick another --base-port"
                    ) from None
