"""Comparison of two `bench run` runs (`finchain bench compare`): per-round B/A ratios.

Rounds are matched by name; a round only one side has is listed with no ratios. Ratios:
committed throughput B/A (> 1: B is faster) and latency p50 and p99 B/A (< 1: B is faster);
None when A's value is 0.

`vary_suite` builds the two configurations of `--vary FIELD=A,B` from one suite: the same
rounds on two targets, suites or validator counts.

Owns: matching and ratios (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finchain.bench.report import RoundResult
from finchain.bench.rounds import RoundConfigError, SuiteConfig, override_suite

VARIABLE_FIELDS = ("target", "suite", "validators")


@dataclass(frozen=True, slots=True)
class RoundComparison:
    name: str
    a: RoundResult | None
    b: RoundResult | None

    @property
    def throughput_ratio(self) -> float | None:
        return _ratio(self.a, self.b, "throughput_tps")

    @property
    def p50_ratio(self) -> float | None:
        return _ratio(self.a, self.b, "latency_p50_s")

    @property
    def p99_ratio(self) -> float | None:
        return _ratio(self.a, self.b, "latency_p99_s")

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.name,
            "a": _summary(self.a),
            "b": _summary(self.b),
            "throughput_b_over_a": self.throughput_ratio,
            "p50_b_over_a": self.p50_ratio,
            "p99_b_over_a": self.p99_ratio,
        }


def compare_results(a: list[RoundResult], b: list[RoundResult]) -> list[RoundComparison]:
    """A's rounds in order, then B's rounds that A does not have."""
    by_name_b = {r.name: r for r in b}
    names_a = {r.name for r in a}
    matched = [RoundComparison(r.name, r, by_name_b.get(r.name)) for r in a]
    return matched + [RoundComparison(r.name, None, r) for r in b if r.name not in names_a]


def vary_suite(config: SuiteConfig, variation: str) -> tuple[SuiteConfig, SuiteConfig]:
    """`"target=http,inprocess"` -> the config on each of the two values."""
    field, _, values = variation.partition("=")
    choices = [v.strip() for v in values.split(",") if v.strip()]
    if field not in VARIABLE_FIELDS or len(choices) != 2:
        raise RoundConfigError(
            f"--vary takes FIELD=A,B with FIELD one of {VARIABLE_FIELDS}, not {variation!r}"
        )
    if field == "validators":
        try:
            counts = [int(choice) for choice in choices]
        except ValueError:
            raise RoundConfigError(f"validators must be integers: {variation!r}") from None
        first, second = (override_suite(config, validators=count) for count in counts)
        return first, second
    if field == "target":
        return override_suite(config, target=choices[0]), override_suite(config, target=choices[1])
    return override_suite(config, suite=choices[0]), override_suite(config, suite=choices[1])


def _ratio(a: RoundResult | None, b: RoundResult | None, name: str) -> float | None:
    if a is None or b is None:
        return None
    base = float(getattr(a, name))
    return float(getattr(b, name)) / base if base else None


def _summary(result: RoundResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "submitted": result.submitted,
        "succeeded": result.succeeded,
        "throughput_tps": result.throughput_tps,
        "latency_p50_s": result.latency_p50_s,
        "latency_p99_s": result.latency_p99_s,
    }
