"""`finchain bench run`: rounds (YAML or preset) against a chain it starts, then stops.

`run_suite` story:
  1. start the chain the config targets (`bench.targets`: a solo node over HTTP, the solo
     engine in process, or an N-validator CometBFT testnet) with every round's accounts;
  2. the untimed set-ups (`bench.workloads`), every transaction ok: for clearing rounds,
     settlement accounts opened and funded and round accounts joined to the banks; for contract
     rounds, a token deployed per round and shared among the round's accounts;
  3. for each round: wait for empty mempools, pre-sign its transactions (untimed), run its rate
     controller, summarise it (`RoundResult`) and keep each transaction's outcome by hash and a
     per-transaction time series for the plots;
  4. call `inspect_chain(chain, run)` if given (tests check the report against the live chain);
  5. stop everything it started, whatever happened.

Rate controllers (the same for every target; `bench.drivers` reaches the chain):
- `fixed-rate` (transactions): the open-loop lane sender of `bench.openloop`, latency from the
  scheduled send to the commit seen by the node it was sent to;
- `linear-ramp` (transactions): the same sender with a schedule whose rate grows linearly;
- `max-rate` (transactions): K clients, each submitting one transaction and waiting for its
  receipt before the next, for `duration_s` (or until the pre-signed pool runs out);
- reads (`query` workload): one account read each, open loop on the same schedules (latency from
  the scheduled time to the answer) or closed loop with K clients.

Must never: listen or connect beyond 127.0.0.1; leave a process it started running.
Concurrency: synchronous entry point; the rounds run on one asyncio loop of their own.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from finchain.bench.openloop import (
    NOT_YET,
    ProcessSampler,
    RoundPlan,
    summarize_round,
)
from finchain.bench.report import RoundResult, describe_machine, percentile
from finchain.bench.rounds import RoundConfig, SuiteConfig
from finchain.bench.targets import ChainUnderTest, open_target
from finchain.bench.testnet import RoundOutcome, plan_round, split_outcomes
from finchain.bench.workloads import (
    SignedRound,
    sign_clearing_setup,
    sign_contract_setup,
    sign_round_txs,
)
from finchain.crypto import Address, PrivateKey, format_address, get_suite

LANES_PER_NODE = 2  # concurrent open-loop request streams to each node
COMMIT_DEADLINE_S = 20.0  # after a round's last send
DRAIN_TIMEOUT_S = 30.0


class SuiteSetupError(RuntimeError):
    """The untimed set-up of a suite failed on the chain (a set-up transaction not ok)."""


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
    outcomes: list[RoundOutcome | None]  # transaction rounds: every transaction by hash
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
    inspect_chain: Callable[[ChainUnderTest, SuiteRun], None] | None = None,
) -> SuiteRun:
    """Start the target chain, run every round of `config` against it, stop it."""
    say = progress or (lambda _: None)
    with open_target(config, say) as chain:
        environment = {
            "machine": describe_machine(),
            **chain.description,
            "config": config.label,
            "chain_id": chain.chain_id,
            "crypto_suite": config.suite,
            "funded_accounts": config.funded_accounts,
            "client": chain.driver.description,
            "rounds": [{"name": r.name, **r.describe()} for r in config.rounds],
        }
        run = asyncio.run(_run_rounds(chain, config, say))
        if inspect_chain is not None:
            inspect_chain(chain, run)
    return replace(run, environment=environment)


# ---- the rounds -------------------------------------------------------------------------------


async def _run_rounds(
    chain: ChainUnderTest, config: SuiteConfig, say: Callable[[str], None]
) -> SuiteRun:
    results: list[RoundResult] = []
    outcomes: list[RoundOutcome | None] = []
    series: list[RoundSeries] = []
    await chain.driver.open()
    try:
        await _set_up_clearing(chain, config, say)
        await _set_up_contracts(chain, config, say)
        first_number = 0  # clearing message ids never repeat on the chain
        for round_config, round_keys in zip(config.rounds, chain.round_keys, strict=True):
            leftover = await _wait_for_empty_mempool(chain)
            say(f"round {round_config.name}: {_describe(round_config)} ...")
            outcome: RoundOutcome | None = None
            if round_config.is_signed and round_config.rate_control != "max-rate":
                count = round_config.scheduled_count
                signed = _sign(chain, config, round_config, round_keys, count, first_number)
                result, outcome, one_series = await _run_open_round(
                    chain, config, round_config, signed
                )
            elif round_config.is_signed:
                count = round_config.max_txs
                signed = _sign(chain, config, round_config, round_keys, count, first_number)
                result, outcome, one_series = await _run_closed_round(
                    chain, config, round_config, signed
                )
            else:
                count = 0
                result, one_series = await _run_queries(chain, config, round_config, round_keys)
            first_number += count
            settings = {**result.settings, "mempool_txs_at_start": leftover}
            results.append(replace(result, settings=settings))
            outcomes.append(outcome)
            series.append(one_series)
    finally:
        await chain.driver.close()
    return SuiteRun(results, outcomes, series)


async def _set_up_clearing(
    chain: ChainUnderTest, config: SuiteConfig, say: Callable[[str], None]
) -> None:
    """Untimed: settlement accounts opened and funded, clearing round accounts joined to the
    banks; every set-up transaction must commit with `ok`."""
    clearing_keys = _keys_of(chain, config, "clearing")
    if not clearing_keys:
        return
    say("clearing set-up: opening and funding the banks' settlement accounts ...")
    raws = sign_clearing_setup(chain.chain_id, config.suite, chain.org_keys, clearing_keys)
    await _execute_setup(chain, raws, "clearing")


async def _set_up_contracts(
    chain: ChainUnderTest, config: SuiteConfig, say: Callable[[str], None]
) -> None:
    """Untimed: a token deployed per contract round and shared among its accounts."""
    contract_keys = _keys_of(chain, config, "contract")
    if not contract_keys:
        return
    say(f"contract set-up: deploying {len(contract_keys)} token(s) and sharing them out ...")
    raws = sign_contract_setup(chain.chain_id, config.suite, contract_keys)
    await _execute_setup(chain, raws, "contract")


async def _execute_setup(chain: ChainUnderTest, raws: list[bytes], what: str) -> None:
    codes = await chain.driver.execute(raws)
    failed = [code for code in codes if code != "ok"]
    if failed or len(codes) != len(raws):
        raise SuiteSetupError(f"{what} set-up failed: {failed or 'missing receipts'}")


def _sign(
    chain: ChainUnderTest,
    config: SuiteConfig,
    round_config: RoundConfig,
    keys: list[PrivateKey],
    count: int,
    first_number: int,
) -> SignedRound:
    return sign_round_txs(
        chain.chain_id,
        config.suite,
        round_config.workload,
        keys,
        count,
        seed=round_config.name,
        first_number=first_number,
        token_sequence=_find_contract_sequence(config, round_config),
        memo=round_config.memo,
    )


def _find_contract_sequence(config: SuiteConfig, round_config: RoundConfig) -> int:
    """The set-up deploys one token per contract round, in round order."""
    contract_rounds = [r.name for r in config.rounds if r.workload == "contract"]
    return contract_rounds.index(round_config.name) if round_config.name in contract_rounds else 0


async def _run_open_round(
    chain: ChainUnderTest,
    config: SuiteConfig,
    round_config: RoundConfig,
    signed: SignedRound,
) -> tuple[RoundResult, RoundOutcome, RoundSeries]:
    raws, hashes, senders = signed
    nodes = int(chain.description.get("nodes", 1))
    lanes = LANES_PER_NODE * nodes
    plan = plan_round(round_config.tps or 1.0, raws, hashes, senders, nodes, lanes)
    if round_config.rate_control == "linear-ramp":
        plan = RampPlan(
            rate=len(raws) / round_config.duration_s,
            raw_hex=plan.raw_hex,
            hashes=plan.hashes,
            lanes=plan.lanes,
            lane_nodes=plan.lane_nodes,
            start_tps=round_config.start_tps,
            end_tps=round_config.end_tps,
            ramp_s=round_config.duration_s,
        )
    trace = await chain.driver.run_open_round(plan, chain.watched, COMMIT_DEADLINE_S)
    result = summarize_round(
        plan,
        trace,
        name=round_config.name,
        target=config.target,
        suite=config.suite,
        **round_config.describe(),
        lanes=lanes,
    )
    succeeded = [i for i in range(len(raws)) if trace.is_succeeded(i)]
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


async def _run_closed_round(
    chain: ChainUnderTest,
    config: SuiteConfig,
    round_config: RoundConfig,
    signed: SignedRound,
) -> tuple[RoundResult, RoundOutcome, RoundSeries]:
    raws_hex, hashes, senders = signed
    raws = [bytes.fromhex(raw) for raw in raws_hex]
    clients = round_config.clients
    # Sender s belongs to client s % clients, so each sender's nonces arrive in order.
    queues: list[list[int]] = [[] for _ in range(clients)]
    for index, sender in enumerate(senders):
        queues[sender % clients].append(index)
    requests: list[_Request] = []

    async def client_loop(client: int, queue: list[int], until: float) -> None:
        for index in queue:
            if time.perf_counter() >= until:
                return
            request = _Request(hashes[index], scheduled=time.perf_counter())
            request.sent = request.scheduled
            requests.append(request)
            request.code, committed = await chain.driver.submit_and_wait(client, raws[index])
            if committed:
                request.done = time.perf_counter()

    started, send_phase = await _sampled(
        chain,
        lambda until: [client_loop(c, q, until) for c, q in enumerate(queues)],
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
    chain: ChainUnderTest,
    config: SuiteConfig,
    round_config: RoundConfig,
    keys: list[PrivateKey],
) -> tuple[RoundResult, RoundSeries]:
    suite = get_suite(config.suite)
    addresses = [format_address(Address(suite.address(key.public_key))) for key in keys]
    requests: list[_Request] = []

    async def read(reader: int, request: _Request) -> None:
        request.sent = time.perf_counter()
        request.code, answered = await chain.driver.read_account(reader, request.key)
        if answered:
            request.done = time.perf_counter()  # an error answer is answered, not a success

    async def open_loop(until: float) -> None:
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
            tasks.append(asyncio.create_task(read(index, request)))
        await asyncio.wait_for(asyncio.gather(*tasks), COMMIT_DEADLINE_S)

    async def closed_loop(offset: int, until: float) -> None:
        position = offset
        while time.perf_counter() < until:
            request = _Request(addresses[position % len(addresses)], time.perf_counter())
            position += round_config.clients
            requests.append(request)
            await read(offset, request)

    def drivers(until: float) -> list[Awaitable[None]]:
        if round_config.rate_control == "max-rate":
            return [closed_loop(c, until) for c in range(round_config.clients)]
        return [open_loop(until)]

    started, send_phase = await _sampled(chain, drivers, round_config)
    return _summarize_requests(
        requests, started, send_phase[0], round_config, config, send_phase[1], "answer"
    )


async def _sampled(
    chain: ChainUnderTest,
    drivers: Callable[[float], list[Awaitable[None]]],
    round_config: RoundConfig,
) -> tuple[float, tuple[float, list[dict[str, Any]]]]:
    """Run the drivers for the round's duration with CPU/RSS sampling; returns the start time,
    the sending phase's length and the process rows."""
    sampler = ProcessSampler(chain.watched)
    sampling = asyncio.create_task(sampler.run())
    try:
        started = time.perf_counter()
        await asyncio.gather(*drivers(started + round_config.duration_s))
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
        target=config.target,
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


async def _wait_for_empty_mempool(chain: ChainUnderTest) -> int:
    """Wait (at most `DRAIN_TIMEOUT_S`) until no node holds pending transactions; returns how
    many were pending when it stopped waiting."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while True:
        size = await chain.driver.mempool_size()
        if size == 0 or time.monotonic() > deadline:
            return size
        await asyncio.sleep(0.1)


def _keys_of(chain: ChainUnderTest, config: SuiteConfig, workload: str) -> list[list[PrivateKey]]:
    """The accounts of every `workload` round, in round order."""
    return [
        keys
        for round_config, keys in zip(config.rounds, chain.round_keys, strict=True)
        if round_config.workload == workload
    ]


def _describe(round_config: RoundConfig) -> str:
    return ", ".join(f"{k}={v}" for k, v in round_config.describe().items())


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
