"""Open-loop load at a fixed rate over several nodes' REST APIs, timed to commit by WebSocket.

One round: transaction k (pre-signed) is due `k / rate` seconds after the round starts. Senders
are spread over `lanes`; every lane belongs to one node and sends its due transactions with
`POST /v1/txs/batch` (`mode: "async"`) once per tick, one request in flight at a time, so a
sender's transactions reach its node in nonce order. A lane never waits for commits: if a request
is slow, the next one carries everything that fell due meanwhile (the schedule never slows down).
What is still unsent `send_grace_s` after the round's last due time is never sent (`client/
not_sent`): the nodes accepted transactions more slowly than the offered rate.
Each node's `/v1/ws?topics=blocks` stream stamps the moment that node reports a transaction's
block (with the receipt's code). A transaction's latency is that moment, as seen by the node it
was sent to, minus its scheduled send time: time a lane spent waiting for a slow node to accept
the previous request counts (no coordinated omission); `send_lag` says how late lanes sent.

Outcome of each transaction: rejected (not sent, HTTP error or per-item error), succeeded
(acknowledged and committed with code `ok` before the deadline), committed with another code, or
timed out.

Owns: the client side of one round (HTTP, WebSocket, per-process CPU/RSS sampling); the lane
scheduler (`drive_lane`) is shared with the in-process driver (`bench.drivers`).
Must never: start or stop node processes (see `bench.testnet`).
Concurrency: one asyncio loop; `run_round` is a coroutine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import connect

from finchain.bench.report import RoundResult, percentile

SAMPLE_INTERVAL_S = 0.5
REQUEST_TIMEOUT_S = 60.0
NOT_SENT = "client/not_sent"
WS_OPEN_TIMEOUT_S = 10.0
NOT_YET = math.inf


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """Pre-signed transactions of one round; `lanes[i]` sends to node `lane_nodes[i]` the
    indices `lanes[i]` (ascending, so in due order)."""

    rate: float
    raw_hex: list[str]
    hashes: list[str]
    lanes: list[list[int]]
    lane_nodes: list[int]

    def due_s(self, index: int) -> float:
        return index / self.rate

    @property
    def duration_s(self) -> float:
        return len(self.raw_hex) / self.rate


@dataclass(frozen=True, slots=True)
class WatchedProcess:
    """A process whose CPU and memory a round reports."""

    name: str
    role: str  # "app", "cometbft" or "client"
    pid: int


@dataclass(slots=True)
class RoundTrace:
    """What happened to each transaction of a plan; times are `time.perf_counter()` values."""

    node_of: list[int]
    sent_at: list[float]
    committed_at: list[float]
    errors: dict[int, str] = field(default_factory=dict)  # rejected at submission: error code
    codes: dict[int, str] = field(default_factory=dict)  # committed: receipt code
    processes: list[dict[str, Any]] = field(default_factory=list)
    started_at: float = 0.0
    send_phase_s: float = 0.0

    @staticmethod
    def empty(plan: RoundPlan) -> RoundTrace:
        node_of = [0] * len(plan.raw_hex)
        for lane, node in zip(plan.lanes, plan.lane_nodes, strict=True):
            for index in lane:
                node_of[index] = node
        count = len(plan.raw_hex)
        return RoundTrace(node_of, [NOT_YET] * count, [NOT_YET] * count)

    def is_acknowledged(self, index: int) -> bool:
        return self.sent_at[index] != NOT_YET and index not in self.errors

    def is_succeeded(self, index: int) -> bool:
        return self.is_acknowledged(index) and self.codes.get(index) == "ok"


async def run_round(
    plan: RoundPlan,
    api_urls: list[str],
    processes: list[WatchedProcess],
    *,
    tick_s: float = 0.02,
    max_batch: int = 1_000,
    send_grace_s: float = 2.0,
    commit_deadline_s: float = 30.0,
) -> RoundTrace:
    """Send the plan open loop and wait (at most `commit_deadline_s` after the last send) until
    every acknowledged transaction is seen committed."""
    trace = RoundTrace.empty(plan)
    index_of = {tx_hash: index for index, tx_hash in enumerate(plan.hashes)}
    limits = httpx.Limits(max_connections=len(plan.lanes) + 4)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        opened = [asyncio.Event() for _ in api_urls]
        watchers = [
            asyncio.create_task(_watch_commits(url, node, index_of, trace, opened[node]))
            for node, url in enumerate(api_urls)
        ]
        sampling: asyncio.Task[None] | None = None
        try:
            await asyncio.wait_for(
                asyncio.gather(*(event.wait() for event in opened)), WS_OPEN_TIMEOUT_S
            )
            sampler = ProcessSampler(processes)
            sampling = asyncio.create_task(sampler.run())
            trace.started_at = time.perf_counter()
            await asyncio.gather(
                *(
                    drive_lane(
                        plan,
                        lane,
                        trace,
                        _http_submitter(client, api_urls[node], plan, trace),
                        tick_s=tick_s,
                        max_batch=max_batch,
                        send_grace_s=send_grace_s,
                    )
                    for lane, node in zip(plan.lanes, plan.lane_nodes, strict=True)
                    if lane
                )
            )
            trace.send_phase_s = time.perf_counter() - trace.started_at
            trace.processes = sampler.finish()
            await wait_for_commits(trace, commit_deadline_s, watchers)
        finally:
            if sampling is not None:
                sampling.cancel()
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
    return trace


def summarize_round(
    plan: RoundPlan, trace: RoundTrace, *, name: str, target: str, suite: str, **settings: Any
) -> RoundResult:
    """The round's numbers: committed throughput over (last commit - first send), latency
    percentiles of the successful transactions, outcome counts, node resources."""
    count = len(plan.raw_hex)
    scheduled = [trace.started_at + plan.due_s(index) for index in range(count)]
    succeeded = [index for index in range(count) if trace.is_succeeded(index)]
    latencies = sorted(trace.committed_at[i] - scheduled[i] for i in succeeded)
    sent = [at for at in trace.sent_at if at != NOT_YET]
    window = max((trace.committed_at[i] for i in succeeded), default=0.0) - min(sent, default=0.0)
    lags = sorted(
        trace.sent_at[i] - scheduled[i] for i in range(count) if trace.sent_at[i] != NOT_YET
    )
    timed_out = sum(
        1 for index in range(count) if trace.is_acknowledged(index) and index not in trace.codes
    )
    last_send = max(sent, default=trace.started_at) - trace.started_at
    return RoundResult(
        name=name,
        target=target,
        suite=suite,
        submitted=count,
        succeeded=len(succeeded),
        failed=count - len(succeeded),
        duration_s=trace.send_phase_s,
        throughput_tps=len(succeeded) / window if succeeded and window > 0 else 0.0,
        latency_p50_s=percentile(latencies, 0.50),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=latencies[-1] if latencies else 0.0,
        settings={
            **settings,
            "rejection_codes": dict(Counter(trace.errors.values())),
            "committed_failure_codes": dict(
                Counter(
                    code
                    for index, code in trace.codes.items()
                    if code != "ok" and trace.is_acknowledged(index)
                )
            ),
        },
        offered_tps=plan.rate,
        send_tps=len(sent) / last_send if last_send > 0 else 0.0,
        send_lag_p99_s=percentile(lags, 0.99),
        rejected=len(trace.errors),
        timed_out=timed_out,
        latency_min_s=latencies[0] if latencies else 0.0,
        latency_p95_s=percentile(latencies, 0.95),
        processes=trace.processes,
    )


async def drive_lane(
    plan: RoundPlan,
    lane: list[int],
    trace: RoundTrace,
    submit: Callable[[list[int]], Awaitable[None]],
    *,
    tick_s: float = 0.02,
    max_batch: int = 1_000,
    send_grace_s: float = 2.0,
) -> None:
    """Send one lane's transactions on the plan's schedule: once per tick, everything due, with
    `submit(indices)` (which records per-item errors in `trace.errors`); one call at a time."""
    position = 0
    while position < len(lane):
        now = time.perf_counter() - trace.started_at
        if now > plan.duration_s + send_grace_s:
            trace.errors.update((index, NOT_SENT) for index in lane[position:])
            return
        first_due = plan.due_s(lane[position])
        if first_due > now:
            await asyncio.sleep(first_due - now)
            continue
        end = position
        while end < len(lane) and end - position < max_batch and plan.due_s(lane[end]) <= now:
            end += 1
        batch = lane[position:end]
        position = end
        sent = time.perf_counter()
        for index in batch:
            trace.sent_at[index] = sent
        await submit(batch)
        pause = sent + tick_s - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)


def _http_submitter(
    client: httpx.AsyncClient, api_url: str, plan: RoundPlan, trace: RoundTrace
) -> Callable[[list[int]], Awaitable[None]]:
    async def submit(batch: list[int]) -> None:
        await _submit(client, api_url, plan, batch, trace)

    return submit


async def _submit(
    client: httpx.AsyncClient, api_url: str, plan: RoundPlan, batch: list[int], trace: RoundTrace
) -> None:
    body = {"txs": [plan.raw_hex[index] for index in batch], "mode": "async"}
    try:
        reply = await client.post(f"{api_url}/v1/txs/batch", json=body)
    except httpx.HTTPError as exc:
        trace.errors.update((index, f"http/{type(exc).__name__}") for index in batch)
        return
    if reply.status_code != 200:
        trace.errors.update((index, f"http/{reply.status_code}") for index in batch)
        return
    results = reply.json().get("results", [])
    for position, index in enumerate(batch):
        result = results[position] if position < len(results) else {"error": {"code": "missing"}}
        if "error" in result:
            trace.errors[index] = str(result["error"].get("code", "unknown"))


async def _watch_commits(
    api_url: str, node: int, index_of: dict[str, int], trace: RoundTrace, opened: asyncio.Event
) -> None:
    """Stamp the transactions sent to `node` when that node reports their block."""
    ws_url = "ws" + api_url.removeprefix("http") + "/v1/ws?topics=blocks"
    # A block with thousands of receipts exceeds the library's default 1 MiB message limit.
    async with connect(ws_url, max_size=None, open_timeout=WS_OPEN_TIMEOUT_S) as websocket:
        opened.set()
        async for message in websocket:
            seen = time.perf_counter()
            data = json.loads(message)
            if data.get("type") != "block":
                continue
            for receipt in data["block"]["receipts"]:
                index = index_of.get(receipt["tx_hash"])
                if index is not None and trace.node_of[index] == node and index not in trace.codes:
                    trace.codes[index] = str(receipt["code"])
                    trace.committed_at[index] = seen


async def wait_for_commits(
    trace: RoundTrace, deadline_s: float, watchers: list[asyncio.Task[None]]
) -> None:
    """Until every acknowledged transaction has a code, or `deadline_s`; a commit stream that
    ends (a watcher task done) raises."""
    deadline = time.monotonic() + deadline_s
    pending = [index for index in range(len(trace.sent_at)) if trace.is_acknowledged(index)]
    while time.monotonic() < deadline:
        for watcher in watchers:
            if watcher.done():
                watcher.result()  # a broken stream raises here instead of timing out silently
                raise RuntimeError("a WebSocket stream ended during the round")
        pending = [index for index in pending if index not in trace.codes]
        if not pending:
            return
        await asyncio.sleep(0.1)


class ProcessSampler:
    """CPU time between start and `finish`, and the peak RSS sampled meanwhile, per process;
    plus one `machine` row: the busy time of every CPU (also other people's processes)."""

    def __init__(self, watched: list[WatchedProcess]) -> None:
        self._watched = watched
        self._handles = [psutil.Process(w.pid) for w in watched]
        self._cpu_start = [_cpu_seconds(h) for h in self._handles]
        self._machine_start = _machine_busy_seconds()
        self._rss_max = [0] * len(watched)
        self._started = time.monotonic()
        self._sample()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_INTERVAL_S)
            self._sample()

    def finish(self) -> list[dict[str, Any]]:
        self._sample()
        wall = max(time.monotonic() - self._started, 1e-9)
        rows = []
        for watched, handle, cpu_start, rss in zip(
            self._watched, self._handles, self._cpu_start, self._rss_max, strict=True
        ):
            cpu = _cpu_seconds(handle) - cpu_start
            rows.append(
                {
                    "name": watched.name,
                    "role": watched.role,
                    "pid": watched.pid,
                    "cpu_percent": round(100 * cpu / wall, 1),
                    "rss_max_mib": round(rss / 2**20, 1),
                }
            )
        machine = _machine_busy_seconds() - self._machine_start
        rows.append({"name": "machine", "role": "machine", "pid": 0, "rss_max_mib": 0.0})
        rows[-1]["cpu_percent"] = round(100 * machine / wall, 1)
        return rows

    def _sample(self) -> None:
        for position, handle in enumerate(self._handles):
            with contextlib.suppress(psutil.Error):
                self._rss_max[position] = max(self._rss_max[position], handle.memory_info().rss)


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    busy = ("user", "nice", "system", "irq", "softirq", "steal")  # guest time is inside user
    return float(sum(getattr(times, name, 0.0) for name in busy))


def _cpu_seconds(handle: psutil.Process) -> float:
    try:
        times = handle.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)
