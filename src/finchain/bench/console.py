"""Console tables of `finchain bench run` and `finchain bench compare` (rich).

`build_suite_table` shows one row per round: workload, rate control, sent / ok / failed, send
rate, committed throughput, latency min/avg/p50/p95/p99/max (ms), the nodes' CPU (100 = one
core, summed over every app and CometBFT process) and peak RSS (MiB, summed), and the CAICT
verdict of a marked round (that column only when a round is marked). `build_comparison_table`
shows the B/A ratios of two runs.

Owns: building rich renderables and printing them (`print_renderable`). Pure otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from finchain.bench.caict import Verdict
from finchain.bench.compare import RoundComparison
from finchain.bench.report import (
    RoundResult,
    describe_rate_control,
    format_ms,
    latency_and_node_cells,
)

WIDTH_WITHOUT_TERMINAL = 200  # columns when printing to a pipe or a test runner


def build_suite_table(
    results: list[RoundResult], verdicts: list[Verdict], environment: dict[str, Any]
) -> Table:
    table = Table(title=describe_setup(environment), title_justify="left")
    for header in ("round", "workload", "rate control"):
        table.add_column(header, no_wrap=True)
    for header in ("sent", "ok", "fail", "send/s", "committed/s"):
        table.add_column(header, justify="right")
    for header in ("min", "avg", "p50", "p95", "p99", "max ms"):
        table.add_column(header, justify="right")
    table.add_column("node CPU %", justify="right")
    table.add_column("node MiB", justify="right")
    if verdicts:
        table.add_column("CAICT")
    verdict_of = {v.round: v for v in verdicts}
    for r in results:
        verdict = [_verdict_text(verdict_of.get(r.name))] if verdicts else []
        table.add_row(
            r.name,
            str(r.settings.get("workload", "")),
            describe_rate_control(r.settings),
            f"{r.submitted:,}",
            f"{r.succeeded:,}",
            _fail_text(r),
            f"{r.send_tps or 0:,.0f}",
            f"{r.throughput_tps:,.0f}",
            *latency_and_node_cells(r),
            *verdict,
        )
    return table


def build_comparison_table(comparisons: list[RoundComparison], a: str, b: str) -> Table:
    table = Table(title=f"A = {a}\nB = {b}", title_justify="left")
    table.add_column("round", no_wrap=True)
    for header in ("A committed/s", "B committed/s", "B/A tps"):
        table.add_column(header, justify="right")
    for header in ("A p50 ms", "B p50 ms", "B/A p50", "A p99 ms", "B p99 ms", "B/A p99"):
        table.add_column(header, justify="right")
    table.add_column("A ok/sent", justify="right")
    table.add_column("B ok/sent", justify="right")
    for c in comparisons:
        table.add_row(
            c.name,
            _tps(c.a),
            _tps(c.b),
            _ratio(c.throughput_ratio),
            format_ms(c.a.latency_p50_s) if c.a else "-",
            format_ms(c.b.latency_p50_s) if c.b else "-",
            _ratio(c.p50_ratio),
            format_ms(c.a.latency_p99_s) if c.a else "-",
            format_ms(c.b.latency_p99_s) if c.b else "-",
            _ratio(c.p99_ratio),
            f"{c.a.succeeded:,}/{c.a.submitted:,}" if c.a else "-",
            f"{c.b.succeeded:,}/{c.b.submitted:,}" if c.b else "-",
        )
    return table


def print_renderable(renderable: Any) -> None:
    """Print to the current stdout (also when a test runner replaced it), wide when it is not a
    terminal so that no column is squeezed."""
    console = Console(file=sys.stdout)
    if not console.is_terminal:
        console = Console(file=sys.stdout, width=WIDTH_WITHOUT_TERMINAL)
    console.print(renderable)


def describe_setup(environment: dict[str, Any]) -> str:
    """One line: target, node count, engine, suite, block settings."""
    block = ", ".join(f"{k}={v}" for k, v in environment.get("block", {}).items())
    return (
        f"target {environment.get('target', '?')} ({environment.get('nodes', '?')} node(s)), "
        f"suite {environment.get('crypto_suite', '?')}; {environment.get('engine', '')}; "
        f"block: {block}"
    )


def _fail_text(result: RoundResult) -> str:
    if not result.failed:
        return "0"
    parts = [
        f"{label} {count}"
        for label, count in (
            ("rej", result.rejected),
            ("t/o", result.timed_out),
            ("err", result.committed_failed),
        )
        if count
    ]
    return f"{result.failed:,} ({', '.join(parts)})"


def _verdict_text(verdict: Verdict | None) -> str:
    if verdict is None:
        return ""
    outcome = "[green]PASS[/green]" if verdict.passed else "[red]FAIL[/red]"
    return f"{verdict.run} {outcome}"


def _tps(result: RoundResult | None) -> str:
    return "-" if result is None else f"{result.throughput_tps:,.0f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
