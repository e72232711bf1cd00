"""The clearing benchmarks on small workloads: the workload is gridlocked and deterministic, the
timed results are verified (CLR-4/5/6 for the netting core, CLR-1/2/7 and every payment's final
state for the day), the counts add up, and the CLI writes the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from finchain.bench.clearing_day import (
    OUTCOMES,
    REJECTED_AT_CUT_OFF,
    SETTLED_AT_SUBMISSION,
    SETTLED_BY_LSM,
    SETTLED_BY_RETRY,
    DayWorkload,
    make_day_plan,
    run_clearing_day,
)
from finchain.bench.clearing_lsm import (
    GridlockWorkload,
    find_fundable_heads,
    make_gridlock_snapshot,
    run_lsm_benchmark,
)
from finchain.cli.main import app
from finchain.modules.clearing import check_netting_result, compute_netting_cycle

SMALL_GRIDLOCK = GridlockWorkload(payments=600, banks=12, repeats=3, chain_runs=0)
SMALL_DAY = DayWorkload(payments=1_500, banks=10, block_txs=250)


def test_gridlock_workload_is_seeded_and_no_head_payment_is_funded() -> None:
    snapshot = make_gridlock_snapshot(SMALL_GRIDLOCK)
    assert snapshot == make_gridlock_snapshot(SMALL_GRIDLOCK)
    other = make_gridlock_snapshot(GridlockWorkload(payments=600, banks=12, seed=6))
    assert other.queue != snapshot.queue
    assert len(snapshot.queue) == 600 and len(snapshot.balances) == 12
    assert all(p.sender != p.receiver and type(p.amount) is int for p in snapshot.queue)
    assert find_fundable_heads(snapshot) == []
    # with the head payments funded the workload is no longer gridlocked
    rich = make_gridlock_snapshot(GridlockWorkload(payments=600, banks=12, liquidity_pct=0))
    funded = type(rich)(
        rich.orders,
        rich.queue,
        {bank: 10**12 for bank in rich.balances},
        rich.reserves,
    )
    assert find_fundable_heads(funded) == sorted(funded.balances)


def test_lsm_core_counts_are_those_of_a_verified_cycle() -> None:
    result = run_lsm_benchmark(SMALL_GRIDLOCK)
    core = result.core
    snapshot = make_gridlock_snapshot(SMALL_GRIDLOCK)
    expected = compute_netting_cycle(snapshot.queue, snapshot.balances, snapshot.reserves)
    assert (
        check_netting_result(snapshot.queue, snapshot.balances, snapshot.reserves, expected) == []
    )
    assert (core.settled, core.deactivated) == (len(expected.settled), len(expected.deactivated))
    assert core.settled + core.deactivated == core.payments == 600
    assert 0 < core.settled_value <= core.queue_value
    assert core.liquidity == sum(snapshot.balances.values()) < core.queue_value
    assert core.violations == () and result.violations == ()
    assert 0 < core.cycle_ms_min <= core.cycle_ms_p50 <= core.cycle_ms_p99 <= core.cycle_ms_max
    (round_,) = result.to_rounds()
    assert (round_.submitted, round_.succeeded, round_.failed) == (
        600,
        core.settled,
        core.deactivated,
    )


def test_lsm_on_chain_settles_what_the_core_settles(tmp_path: Path) -> None:
    workload = GridlockWorkload(payments=300, banks=10, repeats=2, chain_runs=1, block_txs=100)
    result = run_lsm_benchmark(workload, data_dir=tmp_path)
    (run,) = result.chain
    assert run.matches_core and run.violations == ()
    assert run.settled_gross == 0  # gridlocked: the gross retries settle nothing
    assert (run.settled_lsm, run.still_queued) == (result.core.settled, result.core.deactivated)
    assert 0 < run.check_tx_ms < run.total_ms and 0 < run.block_ms < run.total_ms
    assert [r.name for r in result.to_rounds()] == ["clearing/lsm-core", "clearing/lsm-chain"]


def test_day_settles_or_rejects_every_payment_and_the_state_agrees(tmp_path: Path) -> None:
    result = run_clearing_day(SMALL_DAY, data_dir=tmp_path)
    outcome, round_ = result.outcome, result.round
    assert result.violations == ()
    assert sum(outcome.outcomes.values()) == 1_500 == sum(outcome.final_status.values())
    settled = sum(outcome.outcomes[name] for name in OUTCOMES if name != REJECTED_AT_CUT_OFF)
    assert outcome.final_status.get("SETTLED", 0) == settled
    assert outcome.final_status.get("REJECTED", 0) == outcome.outcomes[REJECTED_AT_CUT_OFF]
    assert set(outcome.final_status) <= {"SETTLED", "REJECTED"}
    assert outcome.settled_rate == settled / 1_500
    # the liquidity sits between the bounds, so payments queue and both retries and netting work
    for name in (SETTLED_AT_SUBMISSION, SETTLED_BY_RETRY, SETTLED_BY_LSM):
        assert outcome.outcomes[name] > 0, name
    assert outcome.lsm_cycles > 0 and outcome.max_queue > 0 and outcome.failed_txs == 0
    # the per-block log adds up to the same totals, and the queue ends empty
    blocks = result.blocks
    assert len(blocks) == 1_500 // 250 + 1 and blocks[-1].payments == 0
    assert sum(b.payments for b in blocks) == 1_500
    assert sum(b.settled_by_lsm for b in blocks) == outcome.outcomes[SETTLED_BY_LSM]
    assert sum(b.rejected for b in blocks) == outcome.outcomes[REJECTED_AT_CUT_OFF]
    assert blocks[-1].queue_after == 0
    assert (round_.submitted, round_.succeeded, round_.failed) == (1_500, 1_500, 0)
    assert 0 < round_.latency_p50_s <= round_.latency_p99_s <= round_.latency_max_s
    assert round_.duration_s >= sum(b.block_ms for b in blocks) / 1000 * 0.99
    assert outcome.settlement_p50_s <= outcome.settlement_p99_s


def test_day_with_lower_bound_liquidity_and_no_reserve_rejects_nothing(tmp_path: Path) -> None:
    # every pledge covers the bank's end-of-day net debit: the last block's netting clears all
    workload = DayWorkload(payments=1_500, banks=10, block_txs=250, reserve_pct=0)
    result = run_clearing_day(workload, data_dir=tmp_path)
    assert result.outcome.outcomes[REJECTED_AT_CUT_OFF] == 0
    assert result.outcome.final_status == {"SETTLED": 1_500}
    assert result.outcome.outcomes[SETTLED_BY_LSM] > 0 and result.violations == ()


def test_day_with_upper_bound_liquidity_settles_everything_on_submission(tmp_path: Path) -> None:
    workload = DayWorkload(payments=400, banks=8, block_txs=100, liquidity_pct=100, reserve_pct=0)
    plan = make_day_plan(workload)
    assert plan.pledges == plan.upper_bounds
    assert all(plan.lower_bounds[b] <= plan.upper_bounds[b] for b in plan.pledges)
    result = run_clearing_day(workload, data_dir=tmp_path)
    assert result.outcome.outcomes[SETTLED_AT_SUBMISSION] == 400
    assert result.outcome.final_status == {"SETTLED": 400}
    assert result.outcome.max_queue == 0 and result.violations == ()


def test_cli_clearing_lsm_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "lsm.json"
    command = ["bench", "clearing-lsm", "--payments", "400", "--banks", "10", "--repeats", "3"]
    command += ["--chain-runs", "1", "--out", str(out)]
    outcome = CliRunner().invoke(app, command)
    assert outcome.exit_code == 0, outcome.output
    assert "clearing/lsm-core" in outcome.output and "same as the core: yes" in outcome.output
    report = json.loads(out.read_text())
    assert report["benchmark"] == "clearing-lsm" and report["machine"]["logical_cpus"] >= 1
    core = report["core"]
    assert core["settled"] + core["deactivated"] == report["workload"]["payments"] == 400
    assert core["violations"] == [] and report["chain"][0]["matches_core"] is True
    assert [r["name"] for r in report["rounds"]] == ["clearing/lsm-core", "clearing/lsm-chain"]
    assert report["rounds"][0]["succeeded"] == core["settled"]


def test_cli_clearing_day_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "day.json"
    command = ["bench", "clearing-day", "--payments", "600", "--banks", "8"]
    command += ["--block-txs", "200", "--out", str(out)]
    outcome = CliRunner().invoke(app, command)
    assert outcome.exit_code == 0, outcome.output
    assert "clearing/day" in outcome.output and "rejected at cut off" in outcome.output
    report = json.loads(out.read_text())
    assert report["benchmark"] == "clearing-day"
    (round_,) = report["rounds"]
    assert round_["submitted"] == 600 and round_["success_rate"] == 1.0
    assert sum(report["outcome"]["outcomes"].values()) == 600
    assert report["outcome"]["violations"] == []
    assert len(report["blocks"]) == 4 and report["blocks"][-1]["queue_after"] == 0
