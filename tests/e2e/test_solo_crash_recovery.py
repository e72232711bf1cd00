"""`finchain dev` as a real process: SIGKILL under load, restart, nothing acknowledged is lost.

Checks (G-4 durability, exactly-once): every transaction whose commit the SDK acknowledged before
the kill is present after restart exactly once, at the same height and index, with its receipt;
every app hash observed before the kill is unchanged after restart; supply = sum of balances.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.sdk import Client, NodeUnavailable, Wallet
from finchain.sdk.errors import SdkError

pytestmark = pytest.mark.e2e

SENDERS = 4
START_TIMEOUT_S = 60.0
CHAIN_ID = "finchain-e2e"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_node(home: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "finchain.cli.main", "dev", "--home", str(home)]
    command += ["--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    with Client(f"http://127.0.0.1:{port}", timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                raise AssertionError(f"node exited early ({process.returncode}): {err[-3000:]}")
            try:
                client.status()
                return process
            except SdkError:
                time.sleep(0.2)
    process.kill()
    raise AssertionError("node did not start in time")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, int, list[Wallet], dict[str, Wallet]]]:
    suite = "intl"
    orgs = {org: Wallet.generate(suite, org) for org, _, _ in DEV_ORGS}
    senders = [Wallet.generate(suite, f"sender{i}") for i in range(SENDERS)]
    genesis = make_dev_genesis(
        CHAIN_ID,
        suite,
        {org: w.address for org, w in orgs.items()},
        {w.address: 10**9 for w in senders},
        genesis_time_ms=time.time_ns() // 1_000_000,
    )
    path = tmp_path / "home"
    path.mkdir()
    (path / "genesis.json").write_text(json.dumps(genesis.to_json()))
    port = _free_port()
    save_node_config(path, NodeConfig(api_host="127.0.0.1", api_port=port))
    yield path, port, senders, orgs


def test_sigkill_mid_load_loses_no_acknowledged_transaction(
    home: tuple[Path, int, list[Wallet], dict[str, Wallet]],
) -> None:
    path, port, senders, orgs = home
    url = f"http://127.0.0.1:{port}"
    recipient = orgs["bank-b"].address_hex
    node = _start_node(path, port)
    acknowledged: dict[str, tuple[int, int]] = {}
    observed_app_hashes: dict[int, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def send_until_stopped(wallet: Wallet) -> None:
        with Client(url, timeout=10.0) as client:
            while not stop.is_set():
                try:
                    result = client.bank.transfer(wallet, recipient, "CNY", 1)
                except (NodeUnavailable, SdkError):
                    return  # the node was killed under us: this one is not acknowledged
                receipt = result.receipt
                assert receipt is not None and receipt.ok
                with lock:
                    acknowledged[result.hash] = (receipt.height, receipt.index)

    def watch_app_hashes() -> None:
        with Client(url, timeout=2.0) as client:
            while not stop.is_set():
                try:
                    status = client.status()
                except SdkError:
                    return
                with lock:
                    observed_app_hashes[status.height] = status.app_hash
                time.sleep(0.05)

    threads = [threading.Thread(target=send_until_stopped, args=(w,)) for w in senders]
    threads.append(threading.Thread(target=watch_app_hashes))
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    node.send_signal(signal.SIGKILL)  # mid-load: senders still have requests in flight
    node.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 50, "too little load before the kill to test anything"

    node = _start_node(path, port)
    try:
        with Client(url, timeout=10.0) as client:
            status = client.status()
            assert status.height >= max(h for h, _ in acknowledged.values())
            # every app hash seen before the kill is unchanged
            for height, app_hash in observed_app_hashes.items():
                if height > 0:
                    assert client.get_block(height)["app_hash"] == app_hash, height
            # every acknowledged transaction is present, once, where it was acknowledged
            occurrences: Counter[str] = Counter()
            for height in range(1, status.height + 1):
                occurrences.update(client.get_block(height)["tx_hashes"])
            for tx_hash, (height, index) in acknowledged.items():
                assert occurrences[tx_hash] == 1, tx_hash
                info = client.get_tx(tx_hash)
                assert (info.height, info.index) == (height, index)
                assert info.receipt.ok
            # supply = sum of balances, and the node keeps working after the restart
            total = sum(client.get_balances(w.address_hex).get("CNY", 0) for w in senders)
            total += client.get_balances(recipient).get("CNY", 0)
            assert total == client.get_asset("CNY").supply
            senders[0].resync()
            assert client.bank.transfer(senders[0], recipient, "CNY", 1).receipt is not None
    finally:
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=20)
        except subprocess.TimeoutExpired:
            node.kill()
