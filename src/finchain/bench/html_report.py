"""The HTML report of `finchain bench run`: one self-contained file, plots as inline SVG.

Per round: a table row of the numbers, a latency-over-time plot (p50 and max of each time bin)
and a throughput-over-time plot (requests sent and transactions committed per second, by bin).
The header states the machine, target, engine, node count, block settings, workload and client.
Node CPU and RSS are summed over every node process (apps and CometBFT).

Owns: rendering only (pure: a string from a `SuiteRun`); no JavaScript, no plotting library.
"""

from __future__ import annotations

import html
import json
from typing import Any

from finchain.bench.caict import Verdict, judge_rounds
from finchain.bench.report import (
    RoundResult,
    describe_rate_control,
    latency_and_node_cells,
    percentile,
)
from finchain.bench.suite import RoundSeries, SuiteRun

PLOT_WIDTH = 560
PLOT_HEIGHT = 220
MARGIN_LEFT = 56
MARGIN_BOTTOM = 32
MARGIN_TOP = 14
MARGIN_RIGHT = 12
BINS = 40
COLORS = ("#1f77b4", "#d62728", "#2ca02c")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
pre { background: #f6f6f6; padding: 0.5em; font-size: 0.85em; }
"""


def render_html_report(run: SuiteRun, title: str = "finchain benchmark") -> str:
    """The whole report as one HTML document."""
    env = run.environment
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<h2>Setup</h2>",
        _render_environment(env),
        "<h2>Results</h2>",
        _render_results_table(run.results),
        *_render_verdicts(judge_rounds(run.results)),
    ]
    for result, series in zip(run.results, run.series, strict=True):
        parts.append(f"<h2>Round {html.escape(result.name)}</h2>")
        parts.append(f"<p>{html.escape(_describe_round(result))}</p>")
        parts.append('<div class="plots">')
        parts.append(_render_latency_plot(series))
        parts.append(_render_throughput_plot(series))
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _render_verdicts(verdicts: list[Verdict]) -> list[str]:
    """The CAICT runs' pass/fail lines (nothing when no round is marked)."""
    if not verdicts:
        return []
    items = "".join(f"<li>{html.escape(v.describe())}</li>" for v in verdicts)
    return ["<h2>CAICT runs</h2>", f"<ul>{items}</ul>"]


def _render_environment(env: dict[str, Any]) -> str:
    machine = env.get("machine", {})
    rows = [
        (
            "machine",
            f"{machine.get('cpu')}, {machine.get('logical_cpus')} logical CPUs, "
            f"{machine.get('memory_gib')} GiB RAM, {machine.get('platform')}, "
            f"Python {machine.get('python')}",
        ),
        ("target", str(env.get("target", ""))),
        ("engine", str(env.get("engine", ""))),
        ("nodes", str(env.get("nodes", ""))),
        ("crypto suite", str(env.get("crypto_suite", ""))),
        ("block settings", json.dumps(env.get("block", {}))),
        ("funded accounts", str(env.get("funded_accounts", ""))),
        ("rounds from", str(env.get("config", ""))),
        ("client", str(env.get("client", ""))),
    ]
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _render_results_table(results: list[RoundResult]) -> str:
    header = (
        "round",
        "workload",
        "rate control",
        "clients",
        "sent",
        "ok",
        "failed",
        "send/s",
        "committed/s",
        "min ms",
        "avg ms",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "node CPU %",
        "node RSS MiB",
    )
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"]
    for r in results:
        cells = (
            r.name,
            str(r.settings.get("workload", "")),
            describe_rate_control(r.settings),
            str(r.settings.get("clients", r.settings.get("lanes", "open loop"))),
            str(r.submitted),
            str(r.succeeded),
            str(r.failed),
            f"{r.send_tps or 0:.0f}",
            f"{r.throughput_tps:.0f}",
            *latency_and_node_cells(r),
        )
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _render_latency_plot(series: RoundSeries) -> str:
    bins = _bin_edges(series)
    p50: list[tuple[float, float]] = []
    worst: list[tuple[float, float]] = []
    for start, end in bins:
        values = sorted(
            1000 * latency
            for at, latency in zip(series.done_at_s, series.latency_s, strict=True)
            if start <= at < end
        )
        if values:
            middle = (start + end) / 2
            p50.append((middle, percentile(values, 0.5)))
            worst.append((middle, values[-1]))
    return _render_plot("latency over time (by commit time)", "ms", [("p50", p50), ("max", worst)])


def _render_throughput_plot(series: RoundSeries) -> str:
    bins = _bin_edges(series)
    sent = []
    committed = []
    for start, end in bins:
        width = end - start
        middle = (start + end) / 2
        sent.append((middle, sum(1 for at in series.sent_at_s if start <= at < end) / width))
        committed.append((middle, sum(1 for at in series.done_at_s if start <= at < end) / width))
    return _render_plot("throughput over time", "per s", [("sent", sent), ("committed", committed)])


def _render_plot(title: str, unit: str, lines: list[tuple[str, list[tuple[float, float]]]]) -> str:
    """A line chart: x is seconds from the round's start, y starts at 0."""
    points = [p for _, line in lines for p in line]
    x_max = max((x for x, _ in points), default=1.0) or 1.0
    y_max = max((y for _, y in points), default=1.0) or 1.0
    inner_w = PLOT_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    inner_h = PLOT_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def sx(x: float) -> float:
        return MARGIN_LEFT + inner_w * x / x_max

    def sy(y: float) -> float:
        return MARGIN_TOP + inner_h * (1 - y / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" '
        f'viewBox="0 0 {PLOT_WIDTH} {PLOT_HEIGHT}" role="img">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="{MARGIN_LEFT}" y="11" font-size="11">{html.escape(title)}</text>',
        f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(x_max)}" y2="{sy(0)}" stroke="#444"/>',
        f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(0)}" y2="{sy(y_max)}" stroke="#444"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = y_max * fraction
        parts.append(
            f'<text x="{MARGIN_LEFT - 4}" y="{sy(y) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{y:.4g}</text>'
        )
        x = x_max * fraction
        parts.append(
            f'<text x="{sx(x):.1f}" y="{PLOT_HEIGHT - MARGIN_BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{x:.3g}</text>'
        )
    parts.append(
        f'<text x="{sx(x_max / 2):.1f}" y="{PLOT_HEIGHT - 4}" font-size="10" '
        f'text-anchor="middle">seconds from round start</text>'
    )
    parts.append(
        f'<text x="12" y="{sy(y_max / 2):.1f}" font-size="10" text-anchor="middle" '
        f'transform="rotate(-90 12 {sy(y_max / 2):.1f})">{html.escape(unit)}</text>'
    )
    for position, (label, line) in enumerate(lines):
        color = COLORS[position % len(COLORS)]
        coordinates = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in line)
        if coordinates:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
                f'points="{coordinates}"/>'
            )
        legend_x = PLOT_WIDTH - MARGIN_RIGHT - 90 * (len(lines) - position)
        parts.append(
            f'<text x="{legend_x}" y="11" font-size="11" fill="{color}">'
            f"&#9632; {html.escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bin_edges(series: RoundSeries) -> list[tuple[float, float]]:
    end = max([*series.done_at_s, *series.sent_at_s], default=0.0)
    width = max(end / BINS, 0.1)
    count = max(1, int(end / width) + 1)
    return [(i * width, (i + 1) * width) for i in range(count)]


def _describe_round(result: RoundResult) -> str:
    settings = {
        k: v
        for k, v in result.settings.items()
        if k not in ("rejection_codes", "committed_failure_codes")
    }
    failures = {
        "rejected": result.rejected,
        "timed_out": result.timed_out,
        "rejection_codes": result.settings.get("rejection_codes", {}),
        "committed_failure_codes": result.settings.get("committed_failure_codes", {}),
    }
    return f"settings: {json.dumps(settings)}; failures: {json.dumps(failures)}"
