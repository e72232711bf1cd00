"""Testnet benchmark: open-loop signed transfers at fixed rates on an N-validator CometBFT network.

`run_testnet_benchmark` starts a `finchain testnet` (real CometBFT and app processes on free
127.0.0.1 ports, in a temporary or given directory) or attaches to one already running there,
then for each rate:
  1. waits until every node's mempool is empty, and reads each sender's next nonce;
  2. signs `rate * duration` transfers between the funded `user<i>` accounts (untimed);
  3. sends them open loop at that rate, round-robin over every node's REST API, and times each
     transaction to its commit (`bench.openloop`);
  4. summarises the round (`RoundResult`) and keeps each transaction's outcome by hash.
A network it started is stopped (`testnet.down`) when the run ends, whatever happens; a network
it attached to is left running.

Sender i always goes through lane i % lanes, and lane l to node l % nodes, so every sender's
transactions reach one node, in nonce order.

Must never: stop processes it did not start; listen or connect beyond 127.0.0.1.
Concurrency: synchronous entry point; each run uses one asyncio loop of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from finchain.bench.inprocess import sender_and_recipient
from finchain.bench.openloop import (
    RoundPlan,
    RoundTrace,
    WatchedProcess,
    run_round,
    summarize_round,
)
from finchain.bench.report import RoundResult
from finchain.crypto import Address, PrivateKey, format_address, get_suite
from finchain.model import Transaction, sign_transaction
from finchain.modules.bank import Transfer
from finchain.node import testnet
from finchain.node.testnet_config import find_free_base_port

DEFAULT_RATES = (500, 1_000, 2_000, 4_000)
DEFAULT_USERS = 2_000
DRAIN_POLL_S = 0.25
USER_KEY = re.compile(r"user(\d+)")


@dataclass(frozen=True, slots=True)
class TestnetBenchSettings:
    __test__ = False  # not a pytest test class, despite the name
    validators: int = 4
    rates: tuple[int, ...] = DEFAULT_RATES
    duration_s: float = 30.0
    suite: str = "intl"
    users: int = DEFAULT_USERS  # funded senders of a network this run creates
    lanes_per_node: int = 2  # concurrent request streams per node
    tick_s: float = 0.02
    max_batch: int = 1_000  # transactions per request at most (CometBFT's RPC batch limit)
    send_grace_s: float = 2.0  # after the last due time; what is unsent then is never sent
    commit_deadline_s: float = 30.0  # after a round's last send
    timeout_commit: str = "200ms"
    directory: Path | None = None  # None: a temporary directory, removed afterwards


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    """Every transaction of one round by hash, grouped by what happened to it."""

    succeeded: tuple[str, ...]
    committed_failed: tuple[str, ...]
    rejected: tuple[str, ...]
    timed_out: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TestnetBenchRun:
    __test__ = False  # not a pytest test class, despite the name
    results: list[RoundResult]
    outcomes: list[RoundOutcome]
    network: dict[str, Any] = field(default_factory=dict)


def run_testnet_benchmark(
    settings: TestnetBenchSettings, progress: Callable[[str], None] | None = None
) -> TestnetBenchRun:
    """Run every rate of `settings` against a started (or already running) testnet."""
    say = progress or (lambda _: None)
    with contextlib.ExitStack() as stack:
        directory = settings.directory
        if directory is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="finchain-bench-"))
            directory = Path(tmp) / "testnet"
        running = count_running_processes(directory)
        attached = running > 0 and running == 2 * len(testnet.TestnetLayout.load(directory).nodes)
        if running and not attached:
            raise testnet.TestnetError(
                f"{directory} holds a partly running testnet; `finchain testnet down` it first"
            )
        if not attached:
            say(f"starting a {settings.validators}-validator testnet in {directory} ...")
            stack.callback(testnet.down, directory)  # also after a failed `up`
            testnet.up(
                directory,
                settings.validators,
                base_port=find_free_base_port(settings.validators),
                crypto_suite=settings.suite,
                users=settings.users,
                timeout_commit=settings.timeout_commit,
            )
        layout = testnet.TestnetLayout.load(directory.resolve())
        network = {
            "validators": len(layout.nodes),
            "chain_id": layout.chain_id,
            "crypto_suite": layout.crypto_suite,
            "attached": attached,
            "directory": str(directory),
        }
        run = asyncio.run(_run_rounds(directory, layout, settings, network, say))
    return run


def count_running_processes(directory: Path) -> int:
    """How many of the app and CometBFT processes of the testnet in `directory` run (0 if
    there is no testnet there)."""
    if not (directory / "testnet.json").is_file():
        return 0
    statuses = testnet.status(directory)
    return sum(int(s.app_running) + int(s.cometbft_running) for s in statuses)


def sign_round(
    chain_id: str,
    suite_name: str,
    keys: list[PrivateKey],
    nonces: list[int],
    count: int,
    memo: str = "",
) -> tuple[list[str], list[str], list[int]]:
    """`count` transfers round-robin over the senders (advancing `nonces`), each with `memo`:
    raw hex, hash hex, sender index of each."""
    suite = get_suite(suite_name)
    addresses = [Address(suite.address(key.public_key)) for key in keys]
    users = len(keys)
    raws, hashes, senders = [], [], []
    for index in range(count):
        sender, recipient = sender_and_recipient(index, users)
        tx = Transaction(
            chain_id,
            addresses[sender],
            nonces[sender],
            0,
            (Transfer(addresses[recipient], "CNY", 1 + index % 100),),
            memo,
        )
        nonces[sender] += 1
        signed = sign_transaction(tx, keys[sender], suite)
        raws.append(signed.raw.hex())
        hashes.append(signed.hash.hex())
        senders.append(sender)
    return raws, hashes, senders


def plan_round(
    rate: float, raws: list[str], hashes: list[str], senders: list[int], nodes: int, lanes: int
) -> RoundPlan:
    """Assign sender i to lane i % lanes and lane l to node l % nodes."""
    by_lane: list[list[int]] = [[] for _ in range(lanes)]
    for index, sender in enumerate(senders):
        by_lane[sender % lanes].append(index)
    return RoundPlan(rate, raws, hashes, by_lane, [lane % nodes for lane in range(lanes)])


def split_outcomes(plan: RoundPlan, trace: RoundTrace) -> RoundOutcome:
    groups: dict[str, list[str]] = {"ok": [], "failed": [], "rejected": [], "timeout": []}
    for index, tx_hash in enumerate(plan.hashes):
        if not trace.is_acknowledged(index):
            groups["rejected"].append(tx_hash)
        elif index not in trace.codes:
            groups["timeout"].append(tx_hash)
        else:
            groups["ok" if trace.codes[index] == "ok" else "failed"].append(tx_hash)
    return RoundOutcome(
        tuple(groups["ok"]),
        tuple(groups["failed"]),
        tuple(groups["rejected"]),
        tuple(groups["timeout"]),
    )


# ---- one run --------------------------------------------------------------------------------


async def _run_rounds(
    directory: Path,
    layout: testnet.TestnetLayout,
    settings: TestnetBenchSettings,
    network: dict[str, Any],
    say: Callable[[str], None],
) -> TestnetBenchRun:
    api_urls = [node.api_url for node in layout.nodes]
    keys = _load_user_keys(directory)
    lanes = max(1, settings.lanes_per_node) * len(api_urls)
    node_of_sender = [(sender % lanes) % len(api_urls) for sender in range(len(keys))]
    processes = [
        WatchedProcess(f"{r.node}/{r.role}", r.role, r.pid)
        for r in testnet.read_run_records(directory.resolve())
    ] + [WatchedProcess("bench-client", "client", os.getpid())]
    network = {**network, "users": len(keys), "lanes": lanes}
    results: list[RoundResult] = []
    outcomes: list[RoundOutcome] = []
    async with httpx.AsyncClient(timeout=30.0) as client:
        for rate in settings.rates:
            count = max(1, round(rate * settings.duration_s))
            leftover = await _wait_for_empty_mempools(client, api_urls, settings.commit_deadline_s)
            nonces = await _fetch_nonces(client, api_urls, keys, node_of_sender, layout)
            say(f"signing {count} transfers for {rate} tx/s ...")
            raws, hashes, senders = sign_round(
                layout.chain_id, layout.crypto_suite, keys, nonces, count
            )
            plan = plan_round(rate, raws, hashes, senders, len(api_urls), lanes)
            load_average = os.getloadavg()[0]
            say(f"sending {rate} tx/s for {settings.duration_s:g} s (load {load_average:.2f}) ...")
            trace = await run_round(
                plan,
                api_urls,
                processes,
                tick_s=settings.tick_s,
                max_batch=settings.max_batch,
                send_grace_s=settings.send_grace_s,
                commit_deadline_s=settings.commit_deadline_s,
            )
            results.append(
                summarize_round(
                    plan,
                    trace,
                    name=f"testnet/{len(api_urls)}v@{rate}",
                    target="cometbft",
                    suite=layout.crypto_suite,
                    validators=len(api_urls),
                    duration_s=settings.duration_s,
                    users=len(keys),
                    lanes=lanes,
                    tick_ms=round(settings.tick_s * 1000),
                    max_batch=settings.max_batch,
                    send_grace_s=settings.send_grace_s,
                    commit_deadline_s=settings.commit_deadline_s,
                    timeout_commit=settings.timeout_commit if not network["attached"] else None,
                    loadavg_1m_at_start=round(load_average, 2),
                    mempool_txs_at_start=leftover,
                    client="httpx (asyncio), POST /v1/txs/batch mode=async per lane and tick",
                )
            )
            outcomes.append(split_outcomes(plan, trace))
    return TestnetBenchRun(results, outcomes, network)


def _load_user_keys(directory: Path) -> list[PrivateKey]:
    """The funded `user<i>` keys of the testnet, by index."""
    keys = testnet.load_test_keys(directory)
    users = sorted(
        (int(match.group(1)), key)
        for name, key in keys.items()
        if (match := USER_KEY.fullmatch(name))
    )
    if len(users) < 2:
        raise testnet.TestnetError(f"{directory} has fewer than two funded user<i> keys")
    return [key for _, key in users]


async def _fetch_nonces(
    client: httpx.AsyncClient,
    api_urls: list[str],
    keys: list[PrivateKey],
    node_of_sender: list[int],
    layout: testnet.TestnetLayout,
) -> list[int]:
    """Each sender's next nonce (counting its mempool transactions) from the node it uses."""
    suite = get_suite(layout.crypto_suite)
    limit = asyncio.Semaphore(16)

    async def fetch(sender: int) -> int:
        address = format_address(suite.address(keys[sender].public_key))
        async with limit:
            reply = await client.get(f"{api_urls[node_of_sender[sender]]}/v1/accounts/{address}")
        reply.raise_for_status()
        return int(reply.json()["pending_nonce"])

    return list(await asyncio.gather(*(fetch(sender) for sender in range(len(keys)))))


async def _wait_for_empty_mempools(
    client: httpx.AsyncClient, api_urls: list[str], timeout_s: float
) -> int:
    """Wait (at most `timeout_s`) until no node holds pending transactions; returns how many
    were still pending in total when it stopped waiting."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        sizes = [
            int((await client.get(f"{url}/v1/status")).json()["mempool_size"]) for url in api_urls
        ]
        if sum(sizes) == 0 or asyncio.get_running_loop().time() > deadline:
            return sum(sizes)
        await asyncio.sleep(DRAIN_POLL_S)
