"""`finchain bench`: transfer and clearing benchmarks.

- `transfers`: closed loop on the solo engine, in process and over HTTP;
- `testnet`: open loop at fixed rates on an N-validator CometBFT testnet (real processes);
- `clearing-lsm`: one netting cycle over a gridlocked queue (pure core, and `RunLsm` on chain);
- `clearing-day`: a day of payments settled end to end on the solo engine, with the cut-off;
- `contracts`: token-contract calls against native transfers (ratio, compute per call);
- `run`, `compare` and `bench --preset/--config` (rounds from YAML or a preset on a solo node over
  HTTP, in process or on a CometBFT testnet; `cli.bench_suite_cmd`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from finchain.bench.clearing_day import DayWorkload, render_day_summary, run_clearing_day
from finchain.bench.clearing_lsm import GridlockWorkload, render_lsm_summary, run_lsm_benchmark
from finchain.bench.contracts import (
    ContractWorkload,
    render_contract_summary,
    run_contract_benchmark,
)
from finchain.bench.http import HttpSettings, run_http_transfers
from finchain.bench.inprocess import TransferWorkload, run_inprocess_transfers
from finchain.bench.report import (
    RoundResult,
    render_load_table,
    render_table,
    save_results,
)
from finchain.bench.testnet import DEFAULT_RATES, TestnetBenchSettings, run_testnet_benchmark
from finchain.cli.bench_suite_cmd import bench_callback, bench_compare, bench_run
from finchain.cli.common import fail, guard_errors

bench_app = typer.Typer(
    help=(
        "Benchmarks: throughput, p50/p99 latency, success rate (table + JSON). "
        "With --preset or --config and no command: the same as `bench run`."
    ),
    no_args_is_help=True,
)
bench_app.callback(invoke_without_command=True)(bench_callback)
bench_app.command("run")(bench_run)
bench_app.command("compare")(bench_compare)

TARGETS = ("inprocess", "http-single", "http-batch")
TARGET_OPTION = typer.Option("all", help="inprocess | http-single | http-batch | all")
SUITE_OPTION = typer.Option(["intl"], help="Crypto suite(s): intl, gm (repeatable).")
TXS_OPTION = typer.Option(20_000, min=1, help="Signed transfers per round.")
ACCOUNTS_OPTION = typer.Option(1_000, min=2, help="Sending accounts (round-robin).")
BLOCK_TXS_OPTION = typer.Option(2_000, min=1, help="Maximum transactions per block.")
CLIENTS_OPTION = typer.Option(16, min=1, help="Concurrent HTTP clients.")
BATCH_OPTION = typer.Option(500, min=1, help="Transactions per HTTP batch request.")
OUT_OPTION = typer.Option(None, help="JSON output (default bench/results/transfers-<time>.json).")


@bench_app.command("transfers")
def bench_transfers(
    target: str = TARGET_OPTION,
    suite: list[str] = SUITE_OPTION,
    txs: int = TXS_OPTION,
    accounts: int = ACCOUNTS_OPTION,
    block_txs: int = BLOCK_TXS_OPTION,
    clients: int = CLIENTS_OPTION,
    batch_size: int = BATCH_OPTION,
    out: Path | None = OUT_OPTION,
) -> None:
    """Pre-sign transfers, run them through the node, print the table and write JSON."""
    targets = list(TARGETS) if target == "all" else [target]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise typer.BadParameter(f"unknown target {unknown[0]!r}; choose from {TARGETS} or all")
    results: list[RoundResult] = []
    for suite_name in suite:
        workload = TransferWorkload(suite_name, accounts, txs, block_txs)
        for name in targets:
            typer.echo(f"running {name} ({suite_name}, {txs} transfers) ...", err=True)
            if name == "inprocess":
                results.append(run_inprocess_transfers(workload))
            else:
                mode = name.removeprefix("http-")
                settings = HttpSettings(mode=mode, clients=clients, batch_size=batch_size)
                results.append(run_http_transfers(workload, settings))
    typer.echo(render_table(results))
    path = out or Path("bench/results") / f"transfers-{time.strftime('%Y%m%d-%H%M%S')}.json"
    save_results(path, results)
    typer.echo(f"results written to {path}")


RATES_OPTION = typer.Option(
    ",".join(str(r) for r in DEFAULT_RATES), help="Offered rates in tx/s, comma-separated."
)
DURATION_OPTION = typer.Option(30.0, min=0.1, help="Seconds of sending per rate.")
VALIDATORS_OPTION = typer.Option(4, min=1, help="Validators of the testnet it starts.")
TESTNET_SUITE_OPTION = typer.Option("intl", help="Crypto suite of the testnet: intl or gm.")
USERS_OPTION = typer.Option(2_000, min=2, help="Funded sender accounts of the testnet.")
DIR_OPTION = typer.Option(
    None, "--dir", help="Testnet directory: attach if it runs there, else start it there."
)
LANES_OPTION = typer.Option(2, min=1, help="Concurrent request streams per node.")
TICK_OPTION = typer.Option(20, min=1, help="Milliseconds between a stream's sends.")
DEADLINE_OPTION = typer.Option(30.0, min=0.0, help="Seconds to wait for commits after sending.")
TIMEOUT_COMMIT_OPTION = typer.Option("200ms", help="CometBFT timeout_commit of a new testnet.")
TESTNET_OUT_OPTION = typer.Option(
    None, help="JSON output (default bench/results/testnet-<time>.json)."
)


@bench_app.command("testnet")
def bench_testnet(
    validators: int = VALIDATORS_OPTION,
    rates: str = RATES_OPTION,
    duration: float = DURATION_OPTION,
    suite: str = TESTNET_SUITE_OPTION,
    users: int = USERS_OPTION,
    directory: Path | None = DIR_OPTION,
    lanes_per_node: int = LANES_OPTION,
    tick_ms: int = TICK_OPTION,
    commit_deadline: float = DEADLINE_OPTION,
    timeout_commit: str = TIMEOUT_COMMIT_OPTION,
    out: Path | None = TESTNET_OUT_OPTION,
) -> None:
    """Open-loop signed transfers at fixed rates on a local testnet; table + JSON."""
    settings = TestnetBenchSettings(
        validators=validators,
        rates=parse_rates(rates),
        duration_s=duration,
        suite=suite,
        users=users,
        lanes_per_node=lanes_per_node,
        tick_s=tick_ms / 1000,
        commit_deadline_s=commit_deadline,
        timeout_commit=timeout_commit,
        directory=directory,
    )
    with guard_errors():  # e.g. no bin/cometbft, ports in use: one error line, exit status 1
        run = run_testnet_benchmark(settings, progress=lambda line: typer.echo(line, err=True))
    typer.echo(render_table(run.results))
    typer.echo("")
    typer.echo(render_load_table(run.results))
    path = out or Path("bench/results") / f"testnet-{time.strftime('%Y%m%d-%H%M%S')}.json"
    save_results(path, run.results, {"benchmark": "testnet", "network": run.network})
    typer.echo(f"results written to {path}")


def parse_rates(text: str) -> tuple[int, ...]:
    """`"500,1000"` -> (500, 1000); every rate a positive integer."""
    try:
        rates = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"rates must be integers, comma-separated: {text!r}") from None
    if not rates or min(rates) < 1:
        raise typer.BadParameter(f"give at least one positive rate: {text!r}")
    return rates


LSM_PAYMENTS_OPTION = typer.Option(10_000, min=1, help="Queued payments in the gridlock.")
LSM_BANKS_OPTION = typer.Option(100, min=2, help="Banks sharing the queue.")
SEED_OPTION = typer.Option(5, help="Seed of the workload (same seed, same payments).")
REPEATS_OPTION = typer.Option(50, min=1, help="Timed netting cycles of the pure core.")
LSM_LIQUIDITY_OPTION = typer.Option(
    90, min=0, max=99, help="Each bank's balance as % of its head payment (< 100: gridlocked)."
)
LSM_RESERVE_OPTION = typer.Option(
    25, min=0, max=100, help="Share (%) of each balance reserved for URGENT payments."
)
CHAIN_RUNS_OPTION = typer.Option(
    1, min=0, help="Fresh solo chains timing one RunLsm each over the same queue (0: skip)."
)
CLEARING_SUITE_OPTION = typer.Option("intl", help="Crypto suite of the chain: intl or gm.")
LSM_OUT_OPTION = typer.Option(
    None, help="JSON output (default bench/results/clearing-lsm-<time>.json)."
)


@bench_app.command("clearing-lsm")
def bench_clearing_lsm(
    payments: int = LSM_PAYMENTS_OPTION,
    banks: int = LSM_BANKS_OPTION,
    seed: int = SEED_OPTION,
    repeats: int = REPEATS_OPTION,
    liquidity_pct: int = LSM_LIQUIDITY_OPTION,
    reserve_pct: int = LSM_RESERVE_OPTION,
    chain_runs: int = CHAIN_RUNS_OPTION,
    suite: str = CLEARING_SUITE_OPTION,
    out: Path | None = LSM_OUT_OPTION,
) -> None:
    """Gridlock resolution: time the netting cycle on a gridlocked queue; table + JSON."""
    workload = GridlockWorkload(
        payments=payments,
        banks=banks,
        seed=seed,
        liquidity_pct=liquidity_pct,
        reserve_pct=reserve_pct,
        repeats=repeats,
        chain_runs=chain_runs,
        suite=suite,
    )
    typer.echo(f"running clearing-lsm ({payments} payments, {banks} banks) ...", err=True)
    with guard_errors():
        result = run_lsm_benchmark(workload)
    rounds = result.to_rounds()
    summary = render_lsm_summary(result)
    _report("clearing-lsm", out, rounds, result.to_json(), summary, result.violations)


DAY_PAYMENTS_OPTION = typer.Option(70_000, min=1, help="Payments of the day.")
DAY_BANKS_OPTION = typer.Option(50, min=2, help="Member banks (plus the central bank).")
DAY_SEED_OPTION = typer.Option(7, help="Seed of the workload (same seed, same payments).")
DAY_BLOCK_TXS_OPTION = typer.Option(2_000, min=1, help="Payments per block.")
DAY_LIQUIDITY_OPTION = typer.Option(
    10, min=0, max=100, help="Pledge per bank: LB + this % of (UB - LB); 100: nothing queues."
)
RESERVE_OPTION = typer.Option(
    10, min=0, max=100, help="Share (%) of each pledge reserved for URGENT payments."
)
DAY_OUT_OPTION = typer.Option(
    None, help="JSON output (default bench/results/clearing-day-<time>.json)."
)


@bench_app.command("clearing-day")
def bench_clearing_day(
    payments: int = DAY_PAYMENTS_OPTION,
    banks: int = DAY_BANKS_OPTION,
    seed: int = DAY_SEED_OPTION,
    block_txs: int = DAY_BLOCK_TXS_OPTION,
    liquidity_pct: int = DAY_LIQUIDITY_OPTION,
    reserve_pct: int = RESERVE_OPTION,
    suite: str = CLEARING_SUITE_OPTION,
    out: Path | None = DAY_OUT_OPTION,
) -> None:
    """A settlement day end to end on the solo engine, ending with the cut-off; table + JSON."""
    workload = DayWorkload(
        payments=payments,
        banks=banks,
        seed=seed,
        block_txs=block_txs,
        liquidity_pct=liquidity_pct,
        reserve_pct=reserve_pct,
        suite=suite,
    )
    typer.echo(f"running clearing-day ({payments} payments, {banks} banks) ...", err=True)
    with guard_errors():
        result = run_clearing_day(workload)
    summary = render_day_summary(result)
    _report("clearing-day", out, [result.round], result.to_json(), summary, result.violations)


CONTRACT_TXS_OPTION = typer.Option(10_000, min=1, help="Transactions per round.")
CONTRACT_ACCOUNTS_OPTION = typer.Option(200, min=2, help="Sending accounts (round-robin).")
CONTRACT_BLOCK_TXS_OPTION = typer.Option(1_000, min=1, help="Maximum transactions per block.")
CONTRACT_OUT_OPTION = typer.Option(
    None, help="JSON output (default bench/results/contracts-<time>.json)."
)


@bench_app.command("contracts")
def bench_contracts(
    transactions: int = CONTRACT_TXS_OPTION,
    accounts: int = CONTRACT_ACCOUNTS_OPTION,
    block_txs: int = CONTRACT_BLOCK_TXS_OPTION,
    suite: str = CLEARING_SUITE_OPTION,
    out: Path | None = CONTRACT_OUT_OPTION,
) -> None:
    """Token-contract transfers against native transfers on the solo engine; ratio + compute."""
    workload = ContractWorkload(suite, accounts, transactions, block_txs)
    typer.echo(f"running contracts ({transactions} calls and transfers) ...", err=True)
    with guard_errors():
        result = run_contract_benchmark(workload)
    typer.echo(render_contract_summary(result))
    path = out or _default_out("contracts")
    save_results(path, [result.native, result.contract], result.to_json())
    typer.echo(f"results written to {path}")


def _report(
    name: str,
    out: Path | None,
    rounds: list[RoundResult],
    document: dict[str, Any],
    summary: str,
    violations: Sequence[str],
) -> None:
    """Print the rounds' table and the summary, save the JSON, fail on invariant violations."""
    typer.echo(render_table(rounds))
    typer.echo("")
    typer.echo(summary)
    path = out or _default_out(name)
    save_results(path, rounds, document)
    typer.echo(f"results written to {path}")
    if violations:
        fail("bench/violations", "; ".join(violations))


def _default_out(name: str) -> Path:
    return Path("bench/results") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
