"""`finchain bench`: transfer benchmarks.

- `transfers`: closed loop on the solo engine, in process and over HTTP;
- `testnet`: open loop at fixed rates on an N-validator CometBFT testnet (real processes).
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from finchain.bench.http import HttpSettings, run_http_transfers
from finchain.bench.inprocess import TransferWorkload, run_inprocess_transfers
from finchain.bench.report import RoundResult, render_load_table, render_table, save_results
from finchain.bench.testnet import DEFAULT_RATES, TestnetBenchSettings, run_testnet_benchmark
from finchain.cli.common import guard_errors

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
