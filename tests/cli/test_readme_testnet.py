"""The README's "Consortium network (CometBFT)" section, executed: every `$ ` command, in order.

`finchain testnet up` starts 8 real processes (4 CometBFT validators, 4 finchain apps) on
127.0.0.1; the commands run in-process through typer's CliRunner. The only change to the
document: the network's ports move to a free range (`--base-port` on `up`, and the same offset
on every `http://127.0.0.1:266xx` URL), so the test never collides with another network; and a
query on another node than the last transaction's waits until that node has committed as far
(the commands run faster than a person types, and nodes commit a block a few ms apart).
"""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from finchain.cli.main import app
from finchain.node import testnet
from finchain.node.testnet_config import (
    DEFAULT_BASE_PORT,
    USER_BALANCE,
    TestnetError,
    find_cometbft,
    find_free_base_port,
)
from tests.cli.readme_runner import read_steps

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SECTION = "Consortium network (CometBFT)"
URL_PORT = re.compile(r"http://127\.0\.0\.1:(\d+)")


def read_commands() -> list[str]:
    return [step.text for step in read_steps(SECTION) if step.kind == "command"]


def move_ports(words: list[str], base_port: int) -> list[str]:
    offset = base_port - DEFAULT_BASE_PORT
    moved = [URL_PORT.sub(lambda m: f"http://127.0.0.1:{int(m[1]) + offset}", w) for w in words]
    if moved[1:3] == ["testnet", "up"]:
        moved += ["--base-port", str(base_port)]
    return moved


def wait_until_caught_up(reader: str, writer: str, timeout_s: float = 15.0) -> None:
    """Wait until node `reader`'s application has committed what node `writer`'s has."""
    target = httpx.get(f"{writer}/v1/status", timeout=5).json()["height"]
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{reader}/v1/status", timeout=5).json()["height"] < target:
        assert time.monotonic() < deadline, f"{reader} did not reach height {target}"
        time.sleep(0.05)


def test_readme_testnet_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        find_cometbft()
    except TestnetError:
        pytest.skip("bin/cometbft is missing: run `bash scripts/install_cometbft.sh`")
    monkeypatch.chdir(tmp_path)
    for name in ("FINCHAIN_PASSWORD", "FINCHAIN_HOME", "FINCHAIN_NODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    commands = read_commands()
    assert commands[0].startswith("finchain testnet up") and "testnet down" in commands[-1]
    base_port = find_free_base_port(4)
    runner = CliRunner()
    outputs: dict[str, str] = {}
    written_on: str | None = None  # the node the last transaction went to
    try:
        for command in commands:
            words = move_ports(shlex.split(command), base_port)
            assert words[0] == "finchain", command
            node = words[words.index("--node") + 1] if "--node" in words else None
            if words[1] == "query" and node and written_on:
                wait_until_caught_up(node, written_on)  # a person types slower than a block
            if words[1] == "tx":
                written_on = node
            result = runner.invoke(app, words[1:])
            assert result.exit_code == 0, (command, result.output)
            outputs[command] = result.stdout
    finally:
        testnet.down(tmp_path / "net", grace_s=5.0)

    status = next(out for cmd, out in outputs.items() if "testnet status" in cmd)
    assert status.count(" up ") == 4, status
    transfer = next(out for cmd, out in outputs.items() if " transfer " in cmd)
    assert "bank.transfer" in transfer and "committed" in transfer
    balances = next(out for cmd, out in outputs.items() if "query balances" in cmd)
    assert f"{(USER_BALANCE + 1234) // 100:,}.34".replace(",", "") in balances.replace(",", "")
    validators = next(out for cmd, out in outputs.items() if "query validators" in cmd)
    assert validators.count("power 10") == 4, validators
    assert "stopped 8 processes" in outputs[commands[-1]]
