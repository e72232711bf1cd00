"""CAICT trusted-blockchain evaluation runs: the pass/fail verdict of a round (pure).

| run       | load                                  | passes when                                |
|-----------|---------------------------------------|--------------------------------------------|
| pressure  | the capacity being claimed            | committed/sent >= 0.95 and success >= 95 % |
| spike     | about twice that capacity             | success >= 75 %                            |
| stability | 20 % of the pressure load, for longer | success > 95 %                             |

"committed/sent" compares the committed throughput with the achieved send rate (≈ 1 means
the target keeps up with what it is sent). The rates themselves come from the round config
(`caict:` in a `bench run` round; the `caict` preset).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from finchain.bench.report import RoundResult

PRESSURE_RATIO = 0.95
PRESSURE_SUCCESS = 0.95
SPIKE_SUCCESS = 0.75
STABILITY_SUCCESS = 0.95


@dataclass(frozen=True, slots=True)
class Verdict:
    round: str
    run: str
    passed: bool
    criteria: str
    success_rate: float
    commit_send_ratio: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        ratio = (
            ""
            if self.commit_send_ratio is None
            else f", committed/sent {self.commit_send_ratio:.2f}"
        )
        outcome = "PASS" if self.passed else "FAIL"
        return (
            f"CAICT {self.run} ({self.round}): {outcome}; success {100 * self.success_rate:.1f} %"
            f"{ratio}; needs {self.criteria}"
        )


def judge_round(result: RoundResult) -> Verdict | None:
    """The verdict of a round marked with a CAICT run, else None."""
    run = str(result.settings.get("caict", ""))
    if not run:
        return None
    success = result.success_rate
    ratio = result.throughput_tps / result.send_tps if result.send_tps else None
    if run == "pressure":
        passed = success >= PRESSURE_SUCCESS and ratio is not None and ratio >= PRESSURE_RATIO
        criteria = "committed/sent >= 0.95 and success >= 95 %"
    elif run == "spike":
        passed, criteria = success >= SPIKE_SUCCESS, "success >= 75 %"
    elif run == "stability":
        passed, criteria = success > STABILITY_SUCCESS, "success > 95 %"
    else:
        raise ValueError(f"unknown CAICT run {run!r}")
    return Verdict(result.name, run, passed, criteria, success, ratio)


def judge_rounds(results: list[RoundResult]) -> list[Verdict]:
    return [v for v in (judge_round(r) for r in results) if v is not None]
