"""The chain a `bench run` suite runs on: start it, describe it, stop it.

`open_target(config, say)` is a context manager yielding a `ChainUnderTest`; everything it
started is stopped when the block ends, whatever happened:

- `http`: a temporary home whose genesis funds every transfer and query round's accounts, and
  `finchain node start` as a separate process on a free 127.0.0.1 port (solo engine), driven
  over REST (`HttpDriver`);
- `inprocess`: the same genesis, the application and the solo engine with its block thread
  inside the benchmark process, driven by direct calls (`InprocessDriver`); the node's CPU and
  memory are then the benchmark process's;
- `testnet`: `finchain testnet up` with N validators (an app and a CometBFT process each,
  bin/cometbft, free 127.0.0.1 ports) whose genesis funds `user0..` for the rounds, driven over
  every node's REST API round-robin.

Keys: the development organisations' (`pboc`, `bank-a`, `bank-b`, `bank-c`, ...) and, per round,
its accounts: funded ones for transfer and query rounds, fresh ones for clearing rounds (they
join the banks in the clearing set-up, `bench.workloads`).

Must never: listen or connect beyond 127.0.0.1; leave a process it started running.
Concurrency: synchronous; the yielded driver is used from one event loop.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finchain.app import Application, ChainParams, GenesisDoc
from finchain.bench.drivers import Driver, HttpDriver, InprocessDriver
from finchain.bench.http import find_free_port, wait_until_ready
from finchain.bench.inprocess import BENCH_CHAIN_ID, INITIAL_BALANCE
from finchain.bench.openloop import WatchedProcess
from finchain.bench.rounds import SuiteConfig
from finchain.crypto import PrivateKey, get_suite
from finchain.engine.solo import SoloConfig, SoloEngine
from finchain.node import testnet
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.testnet_config import COMETBFT_VERSION, find_free_base_port
from finchain.node.wiring import MODULES
from finchain.store import Database

STOP_TIMEOUT_S = 30.0
TESTNET_TIMEOUT_COMMIT = "200ms"
USER_KEY = re.compile(r"user(\d+)")


@dataclass(frozen=True, slots=True)
class ChainUnderTest:
    driver: Driver
    chain_id: str
    org_keys: dict[str, PrivateKey]
    round_keys: list[list[PrivateKey]]  # per round of the config, in order
    watched: list[WatchedProcess]  # node processes (role app / cometbft) and the client
    description: dict[str, Any] = field(default_factory=dict)  # target, nodes, engine, block


@contextlib.contextmanager
def open_target(
    config: SuiteConfig, say: Callable[[str], None] | None = None
) -> Iterator[ChainUnderTest]:
    """Start the chain `config.target` names, yield it, stop it."""
    progress = say or (lambda _: None)
    starters = {"http": _open_http_node, "inprocess": _open_inprocess, "testnet": _open_testnet}
    with starters[config.target](config, progress) as chain:
        yield chain


# ---- http: a solo node process ----------------------------------------------------------------


@contextlib.contextmanager
def _open_http_node(config: SuiteConfig, say: Callable[[str], None]) -> Iterator[ChainUnderTest]:
    org_keys, round_keys = _generate_keys(config)
    node_config = NodeConfig(
        api_host="127.0.0.1", api_port=find_free_port(), solo_max_block_txs=config.block_txs
    )
    with tempfile.TemporaryDirectory(prefix="finchain-bench-run-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        genesis = _make_genesis(config, org_keys, round_keys)
        (home / "genesis.json").write_text(json.dumps(genesis.to_json(), indent=2))
        save_node_config(home, node_config)
        say(f"starting a solo node on 127.0.0.1:{node_config.api_port} ...")
        log_path = Path(tmp) / "node.log"
        with log_path.open("wb") as log:  # a file, not a pipe: a full pipe would block the node
            node = subprocess.Popen(
                [sys.executable, "-m", "finchain.cli.main", "node", "start", "--home", str(home)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
        try:
            url = f"http://127.0.0.1:{node_config.api_port}"
            try:
                wait_until_ready(url, node)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}; node log: {log_path.read_text()[-2000:]}") from None
            yield ChainUnderTest(
                driver=HttpDriver([url]),
                chain_id=BENCH_CHAIN_ID,
                org_keys=org_keys,
                round_keys=round_keys,
                watched=[
                    WatchedProcess("node", "app", node.pid),
                    WatchedProcess("bench-client", "client", os.getpid()),
                ],
                description={
                    "target": "http",
                    "nodes": 1,
                    "engine": "solo (one node, separate process, REST API and WebSocket on "
                    "127.0.0.1)",
                    "block": _solo_block_settings(config, node_config),
                },
            )
        finally:
            _stop_node(node)


# ---- inprocess: the solo engine in this process -----------------------------------------------


@contextlib.contextmanager
def _open_inprocess(config: SuiteConfig, say: Callable[[str], None]) -> Iterator[ChainUnderTest]:
    org_keys, round_keys = _generate_keys(config)
    defaults = NodeConfig()  # the same block timing as a node started with default settings
    with tempfile.TemporaryDirectory(prefix="finchain-bench-run-") as tmp:
        say("opening the application and solo engine in this process ...")
        db = Database(Path(tmp) / "data")
        try:
            app = Application(db, MODULES)
            app.init_chain(_make_genesis(config, org_keys, round_keys))
            engine = SoloEngine(
                app,
                SoloConfig(
                    max_block_txs=config.block_txs,
                    block_interval_s=defaults.solo_block_interval_s,
                    empty_block_interval_s=defaults.solo_empty_block_interval_s,
                ),
            )
            engine.start()
            try:
                yield ChainUnderTest(
                    driver=InprocessDriver(engine, app, db),
                    chain_id=BENCH_CHAIN_ID,
                    org_keys=org_keys,
                    round_keys=round_keys,
                    watched=[WatchedProcess("bench (node and client)", "app", os.getpid())],
                    description={
                        "target": "inprocess",
                        "nodes": 1,
                        "engine": "solo (application and engine inside the benchmark process, "
                        "no HTTP; node CPU and RSS include the client)",
                        "block": _solo_block_settings(config, defaults),
                    },
                )
            finally:
                engine.stop()
        finally:
            db.close()


# ---- testnet: N CometBFT validators -----------------------------------------------------------


@contextlib.contextmanager
def _open_testnet(config: SuiteConfig, say: Callable[[str], None]) -> Iterator[ChainUnderTest]:
    with tempfile.TemporaryDirectory(prefix="finchain-bench-run-") as tmp:
        directory = Path(tmp) / "testnet"
        try:
            say(f"starting a {config.validators}-validator testnet in {directory} ...")
            layout = testnet.up(
                directory,
                config.validators,
                base_port=find_free_base_port(config.validators),
                crypto_suite=config.suite,
                users=max(2, config.funded_accounts),
                timeout_commit=TESTNET_TIMEOUT_COMMIT,
            )
            keys = testnet.load_test_keys(directory)
            users = [key for _, key in sorted(_user_keys(keys))]
            org_keys = {org: keys[org] for org, _, _ in DEV_ORGS}
            watched = [
                WatchedProcess(f"{r.node}/{r.role}", r.role, r.pid)
                for r in testnet.read_run_records(directory.resolve())
            ]
            yield ChainUnderTest(
                driver=HttpDriver([node.api_url for node in layout.nodes]),
                chain_id=layout.chain_id,
                org_keys=org_keys,
                round_keys=_assign_round_keys(config, users),
                watched=[*watched, WatchedProcess("bench-client", "client", os.getpid())],
                description={
                    "target": "testnet",
                    "nodes": len(layout.nodes),
                    "engine": f"CometBFT v{COMETBFT_VERSION} (bin/cometbft), "
                    f"{len(layout.nodes)} validators, an app and a CometBFT process per node "
                    "on 127.0.0.1, transactions round-robin over every node's REST API",
                    "block": {
                        "max_block_txs": ChainParams().max_block_txs,
                        "timeout_commit": TESTNET_TIMEOUT_COMMIT,
                        "timeout_propose": "1s",
                        "create_empty_blocks": True,
                        "mempool": "flood, size 100000, recheck on",
                    },
                },
            )
        finally:
            testnet.down(directory)


def _user_keys(keys: dict[str, PrivateKey]) -> list[tuple[int, PrivateKey]]:
    return [
        (int(match.group(1)), key)
        for name, key in keys.items()
        if (match := USER_KEY.fullmatch(name))
    ]


def _assign_round_keys(config: SuiteConfig, users: list[PrivateKey]) -> list[list[PrivateKey]]:
    """Consecutive funded `user<i>` keys for transfer and query rounds, fresh keys for clearing
    rounds."""
    suite = get_suite(config.suite)
    round_keys: list[list[PrivateKey]] = []
    position = 0
    for round_config in config.rounds:
        if round_config.workload == "clearing":
            round_keys.append([suite.generate_private_key() for _ in range(round_config.accounts)])
            continue
        round_keys.append(users[position : position + round_config.accounts])
        position += round_config.accounts
    return round_keys


# ---- helpers ----------------------------------------------------------------------------------


def _generate_keys(
    config: SuiteConfig,
) -> tuple[dict[str, PrivateKey], list[list[PrivateKey]]]:
    suite = get_suite(config.suite)
    org_keys = {org: suite.generate_private_key() for org, _, _ in DEV_ORGS}
    round_keys = [[suite.generate_private_key() for _ in range(r.accounts)] for r in config.rounds]
    return org_keys, round_keys


def _make_genesis(
    config: SuiteConfig, org_keys: dict[str, PrivateKey], round_keys: list[list[PrivateKey]]
) -> GenesisDoc:
    """The development genesis funding every transfer and query round's accounts."""
    suite = get_suite(config.suite)
    funded: dict[bytes, int] = {
        suite.address(key.public_key): INITIAL_BALANCE
        for round_config, keys in zip(config.rounds, round_keys, strict=True)
        if round_config.workload != "clearing"
        for key in keys
    }
    return make_dev_genesis(
        BENCH_CHAIN_ID,
        config.suite,
        {org: suite.address(key.public_key) for org, key in org_keys.items()},
        funded,
        genesis_time_ms=time.time_ns() // 1_000_000,
        params=ChainParams(max_block_txs=config.block_txs),
    )


def _solo_block_settings(config: SuiteConfig, node_config: NodeConfig) -> dict[str, Any]:
    return {
        "max_block_txs": config.block_txs,
        "solo_block_interval_s": node_config.solo_block_interval_s,
        "solo_empty_block_interval_s": node_config.solo_empty_block_interval_s,
    }


def _stop_node(node: subprocess.Popen[bytes]) -> None:
    if node.poll() is None:
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()
