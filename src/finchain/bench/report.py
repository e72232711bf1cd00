"""Benchmark results: latency percentiles, the printed tables and the JSON file.

`RoundResult` is shared by every benchmark; the open-loop fields (offered and achieved send rate,
rejected and timed-out counts, min/p95 latency, per-process CPU and memory) stay at their
defaults for the closed-loop rounds. Pure data and formatting: no I/O except `save_results`.
"""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

NODE_ROLES = ("app", "cometbft")  # process roles that are the chain (not the client, machine)


@dataclass(frozen=True, slots=True)
class RoundResult:
    """One benchmark round. Latencies are seconds from submission to commit (for open-loop
    rounds: from the scheduled submission, so a client held up by a slow node counts).

    `failed` counts every transaction that did not succeed; for open-loop rounds it splits into
    `rejected` (refused at submission), `timed_out` (accepted, not seen committed by the
    deadline) and the rest, committed with an error code (`committed_failed`).
    """

    name: str
    target: str
    suite: str
    submitted: int
    succeeded: int
    failed: int
    duration_s: float
    throughput_tps: float
    latency_p50_s: float
    latency_p99_s: float
    latency_max_s: float
    settings: dict[str, Any] = field(default_factory=dict)
    # Open-loop rounds only (None/0/empty for the closed-loop benchmarks):
    offered_tps: float | None = None
    send_tps: float | None = None
    send_lag_p99_s: float | None = None  # how late the client sent, against the schedule
    rejected: int = 0
    timed_out: int = 0
    latency_min_s: float | None = None
    latency_p95_s: float | None = None
    processes: list[dict[str, Any]] = field(default_factory=list)  # {name, cpu_percent, ...}
    latency_avg_s: float | None = None  # `finchain bench run` rounds

    @property
    def success_rate(self) -> float:
        return self.succeeded / self.submitted if self.submitted else 0.0

    @property
    def committed_failed(self) -> int:
        return self.failed - self.rejected - self.timed_out


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty list)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def describe_machine() -> dict[str, Any]:
    return {
        "cpu": platform.processor() or platform.machine(),
        "logical_cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def render_table(results: list[RoundResult]) -> str:
    header = (
        f"{'round':<28} {'target':<9} {'suite':<5} {'txs':>7} {'ok %':>6} "
        f"{'tps':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<28} {r.target:<9} {r.suite:<5} {r.submitted:>7} "
            f"{100 * r.success_rate:>6.1f} {r.throughput_tps:>9.0f} "
            f"{1000 * r.latency_p50_s:>8.1f} {1000 * r.latency_p99_s:>8.1f} "
            f"{1000 * r.latency_max_s:>8.1f}"
        )
    return "\n".join(lines)


def render_load_table(results: list[RoundResult]) -> str:
    """Open-loop rounds: offered vs achieved send rate (and how late the client sent, p99, ms),
    committed throughput, outcomes, latency, CPU (100 = one core) of the apps, of CometBFT and
    of everything else on the machine but the client (other people's processes), the apps' peak
    RSS."""
    header = (
        f"{'offered':>8} {'sent/s':>7} {'lag p99':>7} {'commit/s':>8} {'ok %':>6} {'rej':>6} "
        f"{'t/o':>6} "
        f"{'min ms':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'app cpu%':>8} {'bft cpu%':>8} {'other%':>6} {'app MiB':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.offered_tps or 0:>8.0f} {r.send_tps or 0:>7.0f} "
            f"{1000 * (r.send_lag_p99_s or 0):>7.0f} {r.throughput_tps:>8.0f} "
            f"{100 * r.success_rate:>6.1f} {r.rejected:>6} {r.timed_out:>6} "
            f"{1000 * (r.latency_min_s or 0):>7.0f} {1000 * r.latency_p50_s:>7.0f} "
            f"{1000 * (r.latency_p95_s or 0):>7.0f} {1000 * r.latency_p99_s:>7.0f} "
            f"{1000 * r.latency_max_s:>7.0f} {_sum_cpu(r, 'app'):>8.0f} "
            f"{_sum_cpu(r, 'cometbft'):>8.0f} {_other_cpu(r):>6.0f} {_max_rss(r, 'app'):>7.0f}"
        )
    return "\n".join(lines)


def sum_node_cpu(result: RoundResult) -> float:
    """CPU % (100 = one core) of every node process of the round (apps and CometBFT)."""
    return sum(float(p["cpu_percent"]) for p in result.processes if p.get("role") in NODE_ROLES)


def sum_node_rss(result: RoundResult) -> float:
    """Peak RSS (MiB) of every node process of the round, summed."""
    return sum(float(p["rss_max_mib"]) for p in result.processes if p.get("role") in NODE_ROLES)


def save_results(
    path: Path, results: list[RoundResult], extra: dict[str, Any] | None = None
) -> None:
    """Write the machine, `extra` (e.g. the network's settings) and every round as JSON."""
    document = {
        "machine": describe_machine(),
        **(extra or {}),
        "rounds": [
            dict(asdict(r), success_rate=r.success_rate, committed_failed=r.committed_failed)
            for r in results
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def _sum_cpu(result: RoundResult, role: str) -> float:
    """Total CPU% (100 = one core) of the round's processes with this role."""
    return sum(float(p["cpu_percent"]) for p in result.processes if p.get("role") == role)


def _other_cpu(result: RoundResult) -> float:
    """Machine CPU% spent by neither the network's processes nor the benchmark client."""
    ours = sum(_sum_cpu(result, role) for role in ("app", "cometbft", "client"))
    return max(0.0, _sum_cpu(result, "machine") - ours)


def _max_rss(result: RoundResult, role: str) -> float:
    """The largest peak RSS (MiB) among the round's processes with this role."""
    rows = [p for p in result.processes if p.get("role") == role]
    return max((float(p["rss_max_mib"]) for p in rows), default=0.0)


def describe_rate_control(settings: dict[str, Any]) -> str:
    """A round's rate control in a few words, e.g. `fixed-rate 200/s`."""
    control = str(settings.get("rate_control", ""))
    if control == "fixed-rate":
        return f"fixed-rate {settings.get('tps', 0):g}/s"
    if control == "linear-ramp":
        return f"linear-ramp {settings.get('start_tps', 0):g}-{settings.get('end_tps', 0):g}/s"
    if control == "max-rate":
        return f"max-rate {settings.get('clients', '?')} clients"
    return control


def format_ms(seconds: float | None) -> str:
    return f"{1000 * (seconds or 0.0):.1f}"


def latency_and_node_cells(result: RoundResult) -> list[str]:
    """Latency min, avg, p50, p95, p99, max (ms), then node CPU % and RSS (MiB), as text."""
    latencies = (
        result.latency_min_s,
        result.latency_avg_s,
        result.latency_p50_s,
        result.latency_p95_s,
        result.latency_p99_s,
        result.latency_max_s,
    )
    cpu_and_rss = [f"{sum_node_cpu(result):.0f}", f"{sum_node_rss(result):.0f}"]
    return [format_ms(s) for s in latencies] + cpu_and_rss
