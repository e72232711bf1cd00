"""`finchain testnet` commands (the typer sub-app) on a 1-validator network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finchain.cli.testnet_cmd import testnet_app
from finchain.node.testnet_config import find_free_base_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


def test_up_status_down_reset(testnet_dir: Path) -> None:
    runner = CliRunner()
    where = ["--dir", str(testnet_dir)]
    base = ["--base-port", str(find_free_base_port(1))]

    started = runner.invoke(testnet_app, ["up", "--validators", "1", *where, *base])
    assert started.exit_code == 0, started.output
    assert "node0" in started.output and "rpc http://127.0.0.1:" in started.output

    again = runner.invoke(testnet_app, ["up", "--validators", "1", *where, *base])
    assert again.exit_code == 1 and "already running" in again.output

    status = runner.invoke(testnet_app, ["status", *where, "--json"])
    assert status.exit_code == 0, status.output
    [node] = json.loads(status.output)
    assert node["app_running"] and node["cometbft_running"] and node["height"] >= 2

    stopped = runner.invoke(testnet_app, ["down", *where])
    assert stopped.exit_code == 0 and "stopped 2 processes" in stopped.output

    removed = runner.invoke(testnet_app, ["reset", *where, "--yes"])
    assert removed.exit_code == 0 and not testnet_dir.exists()


def test_invalid_status_without_a_testnet(tmp_path: Path) -> None:
    result = CliRunner().invoke(testnet_app, ["status", "--dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "testnet/failed" in result.output
