"""Simulated settlement day: every payment of a day among N banks, end to end on the solo engine.

Workload (seeded): `payments` payments among `banks` banks drawn by `clearing.generate_payments`
(cycles of 2-6 banks plus one-off payments, in random order over the day). Liquidity is set per
bank between the two classic RTGS bounds, computed from the day's payments in submission order:

- *lower bound* LB: the bank's net debit at the end of the day, max(0, paid - received);
- *upper bound* UB: its largest cumulative net debit during the day, the liquidity with which
  every payment would settle gross on arrival;
- the central bank pledges LB + `liquidity_pct` % of (UB - LB); `reserve_pct` % of that pledge
  is the bank's urgent reserve (rule 9), spendable only by URGENT payments.

Below UB payments queue; queued payments settle at the end of a later block by a gross retry or
by the LSM (genesis `clearing.auto_process` on, rule 3), and what is still queued at the end is
REJECTED by the central bank's `CutOff`.

Run (`run_clearing_day`): set-up blocks (accounts, reserves, pledges) and the signing of every
`SubmitPayment` transaction are untimed. Timed: blocks of `block_txs` payments, each admitted with
`check_tx` (signatures pre-verified in parallel, as `inprocess.py` does) and then made into a
block, and finally one block with the `CutOff`: wall time from the first submission to the commit
of the cut-off block. A payment's *latency* is submission to the commit of its block; its
*settlement latency* is submission to the commit of the block that settled it. Afterwards
(untimed): the outcome counted from the events is checked against every payment's final state,
the queue must be empty, and `check_invariants` (CLR-1/2 and the queue bookkeeping) must hold.

Concurrency: drives the engine from the calling thread (no block thread); the engine's signature
pool is the only other thread.
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finchain.app import Application
from finchain.bench.clearing import (
    CENTRAL_BANK,
    CURRENCY,
    FlowShape,
    PaymentOrder,
    describe_violations,
    format_pct,
    format_yuan,
    generate_payments,
    make_bank_ids,
    open_accounts,
    open_clearing_chain,
    pledge_liquidity,
    sign_payments,
)
from finchain.bench.report import RoundResult, percentile
from finchain.engine.solo import SoloEngine
from finchain.model import BlockRecord, Event, Receipt
from finchain.modules.clearing.messages import CutOff

SETTLED_AT_SUBMISSION = "settled_at_submission"  # gross, in the payment's own transaction
SETTLED_BY_RETRY = "settled_by_retry"  # gross, at the end of a later block
SETTLED_BY_LSM = "settled_by_lsm"  # by netting, at the end of a later block
REJECTED_AT_CUT_OFF = "rejected_at_cut_off"
OUTCOMES = (SETTLED_AT_SUBMISSION, SETTLED_BY_RETRY, SETTLED_BY_LSM, REJECTED_AT_CUT_OFF)
QUEUED = "queued"


@dataclass(frozen=True, slots=True)
class DayWorkload:
    payments: int = 70_000
    banks: int = 50
    seed: int = 7
    block_txs: int = 2_000
    liquidity_pct: int = 10  # pledge = LB + liquidity_pct % of (UB - LB), per bank
    reserve_pct: int = 10  # share of each pledge reserved for URGENT payments
    suite: str = "intl"
    shape: FlowShape = field(default_factory=FlowShape)

    def validate(self) -> None:
        if self.payments < 1 or self.block_txs < 1:
            raise ValueError("payments and block_txs must be >= 1")
        for name in ("liquidity_pct", "reserve_pct"):
            if not 0 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be 0..100")
        self.shape.validate()


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The day's payments and the liquidity each bank starts with."""

    orders: tuple[PaymentOrder, ...]
    lower_bounds: dict[str, int]
    upper_bounds: dict[str, int]
    pledges: dict[str, int]
    reserves: dict[str, int]


@dataclass(frozen=True, slots=True)
class BlockLog:
    """One timed block: its payments and what settled or queued in it."""

    height: int
    payments: int
    block_ms: float  # check_tx of its transactions + the block, to commit
    settled_at_submission: int
    queued: int
    settled_by_retry: int
    settled_by_lsm: int
    rejected: int
    queue_after: int


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """Where every payment ended, counted from the events and checked against the state."""

    outcomes: dict[str, int]  # each of OUTCOMES -> payments
    final_status: dict[str, int]  # status in state after the cut-off -> payments
    failed_txs: int
    lsm_cycles: int
    deadlocks: int
    max_queue: int
    settled_rate: float
    settlement_p50_s: float
    settlement_p99_s: float
    settled_in_later_block: int  # settled at the end of a later block than their own
    max_blocks_waited: int  # the longest wait, in blocks, of a payment that settled
    liquidity: dict[str, int]  # pledged, reserved, lower_bound, upper_bound, day_value (fen)
    violations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayResult:
    workload: DayWorkload
    round: RoundResult
    outcome: DayOutcome
    blocks: tuple[BlockLog, ...]

    @property
    def violations(self) -> tuple[str, ...]:
        return self.outcome.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": "clearing-day",
            "workload": asdict(self.workload),
            "outcome": asdict(self.outcome),
            "blocks": [asdict(block) for block in self.blocks],
        }


def make_day_plan(workload: DayWorkload) -> DayPlan:
    """The seeded payments and each bank's LB, UB, pledge and reserve (module docstring)."""
    workload.validate()
    rng = random.Random(workload.seed)
    banks = make_bank_ids(workload.banks)
    orders = tuple(generate_payments(rng, banks, workload.payments, workload.shape))
    net_debit = dict.fromkeys(banks, 0)
    upper = dict.fromkeys(banks, 0)
    for order in orders:
        net_debit[order.sender] += order.amount
        net_debit[order.receiver] -= order.amount
        upper[order.sender] = max(upper[order.sender], net_debit[order.sender])
    lower = {bank: max(0, net_debit[bank]) for bank in banks}
    pledges = {
        bank: lower[bank] + (upper[bank] - lower[bank]) * workload.liquidity_pct // 100
        for bank in banks
    }
    reserves = {bank: pledges[bank] * workload.reserve_pct // 100 for bank in banks}
    return DayPlan(orders, lower, upper, pledges, reserves)


def run_clearing_day(workload: DayWorkload, data_dir: Path | None = None) -> DayResult:
    plan = make_day_plan(workload)
    banks = sorted(plan.pledges)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        chain = open_clearing_chain(
            Path(tmp) / "data",
            banks,
            workload.suite,
            auto_process=True,
            block_txs=workload.block_txs,
        )
        try:
            # SET UP (untimed): accounts, reserves, liquidity; every payment signed
            open_accounts(chain, banks, plan.reserves)
            pledge_liquidity(chain, plan.pledges)
            raws = sign_payments(chain, plan.orders)
            cut_off = chain.sign(CENTRAL_BANK, CutOff(CURRENCY))
            gc.collect()
            # TIMED: the day's blocks, then the cut-off block
            timeline: list[_TimedBlock] = []
            for offset in range(0, len(raws), workload.block_txs):
                chunk = raws[offset : offset + workload.block_txs]
                timeline.append(_submit_block(chain.engine, chunk, len(chunk)))
            timeline.append(_submit_block(chain.engine, [cut_off], 0))
            # VERIFY (untimed)
            return _analyse_day(workload, plan, chain.app, timeline)
        finally:
            chain.close()


def render_day_summary(result: DayResult) -> str:
    outcome, workload = result.outcome, result.workload
    payments = workload.payments
    liquidity = outcome.liquidity
    lines = [
        f"clearing day: {payments:,} payments among {workload.banks} banks (seed "
        f"{workload.seed}), blocks of {workload.block_txs:,}, {len(result.blocks)} blocks "
        "with the cut-off",
        f"  liquidity pledged {format_yuan(liquidity['pledged'])} yuan = LB + "
        f"{workload.liquidity_pct} % of (UB - LB); LB {format_yuan(liquidity['lower_bound'])}, "
        f"UB {format_yuan(liquidity['upper_bound'])}, day's value "
        f"{format_yuan(liquidity['day_value'])}; reserved for urgent "
        f"{format_yuan(liquidity['reserved'])}",
    ]
    lines.append(
        f"  wall time, first submission to the cut-off block's commit: "
        f"{result.round.duration_s:.1f} s; {result.round.throughput_tps:,.0f} payments/s"
    )
    lines += [
        f"  {name.replace('_', ' ')}: {count:,} ({format_pct(count, payments)})"
        for name, count in outcome.outcomes.items()
    ]
    lines += [
        f"  final status in state: {dict(sorted(outcome.final_status.items()))}; failed txs "
        f"{outcome.failed_txs}; settled {100 * outcome.settled_rate:.1f} %",
        f"  netting cycles {outcome.lsm_cycles} (deadlocks {outcome.deadlocks}); largest queue "
        f"{outcome.max_queue:,} payments",
        f"  settlement latency p50 {1000 * outcome.settlement_p50_s:.0f} ms, p99 "
        f"{1000 * outcome.settlement_p99_s:.0f} ms; settled in a later block than their own "
        f"{outcome.settled_in_later_block:,} (longest wait {outcome.max_blocks_waited} blocks)",
        f"  invariants (CLR-1/2, queue) and event/state cross-check: "
        f"{describe_violations(outcome.violations)}",
    ]
    return "\n".join(lines)


# ---- the timed loop -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _TimedBlock:
    payments: int  # payment transactions submitted for this block (0: the cut-off block)
    rejected_at_check: int
    submitted_at: float
    committed_at: float
    record: BlockRecord
    receipts: list[Receipt]


def _submit_block(engine: SoloEngine, raws: Sequence[bytes], payments: int) -> _TimedBlock:
    """check_tx every transaction, make the block; the times of submission and commit."""
    submitted_at = time.perf_counter()
    checks = engine.submit_batch(list(raws))
    record, receipts = engine.produce_block()
    committed_at = time.perf_counter()
    rejected = sum(1 for result, _ in checks if not result.ok)
    return _TimedBlock(payments, rejected, submitted_at, committed_at, record, receipts)


# ---- analysis (untimed) -------------------------------------------------------------------


@dataclass
class _Trace:
    """What the events say happened to each payment (by UETR), and when."""

    submitted: dict[str, tuple[int, float]] = field(default_factory=dict)  # height, time
    outcome: dict[str, str] = field(default_factory=dict)  # SETTLED_* or REJECTED_AT_CUT_OFF
    finished: dict[str, tuple[int, float]] = field(default_factory=dict)  # height, commit
    lsm_cycles: int = 0
    deadlocks: int = 0

    def record_block(self, timed: _TimedBlock) -> Counter[str]:
        """Take in one block's transaction and end-of-block events; returns its tally."""
        tally: Counter[str] = Counter()
        for receipt in timed.receipts:
            for event in receipt.events:
                self._record_event(timed, event, in_tx=True, tally=tally)
        for event in timed.record.events:
            self._record_event(timed, event, in_tx=False, tally=tally)
        return tally

    def list_settled(self) -> list[str]:
        return [uetr for uetr, outcome in self.outcome.items() if outcome != REJECTED_AT_CUT_OFF]

    def settlement_latencies(self) -> list[float]:
        """Submission to the commit of the block that settled it, ascending."""
        return sorted(self.finished[u][1] - self.submitted[u][1] for u in self.list_settled())

    def blocks_waited(self) -> list[int]:
        """For each settled payment, blocks from its own to the one that settled it."""
        return [self.finished[u][0] - self.submitted[u][0] for u in self.list_settled()]

    def _record_event(
        self, timed: _TimedBlock, event: Event, in_tx: bool, tally: Counter[str]
    ) -> None:
        attributes = dict(event.attributes)
        if event.type == "clearing.lsm_cycle":
            self.lsm_cycles += 1
            self.deadlocks += attributes["deadlock"] == "true"
            return
        kind = _classify(event.type, attributes, in_tx)
        if kind is None:
            return
        tally[kind] += 1
        uetr = attributes["uetr"]
        height = timed.record.header.height
        if kind in (QUEUED, SETTLED_AT_SUBMISSION):
            self.submitted[uetr] = (height, timed.submitted_at)
        if kind != QUEUED:
            self.outcome[uetr] = kind
            self.finished[uetr] = (height, timed.committed_at)


def _analyse_day(
    workload: DayWorkload, plan: DayPlan, app: Application, timeline: list[_TimedBlock]
) -> DayResult:
    trace = _Trace()
    blocks: list[BlockLog] = []
    queue = 0
    for timed in timeline:
        tally = trace.record_block(timed)
        queue += tally[QUEUED] - tally[SETTLED_BY_RETRY] - tally[SETTLED_BY_LSM]
        queue -= tally[REJECTED_AT_CUT_OFF]
        blocks.append(
            BlockLog(
                height=timed.record.header.height,
                payments=timed.payments,
                block_ms=1000 * (timed.committed_at - timed.submitted_at),
                settled_at_submission=tally[SETTLED_AT_SUBMISSION],
                queued=tally[QUEUED],
                settled_by_retry=tally[SETTLED_BY_RETRY],
                settled_by_lsm=tally[SETTLED_BY_LSM],
                rejected=tally[REJECTED_AT_CUT_OFF],
                queue_after=queue,
            )
        )
    counts = Counter(trace.outcome.values())
    outcomes = {name: counts[name] for name in OUTCOMES}
    settled = sum(counts[name] for name in OUTCOMES if name != REJECTED_AT_CUT_OFF)
    final_status = Counter(
        str(app.query("clearing/payment", {"uetr": order.uetr}).value["status"])
        for order in plan.orders
    )
    payments = len(plan.orders)
    settlement = trace.settlement_latencies()
    waited = trace.blocks_waited()
    outcome = DayOutcome(
        outcomes=outcomes,
        final_status=dict(sorted(final_status.items())),
        failed_txs=sum(t.rejected_at_check for t in timeline)
        + sum(1 for t in timeline for r in t.receipts if not r.ok),
        lsm_cycles=trace.lsm_cycles,
        deadlocks=trace.deadlocks,
        max_queue=max(block.queue_after for block in blocks),
        settled_rate=settled / payments,
        settlement_p50_s=percentile(settlement, 0.50),
        settlement_p99_s=percentile(settlement, 0.99),
        settled_in_later_block=sum(1 for blocks in waited if blocks > 0),
        max_blocks_waited=max(waited, default=0),
        liquidity={
            "pledged": sum(plan.pledges.values()),
            "reserved": sum(plan.reserves.values()),
            "lower_bound": sum(plan.lower_bounds.values()),
            "upper_bound": sum(plan.upper_bounds.values()),
            "day_value": sum(order.amount for order in plan.orders),
        },
        violations=tuple(_cross_check(app, plan, trace, settled, final_status)),
    )
    return DayResult(workload, _make_round(workload, timeline), outcome, tuple(blocks))


def _make_round(workload: DayWorkload, timeline: list[_TimedBlock]) -> RoundResult:
    """The common row: payments only (the cut-off transaction is not one), latency =
    submission to the commit of the payment's block, duration = first submission to the
    commit of the cut-off block."""
    payment_blocks = [t for t in timeline if t.payments]
    latencies = sorted(
        t.committed_at - t.submitted_at for t in payment_blocks for r in t.receipts if r.ok
    )
    succeeded = len(latencies)
    duration = timeline[-1].committed_at - timeline[0].submitted_at
    return RoundResult(
        name="clearing/day",
        target="solo",
        suite=workload.suite,
        submitted=workload.payments,
        succeeded=succeeded,
        failed=workload.payments - succeeded,
        duration_s=duration,
        throughput_tps=succeeded / duration if duration else 0.0,
        latency_p50_s=percentile(latencies, 0.50),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=latencies[-1] if latencies else 0.0,
        settings={
            "banks": workload.banks,
            "block_txs": workload.block_txs,
            "seed": workload.seed,
            "liquidity_pct": workload.liquidity_pct,
            "reserve_pct": workload.reserve_pct,
            "engine": "solo (in-process, no HTTP), clearing auto_process on",
            "duration": "first submission to the commit of the cut-off block",
        },
    )


def _classify(event_type: str, attributes: dict[str, str], in_tx: bool) -> str | None:
    """What a payment event says: QUEUED, one of the SETTLED_*, or REJECTED_AT_CUT_OFF."""
    if event_type == "clearing.payment_queued":
        return QUEUED
    if event_type == "clearing.payment_rejected":
        return REJECTED_AT_CUT_OFF
    if event_type != "clearing.payment_settled":
        return None
    if attributes["method"] == "lsm":
        return SETTLED_BY_LSM
    return SETTLED_AT_SUBMISSION if in_tx else SETTLED_BY_RETRY


def _cross_check(
    app: Application,
    plan: DayPlan,
    trace: _Trace,
    settled: int,
    final_status: Counter[str],
) -> list[str]:
    """The events against the state, CLR-7 (empty queue after the cut-off), CLR-1/2."""
    violations = list(app.check_invariants())
    if final_status["SETTLED"] != settled:
        violations.append(f"events say {settled} settled, the state {final_status['SETTLED']}")
    rejected = sum(1 for outcome in trace.outcome.values() if outcome == REJECTED_AT_CUT_OFF)
    if final_status["REJECTED"] != rejected:
        violations.append(f"events say {rejected} rejected, the state {final_status['REJECTED']}")
    unaccounted = [order.uetr for order in plan.orders if order.uetr not in trace.outcome]
    if unaccounted:
        violations.append(f"{len(unaccounted)} payments neither settled nor rejected")
    if app.query("clearing/queue", {"currency": CURRENCY}).value:
        violations.append("CLR-7: payments still queued after the cut-off")
    accounts = app.query("clearing/accounts", {"currency": CURRENCY}).value
    balances = sum(int(account["balance"]) for account in accounts)
    if balances != sum(plan.pledges.values()):
        violations.append(f"CLR-1: balances {balances} != pledged {sum(plan.pledges.values())}")
    return violations
