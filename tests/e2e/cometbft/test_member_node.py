"""The production path: `finchain node start --home APP_HOME` with node.json engine "cometbft".

One real process runs the member's application and supervises its CometBFT child: blocks are
produced, a transfer sent to its REST API commits, SIGTERM stops both processes, and a restart
resumes at the committed height (CometBFT's Info handshake) with the transfer still there.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from finchain.crypto import get_suite
from finchain.node import testnet
from finchain.node.testnet_config import find_free_base_port, generate
from finchain.sdk import Client, Wallet

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

SUITE = get_suite("intl")
STOP_TIMEOUT_S = 20.0


def test_node_start_runs_app_and_cometbft_and_resumes(testnet_dir: Path) -> None:
    layout = generate(testnet_dir, 1, base_port=find_free_base_port(1))
    [node] = layout.nodes
    config = json.loads((Path(node.app_home) / "node.json").read_text())
    assert (config["engine"], config["cometbft_home"]) == ("cometbft", "../cometbft")
    keys = testnet.load_test_keys(testnet_dir)
    sender = Wallet(SUITE, keys["user0"], "user0")
    recipient = SUITE.address(keys["user1"].public_key)

    process = _start(node.app_home, testnet_dir)
    try:
        testnet.wait_for_blocks(layout, 3, timeout_s=60)
        with Client(node.api_url) as client:
            result = client.bank.transfer(sender, recipient, "CNY", 1_234)
            assert result.receipt.code == "ok"
        committed_height = result.receipt.height
        cometbft_pids = _cometbft_children(process.pid)
        assert len(cometbft_pids) == 1
    finally:
        _stop(process)
    assert process.returncode == 0, (Path(testnet_dir) / "member.log").read_text()[-2000:]
    assert not any(psutil.pid_exists(pid) for pid in cometbft_pids)

    process = _start(node.app_home, testnet_dir)
    try:
        testnet.wait_for_blocks(layout, committed_height + 2, timeout_s=60)
        with Client(node.api_url) as client:
            assert client.get_tx(result.hash).receipt.height == committed_height
            assert client.get_balances(recipient)["CNY"] == 1_000_000_00 + 1_234
    finally:
        _stop(process)
    assert process.returncode == 0


def _start(app_home: str, directory: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "finchain.cli.main", "node", "start", "--home", app_home]
    with (directory / "member.log").open("ab") as log_file:
        return subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
            process.kill()
            process.wait()
            raise


def _cometbft_children(pid: int) -> list[int]:
    deadline = time.monotonic() + 10
    while True:
        children = [
            c.pid for c in psutil.Process(pid).children() if "cometbft" in " ".join(c.cmdline())
        ]
        if children or time.monotonic() > deadline:
            return children
        time.sleep(0.1)
