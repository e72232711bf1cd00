"""Gridlock resolution benchmark: one netting cycle over a large gridlocked queue (issue #5).

Workload (`make_gridlock_snapshot`, seeded): `payments` queued payments among `banks` banks,
drawn by `clearing.generate_payments` (cycles of 2-6 banks plus one-off payments). Each bank's
balance is `liquidity_pct` % (< 100) of its *head* payment, the one a gross retry would try first
(highest priority, then oldest), so **no gross retry can settle anything**: the queue is
gridlocked and only netting moves it. `reserve_pct` % of each balance is reserved for URGENT
payments (rule 9), so the position formula with the reserve is exercised.

Two measurements:
- **core** (required): `compute_netting_cycle` on the snapshot, `repeats` times; the time of
  each call (validation included: it is part of the function) gives min/p50/mean/p99/max. The
  first result is verified afterwards, outside the timed section, with `check_netting_result`
  (CLR-4/5/6) and every repeat must equal it.
- **chain** (optional, `chain_runs` > 0): the same queue on a real solo chain with
  `auto_process` off: the banks submit every payment before any liquidity exists (all QUEUED),
  the central bank pledges the balances, then one `RunLsm` transaction: timed from submission
  (its `check_tx` already runs the handler once on the check state) to the commit of its block
  (gross retries, the netting cycle, the state reads and writes, the RocksDB commit). Its
  settled payments, balances and queue must equal the core's result, and the module's
  invariants must hold.

Concurrency: single-threaded, apart from the engine's signature pool during the chain runs.
"""

from __future__ import annotations

import gc
import random
import statistics
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finchain.app import Application
from finchain.bench.clearing import (
    CENTRAL_BANK,
    CURRENCY,
    FlowShape,
    PaymentOrder,
    count_event,
    describe_violations,
    event_value,
    find_head_payments,
    format_pct,
    format_yuan,
    generate_payments,
    is_event,
    make_bank_ids,
    open_accounts,
    open_clearing_chain,
    pledge_liquidity,
    sign_payments,
)
from finchain.bench.report import RoundResult, percentile
from finchain.model import Receipt
from finchain.modules.clearing import (
    NettingResult,
    QueuedPayment,
    apply_net_changes,
    check_netting_result,
    compute_netting_cycle,
)
from finchain.modules.clearing.messages import RunLsm


@dataclass(frozen=True, slots=True)
class GridlockWorkload:
    payments: int = 10_000
    banks: int = 100
    seed: int = 5
    liquidity_pct: int = 90  # balance as % of the bank's head payment; < 100 keeps it gridlocked
    reserve_pct: int = 25  # share of each balance reserved for URGENT payments
    repeats: int = 50  # timed netting cycles of the core
    chain_runs: int = 1  # fresh chains for the on-chain RunLsm measurement (0: skip)
    suite: str = "intl"
    block_txs: int = 5_000  # payments per block while the chain's queue is filled (untimed)
    shape: FlowShape = field(default_factory=FlowShape)

    def validate(self) -> None:
        if self.payments < 1 or self.repeats < 1 or self.chain_runs < 0 or self.block_txs < 1:
            raise ValueError("payments, repeats and block_txs must be >= 1, chain_runs >= 0")
        if not 0 <= self.liquidity_pct < 100:
            raise ValueError("liquidity_pct must be 0..99: at 100 a head payment could settle")
        if not 0 <= self.reserve_pct <= 100:
            raise ValueError("reserve_pct must be 0..100")
        self.shape.validate()


@dataclass(frozen=True, slots=True)
class GridlockSnapshot:
    """A queue snapshot as the LSM sees it, and the orders behind it."""

    orders: tuple[PaymentOrder, ...]
    queue: tuple[QueuedPayment, ...]
    balances: Mapping[str, int]
    reserves: Mapping[str, int]

    @property
    def queue_value(self) -> int:
        return sum(p.amount for p in self.queue)


@dataclass(frozen=True, slots=True)
class LsmCoreResult:
    payments: int
    banks: int
    settled: int
    deactivated: int
    deadlock: bool
    queue_value: int
    settled_value: int
    liquidity: int  # sum of balances
    reserved: int  # sum of urgent reserves
    repeats: int
    cycle_ms_min: float
    cycle_ms_p50: float
    cycle_ms_mean: float
    cycle_ms_p99: float
    cycle_ms_max: float
    violations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LsmChainRun:
    """One `RunLsm` on a fresh chain holding the whole gridlocked queue."""

    check_tx_ms: float  # submission: check_tx runs the handler on the check state
    block_ms: float  # produce_block: proposal, FinalizeBlock (RunLsm), commit
    total_ms: float  # submission to commit
    settled_lsm: int
    settled_gross: int
    still_queued: int
    matches_core: bool
    violations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LsmBenchResult:
    workload: GridlockWorkload
    core: LsmCoreResult
    chain: tuple[LsmChainRun, ...] = ()

    def to_rounds(self) -> list[RoundResult]:
        """Rows for the common benchmark table: `submitted` = queued payments, `succeeded` =
        settled by netting, `failed` = returned to the queue; latency = one netting cycle (core)
        or `RunLsm` submission to commit (chain); throughput = payments netted per second."""
        core = self.core
        rounds = [
            RoundResult(
                name="clearing/lsm-core",
                target="netting",
                suite="-",
                submitted=core.payments,
                succeeded=core.settled,
                failed=core.deactivated,
                duration_s=core.cycle_ms_mean / 1000,
                throughput_tps=core.payments / (core.cycle_ms_mean / 1000),
                latency_p50_s=core.cycle_ms_p50 / 1000,
                latency_p99_s=core.cycle_ms_p99 / 1000,
                latency_max_s=core.cycle_ms_max / 1000,
                settings=self._settings("compute_netting_cycle, one call"),
            )
        ]
        if self.chain:
            totals = sorted(run.total_ms / 1000 for run in self.chain)
            mean_s = statistics.fmean(totals)
            rounds.append(
                RoundResult(
                    name="clearing/lsm-chain",
                    target="solo",
                    suite=self.workload.suite,
                    submitted=core.payments,
                    succeeded=self.chain[0].settled_lsm,
                    failed=self.chain[0].still_queued,
                    duration_s=mean_s,
                    throughput_tps=core.payments / mean_s,
                    latency_p50_s=percentile(totals, 0.50),
                    latency_p99_s=percentile(totals, 0.99),
                    latency_max_s=totals[-1],
                    settings=self._settings("RunLsm transaction, submission to commit"),
                )
            )
        return rounds

    @property
    def violations(self) -> tuple[str, ...]:
        """Every broken check: the core's CLR-4/5/6, and each chain run's invariants and its
        agreement with the core."""
        found = list(self.core.violations)
        for number, run in enumerate(self.chain, 1):
            found += [f"chain run {number}: {violation}" for violation in run.violations]
            if not run.matches_core:
                found.append(f"chain run {number}: RunLsm settled other payments than the core")
        return tuple(found)

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": "clearing-lsm",
            "workload": asdict(self.workload),
            "core": asdict(self.core),
            "chain": [asdict(run) for run in self.chain],
        }

    def _settings(self, measured: str) -> dict[str, Any]:
        return {
            "measured": measured,
            "banks": self.workload.banks,
            "seed": self.workload.seed,
            "liquidity_pct": self.workload.liquidity_pct,
        }


def make_gridlock_snapshot(workload: GridlockWorkload) -> GridlockSnapshot:
    """The seeded gridlocked queue, balances and reserves described in the module docstring."""
    workload.validate()
    rng = random.Random(workload.seed)
    banks = make_bank_ids(workload.banks)
    orders = tuple(generate_payments(rng, banks, workload.payments, workload.shape))
    heads = find_head_payments(orders)
    balances = {
        bank: heads[bank].amount * workload.liquidity_pct // 100 if bank in heads else 0
        for bank in banks
    }
    reserves = {bank: balances[bank] * workload.reserve_pct // 100 for bank in banks}
    queue = tuple(order.to_queued((1, order.number, 0)) for order in orders)
    return GridlockSnapshot(orders, queue, balances, reserves)


def find_fundable_heads(snapshot: GridlockSnapshot) -> list[str]:
    """Banks whose head payment a gross retry could settle (rules 2, 9); empty = gridlocked."""
    fundable = []
    for bank, head in sorted(find_head_payments(snapshot.orders).items()):
        balance = snapshot.balances[bank]
        spendable = balance if head.priority.is_urgent else balance - snapshot.reserves[bank]
        if spendable >= head.amount:
            fundable.append(bank)
    return fundable


def run_lsm_benchmark(workload: GridlockWorkload, data_dir: Path | None = None) -> LsmBenchResult:
    snapshot = make_gridlock_snapshot(workload)
    fundable = find_fundable_heads(snapshot)
    if fundable:
        raise AssertionError(f"workload is not gridlocked: {fundable} can pay their head payment")
    core, result = _run_core(workload, snapshot)
    chain = tuple(
        _run_on_chain(workload, snapshot, result, data_dir) for _ in range(workload.chain_runs)
    )
    return LsmBenchResult(workload, core, chain)


def render_lsm_summary(result: LsmBenchResult) -> str:
    core = result.core
    lines = [
        f"netting core: {core.payments:,} queued payments among {core.banks} banks "
        f"(seed {result.workload.seed}), gridlocked: no head payment is funded",
        f"  settled {core.settled:,} ({format_pct(core.settled, core.payments)}, value "
        f"{format_pct(core.settled_value, core.queue_value)}), returned to the queue "
        f"{core.deactivated:,}, deadlock {'yes' if core.deadlock else 'no'}",
        f"  liquidity {format_pct(core.liquidity, core.queue_value)} of the queue's value "
        f"({format_yuan(core.liquidity)} yuan, of which {format_yuan(core.reserved)} reserved "
        "for urgent)",
        f"  cycle ms over {core.repeats} runs: min {core.cycle_ms_min:.1f}  p50 "
        f"{core.cycle_ms_p50:.1f}  mean {core.cycle_ms_mean:.1f}  p99 {core.cycle_ms_p99:.1f}  "
        f"max {core.cycle_ms_max:.1f}",
        f"  check_netting_result (CLR-4/5/6): {describe_violations(core.violations)}",
    ]
    for number, run in enumerate(result.chain, 1):
        lines.append(
            f"on chain #{number} (RunLsm, solo, {result.workload.suite}): check_tx "
            f"{run.check_tx_ms:.0f} ms + block {run.block_ms:.0f} ms = {run.total_ms:.0f} ms; "
            f"settled {run.settled_lsm:,} by netting, {run.settled_gross} gross, "
            f"{run.still_queued:,} still queued; same as the core: "
            f"{'yes' if run.matches_core else 'NO'}; invariants: "
            f"{describe_violations(run.violations)}"
        )
    return "\n".join(lines)


# ---- the two measurements -----------------------------------------------------------------


def _run_core(
    workload: GridlockWorkload, snapshot: GridlockSnapshot
) -> tuple[LsmCoreResult, NettingResult]:
    queue, balances, reserves = snapshot.queue, snapshot.balances, snapshot.reserves
    results: list[NettingResult] = []
    timings: list[float] = []
    gc.collect()
    for _ in range(workload.repeats):
        started = time.perf_counter()
        result = compute_netting_cycle(queue, balances, reserves)
        timings.append(time.perf_counter() - started)
        results.append(result)
    # VERIFY (untimed)
    first = results[0]
    violations = check_netting_result(queue, balances, reserves, first)
    if any(other != first for other in results[1:]):
        violations.append("CLR-6: repeated cycles on the same snapshot differ")
    settled_ids = set(first.settled)
    timings_ms = sorted(1000 * t for t in timings)
    core = LsmCoreResult(
        payments=len(queue),
        banks=len(balances),
        settled=len(first.settled),
        deactivated=len(first.deactivated),
        deadlock=first.deadlock,
        queue_value=snapshot.queue_value,
        settled_value=sum(p.amount for p in queue if p.payment_id in settled_ids),
        liquidity=sum(balances.values()),
        reserved=sum(reserves.values()),
        repeats=workload.repeats,
        cycle_ms_min=timings_ms[0],
        cycle_ms_p50=percentile(timings_ms, 0.50),
        cycle_ms_mean=statistics.fmean(timings_ms),
        cycle_ms_p99=percentile(timings_ms, 0.99),
        cycle_ms_max=timings_ms[-1],
        violations=tuple(violations),
    )
    return core, first


def _run_on_chain(
    workload: GridlockWorkload,
    snapshot: GridlockSnapshot,
    expected: NettingResult,
    data_dir: Path | None,
) -> LsmChainRun:
    banks = sorted(snapshot.balances)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        chain = open_clearing_chain(
            Path(tmp) / "data", banks, workload.suite, auto_process=False, block_txs=10_000
        )
        try:
            # SET UP (untimed): accounts and reserves, every payment QUEUED, then liquidity
            open_accounts(chain, banks, snapshot.reserves)
            raws = sign_payments(chain, snapshot.orders)
            queued = 0
            for offset in range(0, len(raws), workload.block_txs):
                receipts = chain.execute_ok(raws[offset : offset + workload.block_txs])
                queued += sum(count_event(r.events, "clearing.payment_queued") for r in receipts)
            if queued != len(raws):
                raise AssertionError(f"only {queued} of {len(raws)} payments queued at set-up")
            pledge_liquidity(chain, snapshot.balances)
            run_lsm = chain.sign(CENTRAL_BANK, RunLsm(CURRENCY))
            gc.collect()
            # TIMED: one RunLsm, submission to commit
            started = time.perf_counter()
            ((checked, _),) = chain.engine.submit_batch([run_lsm])
            admitted = time.perf_counter()
            _, receipts = chain.engine.produce_block()
            committed = time.perf_counter()
            # VERIFY (untimed)
            return _verify_chain_run(
                chain.app, snapshot, expected, checked.ok, receipts, (started, admitted, committed)
            )
        finally:
            chain.close()


def _verify_chain_run(
    app: Application,
    snapshot: GridlockSnapshot,
    expected: NettingResult,
    admitted: bool,
    receipts: list[Receipt],
    times: tuple[float, float, float],
) -> LsmChainRun:
    started, checked, committed = times
    events = [event for receipt in receipts for event in receipt.events]
    settled_lsm = [
        event_value(e, "uetr")
        for e in events
        if is_event(e, "clearing.payment_settled", method="lsm")
    ]
    queue = [p["uetr"] for p in app.query("clearing/queue", {"currency": CURRENCY}).value]
    balances = {
        a["participant"]: int(a["balance"])
        for a in app.query("clearing/accounts", {"currency": CURRENCY}).value
    }
    violations = list(app.check_invariants())
    if not admitted or len(receipts) != 1 or not receipts[0].ok:
        violations.append("RunLsm was not admitted and committed with code ok")
    matches = (
        tuple(settled_lsm) == expected.settled
        and tuple(queue) == expected.deactivated
        and balances == apply_net_changes(snapshot.balances, expected)
    )
    return LsmChainRun(
        check_tx_ms=1000 * (checked - started),
        block_ms=1000 * (committed - checked),
        total_ms=1000 * (committed - started),
        settled_lsm=len(settled_lsm),
        settled_gross=count_event(events, "clearing.payment_settled", method="gross"),
        still_queued=len(queue),
        matches_core=matches,
        violations=tuple(violations),
    )
