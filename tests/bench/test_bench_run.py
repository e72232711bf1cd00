"""`finchain bench run` reports what the chain really committed.

A tiny suite (fixed-rate and max-rate transfers, ~2 s each, plus a short read round) runs against
the solo node the runner starts; before the node stops, every counted success is looked up by
hash through the REST API (`GET /v1/txs/{hash}`, receipt code `ok`) and the counts must add up.
The CLI writes the table, `results.json` and a self-contained `report.html` with SVG plots.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from finchain.bench.caict import judge_round
from finchain.bench.drivers import HttpDriver
from finchain.bench.report import RoundResult
from finchain.bench.rounds import (
    RoundConfigError,
    get_preset,
    load_suite_config,
    parse_suite_config,
)
from finchain.bench.suite import SuiteRun, compute_ramp_due_s, run_suite
from finchain.bench.targets import ChainUnderTest
from finchain.cli.bench_cmd import bench_app

TINY_SUITE = """
block_txs: 500
rounds:
  - name: fixed-40
    workload: transfer
    rate_control: fixed-rate
    tps: 40
    duration_s: 2
    accounts: 10
  - name: max-2
    workload: transfer
    rate_control: max-rate
    clients: 2
    duration_s: 1.5
    accounts: 10
    max_txs: 400
  - name: reads-ramp
    workload: query
    rate_control: linear-ramp
    start_tps: 20
    end_tps: 60
    duration_s: 1
    accounts: 5
"""


@pytest.mark.timeout(60)
def test_run_counts_only_what_the_chain_committed(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(TINY_SUITE)
    config = load_suite_config(path)
    committed: dict[str, str] = {}

    def inspect_chain(chain: ChainUnderTest, run: SuiteRun) -> None:
        assert isinstance(chain.driver, HttpDriver)
        [url] = chain.driver.api_urls
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(timeout=10) as client:
            for outcome in run.outcomes:
                for tx_hash in outcome.succeeded if outcome is not None else ():
                    reply = client.get(f"{url}/v1/txs/{tx_hash}")
                    assert reply.status_code == 200, f"{tx_hash} counted but not committed"
                    committed[tx_hash] = reply.json()["receipt"]["code"]

    run = run_suite(config, inspect_chain=inspect_chain)

    fixed, closed, reads = run.results
    fixed_outcome, closed_outcome, reads_outcome = run.outcomes
    assert reads_outcome is None and fixed_outcome is not None and closed_outcome is not None
    # Every counted success is a committed transaction with an `ok` receipt.
    assert set(committed) == set(fixed_outcome.succeeded) | set(closed_outcome.succeeded)
    assert set(committed.values()) == {"ok"}
    # The counts add up, per round and per outcome group.
    for result, outcome in ((fixed, fixed_outcome), (closed, closed_outcome)):
        assert result.succeeded + result.failed == result.submitted
        assert len(outcome.succeeded) == result.succeeded
        assert len(outcome.rejected) == result.rejected
        assert len(outcome.timed_out) == result.timed_out
        assert len(outcome.committed_failed) == result.committed_failed
        assert result.latency_min_s is not None and result.latency_avg_s is not None
        assert 0 < result.latency_min_s <= result.latency_p50_s <= result.latency_max_s
        assert result.latency_min_s <= result.latency_avg_s <= result.latency_max_s
        assert "app" in {p["role"] for p in result.processes}
    assert fixed.submitted == 80 and fixed.succeeded == 80, fixed.settings
    assert closed.succeeded > 0 and closed.failed == 0, closed.settings
    assert reads.succeeded == reads.submitted == 40
    assert len(run.series[0].done_at_s) == fixed.succeeded
    assert len(run.series[1].latency_s) == closed.succeeded
    assert run.environment["block"]["max_block_txs"] == 500


@pytest.mark.timeout(60)
def test_cli_run_writes_table_json_and_html(tmp_path: Path) -> None:
    config = tmp_path / "suite.yaml"
    config.write_text(
        "rounds:\n"
        "  - {name: t, workload: transfer, rate_control: fixed-rate, tps: 20, duration_s: 1,"
        " accounts: 4, caict: stability}\n"
        "  - {name: q, workload: query, rate_control: max-rate, clients: 2, duration_s: 0.5}\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(bench_app, ["run", "--config", str(config), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "fixed-rate" in result.output and "max-rate" in result.output
    document = json.loads((out / "results.json").read_text())
    assert [r["name"] for r in document["rounds"]] == ["t", "q"]
    assert document["rounds"][0]["succeeded"] == 20
    assert document["environment"]["engine"].startswith("solo")
    assert (document["environment"]["target"], document["environment"]["nodes"]) == ("http", 1)
    # The round marked as a CAICT stability run is judged: 20 of 20 committed passes.
    [verdict] = document["caict"]
    assert (verdict["round"], verdict["run"], verdict["passed"]) == ("t", "stability", True)
    assert "CAICT stability (t): PASS" in result.output
    assert "stability PASS" in result.output  # the table's CAICT column
    page = (out / "report.html").read_text()
    assert page.count("<svg") == 4 and "<script" not in page
    assert "logical CPUs" in page and "max_block_txs" in page


def test_invalid_round_is_refused_with_its_name() -> None:
    with pytest.raises(RoundConfigError, match=r"'r1'.*tps > 0"):
        parse_suite_config(
            {
                "rounds": [
                    {
                        "name": "r1",
                        "workload": "transfer",
                        "rate_control": "fixed-rate",
                        "duration_s": 1,
                    }
                ]
            }
        )
    with pytest.raises(RoundConfigError, match="workload"):
        parse_suite_config({"rounds": [{"name": "r2", "workload": "mint", "duration_s": 1}]})


def test_linear_ramp_schedule_integrates_the_rate() -> None:
    # From 10/s to 30/s over 2 s: 40 transactions, the last one due just before 2 s.
    assert compute_ramp_due_s(0, 10, 30, 2) == 0
    assert compute_ramp_due_s(10, 10, 30, 2) == pytest.approx(3**0.5 - 1)
    assert compute_ramp_due_s(40, 10, 30, 2) == pytest.approx(2.0)
    assert compute_ramp_due_s(5, 10, 10, 2) == pytest.approx(0.5)


def result_of(run: str, sent: int, ok: int, send_tps: float, tps: float) -> RoundResult:
    return RoundResult(
        name=run,
        target="node+http",
        suite="intl",
        submitted=sent,
        succeeded=ok,
        failed=sent - ok,
        duration_s=1.0,
        throughput_tps=tps,
        latency_p50_s=0.01,
        latency_p99_s=0.02,
        latency_max_s=0.03,
        settings={"caict": run},
        send_tps=send_tps,
    )


@pytest.mark.parametrize(
    ("run", "sent", "ok", "send_tps", "tps", "passed"),
    [
        ("pressure", 100, 96, 100.0, 96.0, True),
        ("pressure", 100, 96, 100.0, 90.0, False),  # the target falls behind what it is sent
        ("pressure", 100, 94, 100.0, 99.0, False),
        ("spike", 100, 75, 200.0, 80.0, True),
        ("spike", 100, 74, 200.0, 80.0, False),
        ("stability", 100, 96, 20.0, 20.0, True),
        ("stability", 100, 95, 20.0, 20.0, False),  # strictly more than 95 %
    ],
)
def test_caict_verdicts_follow_the_criteria(
    run: str, sent: int, ok: int, send_tps: float, tps: float, passed: bool
) -> None:
    verdict = judge_round(result_of(run, sent, ok, send_tps, tps))
    assert verdict is not None and verdict.passed is passed
    unmarked = result_of("pressure", 1, 1, 1.0, 1.0)
    assert judge_round(RoundResult(**{**asdict(unmarked), "settings": {}})) is None


def test_caict_preset_and_marks_are_checked() -> None:
    preset = get_preset("caict")
    assert [r.caict for r in preset.rounds] == ["pressure", "spike", "stability"]
    pressure, spike, stability = preset.rounds
    assert spike.tps == 2 * pressure.tps and stability.tps == pressure.tps / 5
    with pytest.raises(RoundConfigError, match="caict"):
        parse_suite_config(
            {
                "rounds": [
                    {
                        "name": "x",
                        "workload": "transfer",
                        "rate_control": "fixed-rate",
                        "tps": 1,
                        "duration_s": 1,
                        "caict": "endurance",
                    }
                ]
            }
        )
