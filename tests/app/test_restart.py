"""Restart and durability: what a node reports and holds after it stops, crashes or restarts.

Invariants checked: G-4 (replaying the ledger from genesis reproduces every app hash and the whole
state, also across restarts; re-executing an uncommitted block after a restart gives the same app
hash, as CometBFT's replay expects), durability of `commit` (one atomic batch: a crash before it
leaves the previous height, a crash after it leaves the new one, never a mix), and historical
queries (state as of a committed height). Both crypto suites (the `chain` fixture).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finchain.errors import NotFound
from finchain.modules.bank import Issue, Redeem, Transfer
from tests.app.support import (
    assert_replay_reproduces,
    make_header,
    reopen,
    snapshot,
)
from tests.helpers import Chain


def balances_at(chain: Chain, name: str, height: int | None = None) -> dict[str, str]:
    address = "0x" + chain.address(name).hex()
    value: dict[str, str] = chain.app.query("balances", {"address": address}, height=height).value
    return value


def make_history(chain: Chain, blocks: int) -> list[dict[str, Any]]:
    """Commit `blocks` blocks of issues and transfers; return per-height expected balances."""
    a, b = chain.address("bank-a"), chain.address("bank-b")
    history: list[dict[str, Any]] = []
    for i in range(blocks):
        receipts = chain.execute(
            chain.sign("pboc", Issue(a, "CNY", 1_000 * (i + 1))),
            chain.sign("bank-a", Transfer(b, "CNY", 100 * (i + 1))),
        )
        assert [r.code for r in receipts] == ["ok", "ok"]
        history.append(
            {
                "height": chain.app.height,
                "app_hash": chain.app.app_hash,
                "bank-a": balances_at(chain, "bank-a"),
                "bank-b": balances_at(chain, "bank-b"),
            }
        )
    return history


def test_reopen_after_n_blocks_same_height_and_app_hash(chain: Chain, tmp_path: Path) -> None:
    make_history(chain, 5)
    before = snapshot(chain.app)
    info = chain.app.info()
    assert info.last_height == 5

    reopen(chain)

    assert chain.app.info() == info
    assert snapshot(chain.app) == before
    assert chain.app.get_pending_nonce(chain.address("bank-a")) == 5
    assert chain.app.check_invariants() == []
    # the node goes on from where it was, and the whole history still replays (G-4)
    [receipt] = chain.execute(chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", 1)))
    assert receipt.ok and chain.app.height == 6
    assert_replay_reproduces(chain.db, tmp_path / "replica")


def test_reopen_genesis_only(chain: Chain) -> None:
    genesis = snapshot(chain.app)
    reopen(chain)
    assert snapshot(chain.app) == genesis
    assert chain.app.height == 0
    record, _ = chain.engine.produce_block()
    assert record.header.height == 1
    assert record.header.time_ms > chain.app.genesis.genesis_time_ms
    assert record.prev_app_hash == genesis.app_hash


def test_reopened_node_refuses_committed_tx(chain: Chain) -> None:
    raw = chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 10))
    chain.execute(raw)
    reopen(chain)
    assert chain.app.check_tx(raw).code == "tx/nonce_reused"


def test_uncommitted_block_is_absent_after_reopen_and_replays_equal(chain: Chain) -> None:
    """finalize_block without commit, then a crash: the block is not there; CometBFT replays it
    and the re-execution gives the same app hash and receipts."""
    make_history(chain, 2)
    committed = snapshot(chain.app)
    a, b = chain.address("bank-a"), chain.address("bank-b")
    raws = [
        chain.sign("pboc", Issue(a, "CNY", 50_000)),
        chain.sign("bank-a", Transfer(b, "CNY", 40_000)),
        chain.sign("bank-a", Transfer(b, "CNY", 10**9)),  # fails: consumes the nonce
    ]
    header = make_header(chain.app, raws)
    staged = chain.app.finalize_block(header, raws)
    assert [r.code for r in staged.receipts] == ["ok", "ok", "bank/insufficient_funds"]

    reopen(chain)

    assert snapshot(chain.app) == committed
    assert chain.db.load_block(3) is None
    assert chain.db.load_receipts(3) == []
    assert all(chain.db.find_tx(chain.app.suite.hash(raw)) is None for raw in raws)
    assert chain.app.get_pending_nonce(a) == 2
    replayed = chain.app.finalize_block(header, raws)
    assert replayed.app_hash == staged.app_hash
    assert replayed.receipts == staged.receipts
    assert chain.app.commit().header.height == 3

    reopen(chain)
    assert (chain.app.height, chain.app.app_hash) == (3, staged.app_hash)
    assert chain.db.load_receipts(3) == staged.receipts


def test_finalize_block_again_before_commit_is_deterministic(chain: Chain) -> None:
    a = chain.address("bank-a")
    raws = [chain.sign("pboc", Issue(a, "CNY", 7)), chain.sign("pboc", Redeem("CNY", 1))]
    header = make_header(chain.app, raws)
    first = chain.app.finalize_block(header, raws)
    second = chain.app.finalize_block(header, raws)
    assert first == second
    assert [r.code for r in first.receipts] == ["ok", "bank/insufficient_funds"]
    chain.app.commit()
    assert chain.app.app_hash == first.app_hash


class CrashError(Exception):
    """Simulated process death at a crash point."""


def test_crash_before_store_write_keeps_previous_height(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(chain, 1)
    committed = snapshot(chain.app)
    raws = [chain.sign("pboc", Issue(chain.address("bank-b"), "CNY", 9))]
    header = make_header(chain.app, raws)
    staged = chain.app.finalize_block(header, raws)

    def crash(*args: object, **kwargs: object) -> None:
        raise CrashError

    monkeypatch.setattr(chain.db, "commit_block", crash)
    with pytest.raises(CrashError):
        chain.app.commit()
    assert snapshot(chain.app) == committed
    monkeypatch.undo()

    reopen(chain)
    assert snapshot(chain.app) == committed
    assert chain.app.finalize_block(header, raws).app_hash == staged.app_hash
    chain.app.commit()
    assert chain.app.app_hash == staged.app_hash


def test_crash_after_store_write_has_new_height_on_restart(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store write is the commit point: the in-memory app never saw it finish, but the
    restarted node reports the new height and app hash (CometBFT will not replay it)."""
    make_history(chain, 1)
    raws = [chain.sign("pboc", Issue(chain.address("bank-b"), "CNY", 9))]
    staged = chain.app.finalize_block(make_header(chain.app, raws), raws)
    original = chain.db.commit_block

    def write_then_crash(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        raise CrashError

    monkeypatch.setattr(chain.db, "commit_block", write_then_crash)
    with pytest.raises(CrashError):
        chain.app.commit()
    monkeypatch.undo()

    reopen(chain)
    assert (chain.app.height, chain.app.app_hash) == (2, staged.app_hash)
    assert balances_at(chain, "bank-b") == {"CNY": str(100 + 9)}
    assert chain.app.check_invariants() == []


def test_historical_balance_queries(chain: Chain) -> None:
    history = make_history(chain, 4)
    for entry in history:
        height = entry["height"]
        assert balances_at(chain, "bank-a", height) == entry["bank-a"]
        assert balances_at(chain, "bank-b", height) == entry["bank-b"]
        result = chain.app.query(
            "account", {"address": "0x" + chain.address("bank-a").hex()}, height
        )
        assert result.height == height
        assert result.value["nonce"] == height
    # an account that did not exist yet at height 1 has no balances there
    assert balances_at(chain, "regulator", 1) == {}
    # None means the latest height, 0 the genesis state; above the tip is not found
    latest = history[-1]
    address = {"address": "0x" + chain.address("bank-b").hex()}
    result = chain.app.query("balances", address, None)
    assert (result.height, result.value) == (latest["height"], latest["bank-b"])
    assert chain.app.query("balances", address, 0).value == {}
    with pytest.raises(NotFound):
        chain.app.query("balances", address, latest["height"] + 10)


def test_historical_queries_survive_restart(chain: Chain) -> None:
    history = make_history(chain, 3)
    reopen(chain)
    for entry in history:
        assert balances_at(chain, "bank-b", entry["height"]) == entry["bank-b"]
        supply = chain.app.query("asset", {"symbol": "CNY"}, height=entry["height"]).value
        expected = sum(1_000 * (i + 1) for i in range(entry["height"]))
        assert supply["supply"] == str(expected)


def test_replay_from_genesis_after_several_restarts(chain: Chain, tmp_path: Path) -> None:
    """G-4 across restarts: blocks produced by three process lifetimes replay to the same hashes."""
    for _ in range(3):
        make_history(chain, 2)
        reopen(chain)
    assert chain.app.height == 6
    assert_replay_reproduces(chain.db, tmp_path / "replica")
