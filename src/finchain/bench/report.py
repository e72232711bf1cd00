"""Benchmark results: latency percentiles, the printed table and the JSON file."""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil


@dataclass(frozen=True, slots=True)
class RoundResult:
    """One benchmark round. Latencies are seconds from submission to commit."""

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

    @property
    def success_rate(self) -> float:
        return self.succeeded / self.submitted if self.submitted else 0.0


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


def save_results(path: Path, results: list[RoundResult]) -> None:
    document = {
        "machine": describe_machine(),
        "rounds": [dict(asdict(r), success_rate=r.success_rate) for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
