"""`finchain testnet stop NODE` / `restart NODE` on a real 4-validator network, `GET /v1/status`
`catching_up`/`lag_blocks` under CometBFT, and `finchain node verify` on a CometBFT node's store.

One node is stopped under the tool's control: the other three go on committing (3 of 4 is above
2/3 of the power) and a transfer commits meanwhile; the stopped node's store replays from
genesis (its initial validators came from CometBFT's InitChain); restarted, it catches up, serves
the transfer and agrees on every app hash. Bounds are generous for a busy 2-core machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from finchain.cli import testnet_cmd
from finchain.cli.main import app as cli_app
from finchain.crypto import get_suite
from finchain.node import testnet
from finchain.node.testnet_config import find_free_base_port
from tests.e2e.cometbft.support import (
    assert_same_app_hashes,
    get_height,
    sign_transfer,
    wait_for_height,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

VALIDATORS = 4
PROGRESS_TIMEOUT_S = 60.0
AMOUNT = 1234


def test_stop_and_restart_one_node(testnet_dir: Path) -> None:
    runner = CliRunner()
    where = ["--dir", str(testnet_dir)]
    layout = testnet.up(testnet_dir, VALIDATORS, base_port=find_free_base_port(VALIDATORS))
    first, victim = layout.nodes[0], layout.nodes[-1]
    others = layout.nodes[:-1]

    stopped = runner.invoke(testnet_cmd.testnet_app, ["stop", victim.name, *where])
    assert stopped.exit_code == 0, stopped.output
    assert f"stopped {victim.name} (2 processes)" in stopped.output
    statuses = {s.name: s for s in testnet.status(testnet_dir)}
    assert not statuses[victim.name].app_running and not statuses[victim.name].cometbft_running
    assert all(statuses[n.name].app_running for n in others)

    # the other three go on: more blocks, and a transfer commits through node0
    height = max(get_height(n) for n in others)
    wait_for_height(others, height + 3, PROGRESS_TIMEOUT_S)
    tx_height = _commit_transfer(testnet_dir, first.api_url, layout.chain_id)
    status = httpx.get(f"{first.api_url}/v1/status", timeout=10).json()
    assert status["catching_up"] is False
    assert isinstance(status["lag_blocks"], int) and 0 <= status["lag_blocks"] <= 2

    # the stopped node's store replays from genesis
    verified = runner.invoke(cli_app, ["node", "verify", "--home", victim.app_home])
    assert verified.exit_code == 0, verified.output
    assert "reproduced" in verified.stdout

    again = runner.invoke(testnet_cmd.testnet_app, ["stop", victim.name, *where])
    assert again.exit_code == 1 and "is not running" in again.output

    restarted = runner.invoke(testnet_cmd.testnet_app, ["restart", victim.name, *where])
    assert restarted.exit_code == 0, restarted.output
    assert "caught up" in restarted.output
    assert get_height(victim) >= tx_height

    in_sync = _wait_until_in_sync(victim.api_url, tx_height, PROGRESS_TIMEOUT_S)
    assert in_sync["catching_up"] is False and in_sync["lag_blocks"] <= 2
    balances = [
        httpx.get(f"{n.api_url}/v1/accounts/{_user1(testnet_dir)}/balances", timeout=10).json()
        for n in (first, victim)
    ]
    assert balances[0] == balances[1] and balances[1]  # the transfer made while it was down
    with httpx.Client() as client:
        assert_same_app_hashes(client, layout.nodes, range(1, tx_height + 1))

    # restart of a running node: stop, start, catch up again; the network is still whole
    restarted_running = runner.invoke(testnet_cmd.testnet_app, ["restart", first.name, *where])
    assert restarted_running.exit_code == 0, restarted_running.output
    assert restarted_running.output.startswith(f"restarted {first.name}")
    assert all(s.app_running and s.cometbft_running for s in testnet.status(testnet_dir))
    wait_for_height(layout.nodes, get_height(victim) + 2, PROGRESS_TIMEOUT_S)


def test_invalid_restart_of_an_unknown_node(testnet_dir: Path) -> None:
    testnet.generate(testnet_dir, 1, base_port=find_free_base_port(1))

    result = CliRunner().invoke(
        testnet_cmd.testnet_app, ["restart", "node9", "--dir", str(testnet_dir)]
    )

    assert result.exit_code == 1
    assert "testnet/failed" in result.output and "no node 'node9'" in result.output


# ---- helpers --------------------------------------------------------------------------------


def _user1(directory: Path) -> str:
    keys = testnet.load_test_keys(directory)
    return "0x" + bytes(get_suite("intl").address(keys["user1"].public_key)).hex()


def _commit_transfer(directory: Path, api_url: str, chain_id: str) -> int:
    """user0 -> user1 through `api_url`, waiting for its block; returns the block's height."""
    keys = testnet.load_test_keys(directory)
    suite = get_suite("intl")
    user0 = suite.address(keys["user0"].public_key)
    user1 = suite.address(keys["user1"].public_key)
    nonce = httpx.get(f"{api_url}/v1/accounts/0x{bytes(user0).hex()}", timeout=10).json()[
        "pending_nonce"
    ]
    raw = sign_transfer(chain_id, keys["user0"], user1, AMOUNT, nonce)
    reply = httpx.post(f"{api_url}/v1/txs", json={"tx": raw.hex()}, timeout=60).json()
    assert reply["status"] == "committed" and reply["receipt"]["code"] == "ok", reply
    return int(reply["receipt"]["height"])


def _wait_until_in_sync(api_url: str, height: int, timeout_s: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status: dict[str, object] = httpx.get(f"{api_url}/v1/status", timeout=5).json()
            lag = status.get("lag_blocks")
            if (
                int(str(status["height"])) >= height
                and status["catching_up"] is False
                and isinstance(lag, int)
                and lag <= 2
            ):
                return status
        except (httpx.HTTPError, KeyError, ValueError):
            status = {}
        assert time.monotonic() < deadline, f"not in sync within {timeout_s:.0f}s: {status}"
        time.sleep(0.2)
