"""`finchain bench`: transfer benchmarks on the solo engine, in process and over HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from finchain.bench.http import HttpSettings, run_http_transfers
from finchain.bench.inprocess import TransferWorkload, run_inprocess_transfers
from finchain.bench.report import RoundResult, render_table, save_results

bench_app = typer.Typer(
    help="Benchmarks: throughput, p50/p99 latency, success rate (table + JSON).",
    no_args_is_help=True,
)

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
