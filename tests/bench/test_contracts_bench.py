"""`finchain bench contracts` on a tiny workload: both rounds commit every transaction, the
compute per call is the token transfer's (the same on every call), and the CLI writes its JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from finchain.bench.contracts import ContractWorkload, run_contract_benchmark
from finchain.cli.main import app


def test_contract_round_against_native_round(tmp_path: Path) -> None:
    result = run_contract_benchmark(
        ContractWorkload(accounts=5, transactions=60, block_txs=20), tmp_path
    )
    for round_ in (result.native, result.contract):
        assert (round_.succeeded, round_.failed, round_.rejected) == (60, 0, 0)
        assert round_.throughput_tps > 0
    assert 1_000 < result.compute_per_call < 5_000
    assert result.gas_per_call > result.gas_per_transfer
    assert result.ratio > 0


def test_cli_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "contracts.json"
    args = ["bench", "contracts", "--transactions", "20", "--accounts", "4", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--block-txs", "10"])
    assert result.exit_code == 0, result.output
    assert "contract / native throughput" in result.output
    data = json.loads(out.read_text())
    assert data["compute_per_call"] > 0 and len(data["rounds"]) == 2
