"""The transfer benchmarks run end to end on tiny workloads and report what really committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finchain.bench.http import HttpSettings, run_http_transfers
from finchain.bench.inprocess import TransferWorkload, run_inprocess_transfers
from finchain.bench.report import percentile
from finchain.cli.main import app


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([], 0.5) == 0.0


@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_inprocess_round_counts_every_committed_transfer(suite: str) -> None:
    result = run_inprocess_transfers(TransferWorkload(suite, 20, 300, 100))
    assert (result.submitted, result.succeeded, result.failed) == (300, 300, 0)
    assert result.throughput_tps > 0
    assert 0 < result.latency_p50_s <= result.latency_p99_s <= result.latency_max_s


@pytest.mark.e2e
def test_http_batch_round_against_a_real_node_process() -> None:
    workload = TransferWorkload("intl", 20, 400, 200)
    result = run_http_transfers(workload, HttpSettings(mode="batch", clients=2, batch_size=100))
    assert (result.succeeded, result.failed) == (400, 0)


def test_cli_writes_the_json_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    command = ["bench", "transfers", "--target", "inprocess", "--txs", "200"]
    command += ["--accounts", "10", "--block-txs", "50", "--out", str(out)]
    outcome = CliRunner().invoke(app, command)
    assert outcome.exit_code == 0, outcome.output
    assert "transfer/in-process" in outcome.output
    report = json.loads(out.read_text())
    assert report["machine"]["logical_cpus"] >= 1
    (round_,) = report["rounds"]
    assert round_["succeeded"] == 200 and round_["success_rate"] == 1.0
