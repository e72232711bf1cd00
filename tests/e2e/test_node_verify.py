"""`finchain node verify`: replay a home's stored chain from genesis into a fresh store (G-4).

A chain of a few blocks verifies (in process and as the real CLI); a receipt or a state value
changed in the store afterwards is reported with the height it belongs to and exit status 1; a
home whose node runs is refused with `node/home_in_use`.
"""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from rocksdict import Options, Rdict
from typer.testing import CliRunner

from finchain.cli.main import app as cli_app
from finchain.model.receipt import Receipt
from finchain.modules.bank import Transfer
from finchain.modules.bank.keys import balance_key
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.home_lock import acquire_home_lock
from finchain.node.verify import replay_chain
from finchain.store import Database
from tests.helpers import make_chain

pytestmark = pytest.mark.timeout(120)

BLOCKS = 4


@pytest.fixture
def chain_home(tmp_path: Path) -> tuple[Path, bytes]:
    """A stopped solo home whose data/ holds BLOCKS blocks of transfers user0 -> user1, and
    user1's address."""
    path = tmp_path / "home"
    chain = make_chain(path / "data", extra_accounts=2)
    try:
        for i in range(BLOCKS):
            chain.execute(chain.sign("user0", Transfer(chain.address("user1"), "CNY", 10 + i)))
        assert chain.app.height == BLOCKS
    finally:
        chain.close()
    save_node_config(path, NodeConfig(api_port=0))
    return path, bytes(chain.address("user1"))


@pytest.fixture
def home(chain_home: tuple[Path, bytes]) -> Path:
    return chain_home[0]


def test_a_stored_chain_replays_to_every_app_hash(home: Path, tmp_path: Path) -> None:
    stored = Database(home / "data")
    replica = Database(tmp_path / "replica")
    seen: list[int] = []
    try:
        report = replay_chain(stored, replica, on_block=seen.append)
    finally:
        replica.close()
        stored.close()

    assert report.ok and report.difference is None
    assert (report.last_height, report.blocks_replayed, report.txs_replayed) == (4, 4, 4)
    assert seen == [1, 2, 3, 4]


def test_verify_cli_prints_the_summary(home: Path) -> None:
    result = CliRunner().invoke(cli_app, ["node", "verify", "--home", str(home)])

    assert result.exit_code == 0, result.output
    assert "1..4" in result.stdout and "ok" in result.stdout and "blocks/s" in result.stdout


def test_verify_as_a_process_in_json(home: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "finchain.cli.main",
            "node",
            "verify",
            "--json",
            "--home",
            str(home),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert '"ok": true' in done.stdout and '"blocks_replayed": 4' in done.stdout


def test_invalid_tampered_receipt_is_reported_with_its_height(home: Path) -> None:
    height = 3
    key = b"r/" + struct.pack(">QI", height, 0)
    with _raw_store(home) as raw:
        receipt = Receipt.decode(raw[key])
        raw[key] = dataclasses.replace(receipt, gas_used=receipt.gas_used + 1).encode()

    result = CliRunner().invoke(cli_app, ["node", "verify", "--home", str(home)])

    assert result.exit_code == 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: node/replay_differs: height 3: receipt: receipt 3/0")
    assert "first difference at height 3 (receipt)" in result.stdout


def test_invalid_tampered_state_value_is_reported_with_its_height(
    chain_home: tuple[Path, bytes], tmp_path: Path
) -> None:
    """A balance forged consistently (latest value and its version at the height it was last
    written) replays to different state: reported at that height, with the key."""
    home, user1 = chain_home
    state_key = balance_key(user1, "CNY")
    forged = b"\x09" * 4
    with _raw_store(home) as raw:
        raw[b"s/" + state_key] = forged
        raw[b"v/" + struct.pack(">H", len(state_key)) + state_key + struct.pack(">Q", BLOCKS)] = (
            b"\x01" + forged
        )

    stored = Database(home / "data")
    replica = Database(tmp_path / "replica")
    try:
        report = replay_chain(stored, replica)
    finally:
        replica.close()
        stored.close()

    assert report.difference is not None
    assert (report.difference.height, report.difference.kind) == (BLOCKS, "state")
    assert repr(state_key) in report.difference.message
    assert report.blocks_replayed == BLOCKS  # every block itself reproduced


def test_invalid_verify_while_the_node_runs(home: Path) -> None:
    lock = acquire_home_lock(home)  # what a running node holds
    try:
        result = CliRunner().invoke(cli_app, ["node", "verify", "--home", str(home)])
    finally:
        lock.release()

    assert result.exit_code == 1
    assert result.stderr.startswith("error: node/home_in_use: ")


def test_invalid_verify_without_a_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["node", "verify", "--home", str(tmp_path / "none")])

    assert result.exit_code == 1
    assert result.stderr.startswith("error: node/bad_config: no database")


# ---- helpers --------------------------------------------------------------------------------


class _raw_store:
    """The home's RocksDB opened raw (no finchain layer), to forge stored bytes."""

    def __init__(self, home: Path) -> None:
        options = Options(raw_mode=True)
        self.db = Rdict(str(home / "data"), options=options)

    def __enter__(self) -> Rdict:
        return self.db

    def __exit__(self, *_: object) -> None:
        self.db.close()
