"""`finchain bench run`: rounds (YAML or preset) against a real solo node over HTTP.

`run_suite` story:
  1. generate the keys of every round (each round has accounts of its own, nonces from 0) and
     write a temporary home whose genesis funds them all;
  2. start `finchain node start` as a separate process on a free 127.0.0.1 port;
  3. for each round: wait for an empty mempool, pre-sign its transfers (untimed), run its rate
     controller, summarise it (`RoundResult`) and keep each transfer's outcome by hash and a
     per-transaction time series for the plots;
  4. call `inspect_chain(api_url, run)` if given (tests check the report against the live
     chain);
  5. stop the node (SIGTERM, then kill) in `finally`, whatever happened.

Rate controllers:
- `fixed-rate` (transfers): `bench.openloop.run_round`, open loop, latency from the scheduled
  send to the node's WebSocket commit event;
- `linear-ramp` (transfers): the same sender with a schedule whose rate grows linearly;
- `max-rate` (transfers): K clients, each `POST /v1/txs` (`mode: commit`) and waiting for the
  receipt before the next, for `duration_s` (or until the pre-signed pool runs out);
- reads (`query` workload): `GET /v1/accounts/{addr}`, open loop on the same schedules (latency
  from the scheduled time to the answer) or closed loop with K clients.

Must never: listen or connect beyond 127.0.0.1; leave the node it started running.
Concurrency: synchronous entry point; the rounds run on one asyncio loop of their own.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from finchain.app import ChainParams
from finchain.bench.http import find_free_port, wait_until_ready
from finchain.bench.inprocess import BENCH_CHAIN_ID, INITIAL_BALANCE
from finchain.bench.openloop import (
    NOT_YET,
    ProcessSampler,
    RoundPlan,
    WatchedProcess,
    run_round,
    summarize_round,
)
from finchain.bench.report import RoundResult, describe_machine, percentile
from finchain.bench.rounds import RoundConfig, SuiteConfig
from finchain.bench.testnet import RoundOutcome, plan_round, sign_round, split_outcomes
from finchain.crypto import Address, PrivateKey, format_address, get_suite
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis

LANES = 2  # concurrent open-loop request streams to the node
COMMIT_DEADLINE_S = 20.0  # after a round's last send
DRAIN_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
TARGET = "node+http"


@dataclass(frozen=True, slots=True)
class RoundSeries:
    """Successful transactions (or reads) of one round, seconds from the round's start: when
    each was committed (answered) and its latency; and when each request was sent."""

    done_at_s: list[float]
    latency_s: list[float]
    sent_at_s: list[float]


@dataclass(frozen=True, slots=True)
class SuiteRun:
    results: list[RoundResult]
    outcomes: list[RoundOutcome | None]  # transfer rounds: every transaction by hash
    series: list[RoundSeries]
    environment: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RampPlan(RoundPlan):
    """A `RoundPlan` whose rate grows linearly from `start_tps` to `end_tps` over `ramp_s`:
    transaction k is due when the integrated rate reaches k."""

    start_tps: float = 0.0
    end_tps: float = 0.0
    ramp_s: float = 0.0

    def due_s(self, index: int) -> float:
        return compute_ramp_due_s(index, self.start_tps, self.end_tps, self.ramp_s)

    @property
    def duration_s(self) -> float:
        return self.ramp_s


def compute_ramp_due_s(index: int, start_tps: float, end_tps: float, ramp_s: float) -> float:
    """Solve start*t + (end-start)*t^2/(2*ramp) = index for t (the linear ramp's schedule)."""
    slope = (end_tps - start_tps) / ramp_s
    if abs(slope) < 1e-12:
        return index / start_tps
    return (-start_tps + math.sqrt(start_tps**2 + 2 * slope * index)) / slope


def run_suite(
    config: SuiteConfig,
    progress: Callable[[str], None] | None = None,
    inspect_chain: Callable[[str, SuiteRun], None] | None = None,
) -> SuiteRun:
    """Start a solo node, run every round of `config` against it, stop it."""
    say = progress or (lambda _: None)
    suite = get_suite(config.suite)
    keys = [[suite.generate_private_key() for _ in range(r.accounts)] for r in config.rounds]
    funded: dict[bytes, int] = {
        suite.address(key.public_key): INITIAL_BALANCE for ks in keys for key in ks
    }
    orgs = {org: suite.address(suite.generate_private_key().public_key) for org, _, _ in DEV_ORGS}
    genesis = make_dev_genesis(
        BENCH_CHAIN_ID,
        config.suite,
        orgs,
        funded,
        genesis_time_ms=time.time_ns() // 1_000_000,
        params=ChainParams(max_block_txs=config.block_txs),
    )
    node_config = NodeConfig(
        api_host="127.0.0.1", api_port=find_free_port(), solo_max_block_txs=config.block_txs
    )
    environment = {
        "machine": describe_machine(),
        "config": config.label,
        "engine": "solo (one node, separate process, REST API and WebSocket on 127.0.0.1)",
        "chain_id": BENCH_CHAIN_ID,
        "crypto_suite": config.suite,
        "block": {
            "max_block_txs": config.block_txs,
            "solo_block_interval_s": node_config.solo_block_interval_s,
            "solo_empty_block_interval_s": node_config.solo_empty_block_interval_s,
        },
        "funded_accounts": len(funded),
        "rounds": [{"name": r.name, **r.describe()} for r in config.rounds],
    }
    with tempfile.TemporaryDirectory(prefix="finchain-bench-run-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
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
            watched = [
                WatchedProcess("node", "app", node.pid),
                WatchedProcess("bench-client", "client", os.getpid()),
            ]
            run = asyncio.run(_run_rounds(url, config, keys, watched, say))
            if inspect_chain is not None:
                inspect_chain(url, run)
        finally:
            _stop_node(node)
    return replace(run, environment=environment)


# ---- the rounds -------------------------------------------------------------------------------


async def _run_rounds(
    url: str,
    config: SuiteConfig,
    keys: list[list[PrivateKey]],
    watched: list[WatchedProcess],
    say: Callable[[str], None],
) -> SuiteRun:
    results: list[RoundResult] = []
    outcomes: list[RoundOutcome | None] = []
    series: list[RoundSeries] = []
    for round_config, round_keys in zip(config.rounds, keys, strict=True):
        leftover = await _wait_for_empty_mempool(url)
        say(f"round {round_config.name}: {_describe(round_config)} ...")
        if round_config.workload == "transfer" and round_config.rate_control != "max-rate":
            result, outcome, one_series = await _run_open_transfers(
                url, config, round_config, round_keys, watched
            )
        elif round_config.workload == "transfer":
            result, outcome, one_series = await _run_closed_transfers(
                url, config, round_config, round_keys, watched
            )
        else:
            outcome = None
            result, one_series = await _run_queries(url, config, round_config, round_keys, watched)
        settings = {**result.settings, "mempool_txs_at_start": leftover}
        results.append(replace(result, settings=settings))
        outcomes.append(outcome)
        series.append(one_series)
    return SuiteRun(results, outcomes, series)


async def _run_open_transfers(
    url: str,
    config: SuiteConfig,
    round_config: RoundConfig,
    keys: list[PrivateKey],
    watched: list[WatchedProcess],
) -> tuple[RoundResult, RoundOutcome, RoundSeries]:
    count = round_config.scheduled_count
    raws, hashes, senders = sign_round(BENCH_CHAIN_ID, config.suite, keys, [0] * len(keys), count)
    plan = plan_round(round_config.tps or 1.0, raws, hashes, senders, 1, LANES)
    if round_config.rate_control == "linear-ramp":
        plan = RampPlan(
            rate=count / round_config.duration_s,
            raw_hex=plan.raw_hex,
            hashes=plan.hashes,
            lanes=plan.lanes,
            lane_nodes=plan.lane_nodes,
            start_tps=round_config.start_tps,
            end_tps=round_config.end_tps,
            ramp_s=round_config.duration_s,
        )
    trace = await run_round(plan, [url], watched, commit_deadline_s=COMMIT_DEADLINE_S)
    result = summarize_round(
        plan,
        trace,
        name=round_config.name,
        target=TARGET,
        suite=config.suite,
        **round_config.describe(),
        lanes=LANES,
        client="httpx (asyncio), POST /v1/txs/batch mode=async per lane and tick",
    )
    succeeded = [i for i in range(count) if trace.is_succeeded(i)]
    latencies = [trace.committed_at[i] - trace.started_at - plan.due_s(i) for i in succeeded]
    series = RoundSeries(
        done_at_s=[trace.committed_at[i] - trace.started_at for i in succeeded],
        latency_s=latencies,
        sent_at_s=[at - trace.started_at for at in trace.sent_at if at != NOT_YET],
    )
    result = replace(result, latency_avg_s=_mean(latencies))
    return result, split_outcomes(plan, trace), series


@dataclass(slots=True)
class _Request:
    """One closed-loop transaction or one read: times from `time.perf_counter()`."""

    key: str  # transaction hash, or the account read
    scheduled: float
    sent: float = NOT_YET
    done: float = NOT_YET
    code: str = ""  # "ok", a receipt or error code, or "" (no answer)


async def _run_closed_transfers(
    url: str,
    config: SuiteConfig,
    round_config: RoundConfig,
    keys: list[PrivateKey],
    watched: list[WatchedProcess],
) -> tuple[RoundResult, RoundOutcome, RoundSeries]:
    raws, hashes, senders = sign_round(
        BENCH_CHAIN_ID, config.suite, keys, [0] * len(keys), round_config.max_txs
    )
    clients = round_config.clients
    # Sender s belongs to client s % clients, so each sender's nonces arrive in order.
    queues: list[list[int]] = [[] for _ in range(clients)]
    for index, sender in enumerate(senders):
        queues[sender % clients].append(index)
    requests: list[_Request] = []

    async def client_loop(client: httpx.AsyncClient, queue: list[int], until: float) -> None:
        for index in queue:
            if time.perf_counter() >= until:
                return
            request = _Request(hashes[index], scheduled=time.perf_counter())
            request.sent = request.scheduled
            requests.append(request)
            try:
                reply = await client.post(
                    f"{url}/v1/txs", json={"tx": raws[index], "mode": "commit"}
                )
            except httpx.HTTPError as exc:
                request.code = f"http/{type(exc).__name__}"
                continue
            body = reply.json()
            if reply.status_code != 200:
                request.code = str(body.get("error", {}).get("code", f"http/{reply.status_code}"))
                continue
            receipt = body.get("receipt")
            if receipt is not None:
                request.done = time.perf_counter()
                request.code = str(receipt.get("code"))

    started, send_phase = await _sampled(
        watched,
        lambda client, until: [client_loop(client, q, until) for q in queues],
        round_config,
    )
    result, series = _summarize_requests(
        requests, started, send_phase[0], round_config, config, send_phase[1], "commit"
    )
    ok = {r.key for r in requests if r.code == "ok" and r.done != NOT_YET}
    committed_failed = tuple(
        r.key for r in requests if r.code not in ("", "ok") and r.done != NOT_YET
    )
    rejected = tuple(r.key for r in requests if r.done == NOT_YET and r.code)
    timed_out = tuple(r.key for r in requests if r.done == NOT_YET and not r.code)
    outcome = RoundOutcome(
        tuple(h for h in hashes if h in ok), committed_failed, rejected, timed_out
    )
    return result, outcome, series


async def _run_queries(
    url: str,
    config: SuiteConfig,
    round_config: RoundConfig,
    keys: list[PrivateKey],
    watched: list[WatchedProcess],
) -> tuple[RoundResult, RoundSeries]:
    suite = get_suite(config.suite)
    addresses = [format_address(Address(suite.address(key.public_key))) for key in keys]
    requests: list[_Request] = []

    async def read(client: httpx.AsyncClient, request: _Request) -> None:
        request.sent = time.perf_counter()
        try:
            reply = await client.get(f"{url}/v1/accounts/{request.key}")
        except httpx.HTTPError as exc:
            request.code = f"http/{type(exc).__name__}"
            return
        request.done = time.perf_counter()
        request.code = "ok" if reply.status_code == 200 else f"http/{reply.status_code}"

    async def open_loop(client: httpx.AsyncClient, until: float) -> None:
        count = round_config.scheduled_count
        start = time.perf_counter()
        tasks = []
        for index in range(count):
            if round_config.rate_control == "fixed-rate":
                due = index / round_config.tps
            else:
                due = compute_ramp_due_s(
                    index, round_config.start_tps, round_config.end_tps, round_config.duration_s
                )
            delay = start + due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            request = _Request(addresses[index % len(addresses)], scheduled=start + due)
            requests.append(request)
            tasks.append(asyncio.create_task(read(client, request)))
        await asyncio.wait_for(asyncio.gather(*tasks), COMMIT_DEADLINE_S)

    async def closed_loop(client: httpx.AsyncClient, offset: int, until: float) -> None:
        position = offset
        while time.perf_counter() < until:
            request = _Request(addresses[position % len(addresses)], time.perf_counter())
            position += round_config.clients
            requests.append(request)
            await read(client, request)

    def drivers(client: httpx.AsyncClient, until: float) -> list[Awaitable[None]]:
        if round_config.rate_control == "max-rate":
            return [closed_loop(client, c, until) for c in range(round_config.clients)]
        return [open_loop(client, until)]

    started, send_phase = await _sampled(watched, drivers, round_config)
    return _summarize_requests(
        requests, started, send_phase[0], round_config, config, send_phase[1], "answer"
    )


async def _sampled(
    watched: list[WatchedProcess],
    drivers: Callable[[httpx.AsyncClient, float], list[Awaitable[None]]],
    round_config: RoundConfig,
) -> tuple[float, tuple[float, list[dict[str, Any]]]]:
    """Run the drivers for the round's duration with CPU/RSS sampling; returns the start time,
    the sending phase's length and the process rows."""
    limits = httpx.Limits(max_connections=max(64, round_config.clients + 4))
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        sampler = ProcessSampler(watched)
        sampling = asyncio.create_task(sampler.run())
        try:
            started = time.perf_counter()
            await asyncio.gather(*drivers(client, started + round_config.duration_s))
            send_phase = time.perf_counter() - started
            rows = sampler.finish()
        finally:
            sampling.cancel()
    return started, (send_phase, rows)


def _summarize_requests(
    requests: list[_Request],
    started: float,
    send_phase_s: float,
    round_config: RoundConfig,
    config: SuiteConfig,
    processes: list[dict[str, Any]],
    done_word: str,
) -> tuple[RoundResult, RoundSeries]:
    """Closed-loop rounds and reads: the same numbers `openloop.summarize_round` gives."""
    ok = [r for r in requests if r.code == "ok" and r.done != NOT_YET]
    latencies = sorted(r.done - r.scheduled for r in ok)
    sent = [r.sent for r in requests if r.sent != NOT_YET]
    window = max((r.done for r in ok), default=0.0) - min(sent, default=0.0)
    last_send = max(sent, default=started) - started
    rejected = [r for r in requests if r.done == NOT_YET and r.code]
    timed_out = [r for r in requests if r.done == NOT_YET and not r.code]
    offered = None
    if round_config.rate_control != "max-rate":
        offered = round_config.scheduled_count / round_config.duration_s
    result = RoundResult(
        name=round_config.name,
        target=TARGET,
        suite=config.suite,
        submitted=len(requests),
        succeeded=len(ok),
        failed=len(requests) - len(ok),
        duration_s=send_phase_s,
        throughput_tps=len(ok) / window if ok and window > 0 else 0.0,
        latency_p50_s=percentile(latencies, 0.50),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=latencies[-1] if latencies else 0.0,
        settings={
            **round_config.describe(),
            "latency": f"{'scheduled' if offered else 'request'} send to {done_word}",
            "rejection_codes": dict(Counter(r.code for r in rejected)),
            "committed_failure_codes": dict(
                Counter(r.code for r in requests if r.done != NOT_YET and r.code != "ok")
            ),
        },
        offered_tps=offered,
        send_tps=len(sent) / last_send if last_send > 0 else 0.0,
        send_lag_p99_s=percentile(sorted(r.sent - r.scheduled for r in requests), 0.99),
        rejected=len(rejected),
        timed_out=len(timed_out),
        latency_min_s=latencies[0] if latencies else 0.0,
        latency_p95_s=percentile(latencies, 0.95),
        processes=processes,
        latency_avg_s=_mean(latencies),
    )
    series = RoundSeries(
        done_at_s=[r.done - started for r in ok],
        latency_s=[r.done - r.scheduled for r in ok],
        sent_at_s=[s - started for s in sent],
    )
    return result, series


# ---- helpers ----------------------------------------------------------------------------------


async def _wait_for_empty_mempool(url: str) -> int:
    """Wait (at most `DRAIN_TIMEOUT_S`) until the node holds no pending transactions; returns
    how many were pending when it stopped waiting."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
        while True:
            size = int((await client.get(f"{url}/v1/status")).json()["mempool_size"])
            if size == 0 or time.monotonic() > deadline:
                return size
            await asyncio.sleep(0.1)


def _stop_node(node: subprocess.Popen[bytes]) -> None:
    if node.poll() is None:
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()


def _describe(round_config: RoundConfig) -> str:
    return ", ".join(f"{k}={v}" for k, v in round_config.describe().items())


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
