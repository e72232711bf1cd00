"""The RocksDB store: atomic block commits, versioned state, indexes, receipts.

Invariants these properties underpin: G-4 (what a block commit writes reads back exactly, after a
reopen too, and the versioned state answers "the value at height h" so history can be checked),
and the commit point of durability: a block is written in one batch or not at all. The
committed-state cache is checked against raw RocksDB reads (also under concurrent readers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finchain.model import BlockHeader, BlockRecord, Event, Receipt
from finchain.store import ChainMeta, Database, HistoricalView, TxLocation
from finchain.store.database import prefix_end

ALICE = b"\x0a" * 20
ALICE_NEXT = b"\x0a" * 19 + b"\x0b"  # adjacent address: must never bleed into ALICE's index
BOB = b"\x0b" * 20


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "db")
    yield database
    database.close()


def tx_hash(height: int, index: int) -> bytes:
    return bytes([height % 256, index % 256]) * 16


def make_block(
    height: int, count: int, app_hash: bytes = b"A" * 32
) -> tuple[BlockRecord, list[bytes], list[Receipt]]:
    raws = [b"raw-%d-%d" % (height, i) for i in range(count)]
    receipts = [
        Receipt(
            tx_hash(height, i),
            height,
            i,
            "ok" if i % 2 == 0 else "bank/insufficient_funds",
            "" if i % 2 == 0 else "needs more",
            1_000 + i,
            (Event("bank.transfer", (("amount", str(i)),)),) if i % 2 == 0 else (),
        )
        for i in range(count)
    ]
    header = BlockHeader("chain", height, 1_000 * height, b"H%d" % height, b"P" * 20)
    record = BlockRecord(header, tuple(r.tx_hash for r in receipts), b"prev", app_hash)
    return record, raws, receipts


def commit(
    db: Database,
    height: int,
    writes: dict[bytes, bytes | None],
    count: int = 0,
    touched: list[tuple[bytes, int]] | None = None,
) -> tuple[BlockRecord, list[bytes], list[Receipt]]:
    record, raws, receipts = make_block(height, count)
    db.commit_block(record, writes, raws, receipts, touched or [])
    return record, raws, receipts


def test_fresh_database_is_empty(db: Database) -> None:
    assert db.load_meta() is None
    assert db.load_genesis() is None
    assert db.load_block(0) is None and db.load_block(1) is None
    assert db.find_tx(b"\x00" * 32) is None
    assert db.load_receipts(1) == []
    assert list(db.iterate(b"")) == []
    assert db.get_at(b"k", 5) is None
    assert db.find_account_txs(ALICE) == []


def test_commit_genesis_readback(db: Database) -> None:
    db.commit_genesis({b"k": b"v", b"gone": None}, b"G" * 32, b'{"chain_id":"c"}')
    assert db.load_meta() == ChainMeta(0, b"G" * 32)
    assert db.load_genesis() == b'{"chain_id":"c"}'
    assert db.get(b"k") == b"v" and db.get(b"gone") is None
    assert db.get_at(b"k", 0) == b"v" and db.get_at(b"k", 9) == b"v"


def test_commit_block_readback(db: Database) -> None:
    db.commit_genesis({b"bal/a": b"\x05"}, b"G" * 32, b"{}")
    record, raws, receipts = commit(
        db, 1, {b"bal/a": b"\x03", b"bal/b": b"\x02"}, 3, [(ALICE, 0), (BOB, 0), (ALICE, 2)]
    )
    assert db.load_meta() == ChainMeta(1, record.app_hash)
    assert db.load_block(1) == record
    assert db.load_receipts(1) == receipts
    for index, (raw, receipt) in enumerate(zip(raws, receipts, strict=True)):
        location = TxLocation(1, index)
        assert db.find_tx(receipt.tx_hash) == location
        assert db.load_tx(location) == raw
        assert db.load_receipt(location) == receipt
    assert db.load_tx(TxLocation(1, 3)) is None and db.load_receipt(TxLocation(1, 3)) is None
    assert dict(db.iterate(b"")) == {b"bal/a": b"\x03", b"bal/b": b"\x02"}
    assert db.find_account_txs(ALICE) == [receipts[2].tx_hash, receipts[0].tx_hash]
    assert db.find_account_txs(BOB) == [receipts[0].tx_hash]


def test_commit_block_survives_reopen(tmp_path: Path) -> None:
    first = Database(tmp_path / "db")
    first.commit_genesis({b"k": b"0"}, b"G" * 32, b"{}")
    record, raws, receipts = make_block(1, 2)
    first.commit_block(record, {b"k": b"1"}, raws, receipts, [(ALICE, 1)])
    first.close()
    again = Database(tmp_path / "db")
    try:
        assert again.load_meta() == ChainMeta(1, record.app_hash)
        assert again.load_block(1) == record
        assert again.load_receipts(1) == receipts
        assert again.get(b"k") == b"1" and again.get_at(b"k", 0) == b"0"
        assert again.find_account_txs(ALICE) == [receipts[1].tx_hash]
    finally:
        again.close()


def test_commit_block_is_all_or_nothing(db: Database) -> None:
    """A commit that fails while building its batch (here: more raw txs than receipts, detected
    half-way) writes nothing at all: no state, no block, no tx, no index, no meta."""
    db.commit_genesis({b"k": b"0"}, b"G" * 32, b"{}")
    before = dict(db.iterate(b""))
    record, raws, receipts = make_block(1, 3)
    with pytest.raises(ValueError):
        db.commit_block(record, {b"k": b"1", b"new": b"x"}, raws, receipts[:2], [(ALICE, 0)])
    assert dict(db.iterate(b"")) == before
    assert db.load_meta() == ChainMeta(0, b"G" * 32)
    assert db.load_block(1) is None
    assert db.load_tx(TxLocation(1, 0)) is None
    assert db.load_receipts(1) == []
    assert db.find_tx(receipts[0].tx_hash) is None
    assert db.get_at(b"k", 1) == b"0"
    assert db.find_account_txs(ALICE) == []


def test_get_at_versions(db: Database) -> None:
    db.commit_genesis({b"k": b"v0"}, b"G" * 32, b"{}")
    commit(db, 1, {b"other": b"o1"})
    commit(db, 2, {b"k": b"v2"})
    commit(db, 3, {b"late": b"l3"})
    commit(db, 4, {b"k": None})
    commit(db, 5, {})
    commit(db, 6, {b"k": b"v6"})
    expected = [b"v0", b"v0", b"v2", b"v2", None, None, b"v6", b"v6", b"v6"]
    assert [db.get_at(b"k", h) for h in range(9)] == expected
    assert [db.get_at(b"late", h) for h in range(5)] == [None, None, None, b"l3", b"l3"]
    assert db.get_at(b"never", 6) is None
    assert db.get(b"k") == b"v6"


def test_get_at_does_not_confuse_related_keys(db: Database) -> None:
    """Keys that are prefixes of each other, or differ only in a trailing zero byte, are distinct
    version histories (the version key is length-prefixed)."""
    db.commit_genesis({b"k": b"short"}, b"G" * 32, b"{}")
    commit(db, 1, {b"k\x00": b"zero", b"k1": b"one", b"": b"empty"})
    commit(db, 2, {b"k": None})
    assert db.get_at(b"k", 1) == b"short"
    assert db.get_at(b"k", 2) is None
    assert db.get_at(b"k\x00", 0) is None and db.get_at(b"k\x00", 2) == b"zero"
    assert db.get_at(b"k1", 1) == b"one"
    assert db.get_at(b"", 0) is None and db.get_at(b"", 1) == b"empty"
    assert db.get_at(b"k\x00\x00", 2) is None


def test_historical_view(db: Database) -> None:
    db.commit_genesis({b"p/a": b"1", b"p/b": b"2"}, b"G" * 32, b"{}")
    commit(db, 1, {b"p/a": b"10", b"p/c": b"30"})
    commit(db, 2, {b"p/b": b"20"})
    at0, at1, at2 = (HistoricalView(db, h) for h in (0, 1, 2))
    assert list(at0.iterate(b"p/")) == [(b"p/a", b"1"), (b"p/b", b"2")]
    assert list(at1.iterate(b"p/")) == [(b"p/a", b"10"), (b"p/b", b"2"), (b"p/c", b"30")]
    assert list(at2.iterate(b"p/")) == list(db.iterate(b"p/"))
    assert at0.get(b"p/c") is None and at1.get(b"p/c") == b"30"


def test_find_account_txs_newest_first_with_limit(db: Database) -> None:
    db.commit_genesis({}, b"G" * 32, b"{}")
    hashes: list[bytes] = []
    for height in range(1, 5):
        _, _, receipts = commit(
            db, height, {}, 3, [(ALICE, 0), (ALICE, 2), (ALICE_NEXT, 1), (BOB, 1)]
        )
        hashes += [receipts[0].tx_hash, receipts[2].tx_hash]
    newest_first = hashes[::-1]
    assert db.find_account_txs(ALICE) == newest_first
    assert db.find_account_txs(ALICE, limit=3) == newest_first[:3]
    assert db.find_account_txs(ALICE, limit=0) == []
    assert len(db.find_account_txs(ALICE_NEXT)) == 4
    assert db.find_account_txs(b"\x09" * 20) == []
    assert db.find_account_txs(b"\xff" * 20) == []


def test_load_receipts_per_height_in_index_order(db: Database) -> None:
    """Receipts of one height only, ordered by index even past 255 (big-endian positions)."""
    db.commit_genesis({}, b"G" * 32, b"{}")
    _, _, first = commit(db, 1, {}, 300)
    _, _, second = commit(db, 2, {}, 2)
    assert db.load_receipts(1) == first
    assert [r.index for r in db.load_receipts(1)] == list(range(300))
    assert db.load_receipts(2) == second
    assert db.load_receipts(3) == []
    assert db.load_receipts(0) == []


def test_tx_index_keeps_first_inclusion(db: Database) -> None:
    """A tx hash committed again (a duplicate in the block, or a replay in a later block) keeps
    pointing at its first inclusion."""
    db.commit_genesis({}, b"G" * 32, b"{}")
    record, raws, receipts = make_block(1, 2)
    duplicate = Receipt(receipts[0].tx_hash, 1, 1, "tx/nonce_reused", "", 0)
    db.commit_block(record, {}, [raws[0], raws[0]], [receipts[0], duplicate], [])
    assert db.find_tx(receipts[0].tx_hash) == TxLocation(1, 0)
    record2, _, _ = make_block(2, 1)
    replay = Receipt(receipts[0].tx_hash, 2, 0, "tx/nonce_reused", "", 0)
    db.commit_block(record2, {}, [raws[0]], [replay], [])
    assert db.find_tx(receipts[0].tx_hash) == TxLocation(1, 0)
    assert db.load_receipts(2) == [replay]


# ---- the committed-state cache --------------------------------------------------------------

KEYS = [b"k%d" % i for i in range(6)]


@settings(max_examples=60, deadline=None)
@given(
    blocks=st.lists(
        st.dictionaries(
            st.sampled_from(KEYS), st.one_of(st.none(), st.binary(min_size=1, max_size=4))
        ),
        max_size=8,
    ),
    reads=st.lists(st.sampled_from(KEYS), max_size=12),
)
def test_state_cache_always_equals_rocksdb(
    tmp_path_factory: pytest.TempPathFactory,
    blocks: list[dict[bytes, bytes | None]],
    reads: list[bytes],
) -> None:
    """Reads before and after every commit (cached or not yet) equal the raw RocksDB reads;
    a commit that fails while building its batch leaves the cache as it was."""
    database = Database(tmp_path_factory.mktemp("cache"))
    try:
        database.commit_genesis({KEYS[0]: b"g"}, b"G" * 32, b"{}")
        for height, writes in enumerate(blocks, start=1):
            for key in reads:
                assert database.get(key) == database.read_uncached(key)
            record, raws, receipts = make_block(height, 2)
            with pytest.raises(ValueError):  # fails before writing: cache untouched
                database.commit_block(record, {**writes, KEYS[5]: b"x"}, raws, receipts[:1], [])
            database.commit_block(record, writes, raws, receipts, [])
            for key in KEYS:
                assert database.get(key) == database.read_uncached(key), (height, key)
    finally:
        database.close()


def test_state_cache_stays_coherent_under_concurrent_reads(db: Database) -> None:
    """Reader threads filling the cache while blocks commit leave no stale entry (a smoke test:
    the race the generation counter closes is rare under the GIL, so this may not catch it)."""
    db.commit_genesis({key: b"0" for key in KEYS}, b"G" * 32, b"{}")
    stop = threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            for key in KEYS:
                db.get(key)

    readers = [threading.Thread(target=read_forever) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for height in range(1, 200):
            commit(db, height, {KEYS[height % 6]: b"%d" % height, KEYS[(height + 3) % 6]: None})
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    for key in KEYS:
        assert db.get(key) == db.read_uncached(key)


@pytest.mark.parametrize(
    ("prefix", "end"),
    [(b"a/", b"a0"), (b"a\xff", b"b"), (b"a\xff\xff", b"b"), (b"\xff\xff", None), (b"", None)],
)
def test_prefix_end_is_the_first_key_past_the_prefix(prefix: bytes, end: bytes | None) -> None:
    assert prefix_end(prefix) == end


def test_iterate_stays_inside_the_prefix_next_to_deleted_and_0xff_keys(db: Database) -> None:
    """Prefix scans are bounded; keys that end in 0xff and deleted neighbours stay correct."""
    keys = [b"q/\xff", b"q/\xff\xff", b"q/a", b"q0", b"r/", b"q/\xff\x00"]
    db.commit_genesis({k: b"v" + k for k in keys}, b"h" * 32, b"{}")
    record, raws, receipts = make_block(1, 0)
    db.commit_block(record, {b"q/a": None, b"r/": None}, raws, receipts, [])
    assert [k for k, _ in db.iterate(b"q/")] == [b"q/\xff", b"q/\xff\x00", b"q/\xff\xff"]
    assert [k for k, _ in db.iterate(b"q/\xff")] == [b"q/\xff", b"q/\xff\x00", b"q/\xff\xff"]
    assert [k for k, _ in db.iterate(b"r")] == []
    assert dict(db.iterate(b"q0")) == {b"q0": b"vq0"}


# ---- iteration at a past height ---------------------------------------------------------------


def test_historical_iteration_lists_a_key_deleted_after_the_height(db: Database) -> None:
    db.commit_genesis({b"p/a": b"1", b"p/b": b"2"}, b"G" * 32, b"{}")
    commit(db, 1, {b"p/a": None})
    commit(db, 2, {b"p/b": None})
    assert list(HistoricalView(db, 0).iterate(b"p/")) == [(b"p/a", b"1"), (b"p/b", b"2")]
    assert list(HistoricalView(db, 1).iterate(b"p/")) == [(b"p/b", b"2")]
    assert list(HistoricalView(db, 2).iterate(b"p/")) == []


def test_historical_iteration_omits_a_key_created_after_the_height(db: Database) -> None:
    db.commit_genesis({b"p/b": b"2"}, b"G" * 32, b"{}")
    commit(db, 1, {b"p/a": b"1", b"p/c": b"3"})
    assert list(HistoricalView(db, 0).iterate(b"p/")) == [(b"p/b", b"2")]
    assert list(HistoricalView(db, 1).iterate(b"p/")) == [
        (b"p/a", b"1"),
        (b"p/b", b"2"),
        (b"p/c", b"3"),
    ]


def test_historical_iteration_follows_delete_and_recreate(db: Database) -> None:
    """A key deleted and written again is listed exactly at the heights it existed, with the
    value it had then; the same whether it exists now or was deleted again."""
    db.commit_genesis({b"p/a": b"v0", b"p/z": b"z0"}, b"G" * 32, b"{}")
    commit(db, 1, {b"p/a": None, b"p/z": None})
    commit(db, 2, {b"p/a": b"v2", b"p/z": b"z2"})
    commit(db, 3, {b"p/z": None})
    listings = [dict(HistoricalView(db, h).iterate(b"p/")) for h in range(4)]
    assert listings == [
        {b"p/a": b"v0", b"p/z": b"z0"},
        {},
        {b"p/a": b"v2", b"p/z": b"z2"},
        {b"p/a": b"v2"},
    ]


def test_historical_iteration_over_many_versions(db: Database) -> None:
    """Every height of a key rewritten each block (and deleted every fifth) reads its own value."""
    db.commit_genesis({b"p/k": b"0"}, b"G" * 32, b"{}")
    for height in range(1, 60):
        commit(db, height, {b"p/k": None if height % 5 == 0 else b"%d" % height})
    commit(db, 60, {b"p/k": None})
    for height in range(61):
        expected = [] if height % 5 == 0 and height else [(b"p/k", b"%d" % height)]
        assert list(HistoricalView(db, height).iterate(b"p/")) == expected, height


def test_historical_iteration_merges_key_lengths_in_key_order(db: Database) -> None:
    """Keys of every length under the prefix come out in key order, and nothing next to the prefix
    (a shorter key, the prefix itself as a proper prefix of it, 0xff neighbours) bleeds in. The
    version index orders keys by length first, so this is where a wrong merge would show."""
    inside = [b"p/", b"p/\x00", b"p/a", b"p/a\x00", b"p/ab", b"p/b", b"p/\xff", b"p/\xff\xff"]
    outside = [b"p", b"p.", b"p0", b"q/a", b"", b"o/\xff"]
    db.commit_genesis({k: b"v" + k for k in inside + outside}, b"G" * 32, b"{}")
    commit(db, 1, dict.fromkeys(inside + outside))
    at0 = HistoricalView(db, 0)
    assert [k for k, _ in at0.iterate(b"p/")] == sorted(inside)
    assert [k for k, _ in at0.iterate(b"p/a")] == [b"p/a", b"p/a\x00", b"p/ab"]
    assert [k for k, _ in at0.iterate(b"p/\xff")] == [b"p/\xff", b"p/\xff\xff"]
    assert [k for k, _ in at0.iterate(b"")] == sorted(inside + outside)
    assert list(at0.iterate(b"p/c")) == []
    assert list(HistoricalView(db, 1).iterate(b"")) == []


def test_historical_iteration_is_not_moved_by_a_later_commit(db: Database) -> None:
    """A listing at the latest height that a block overtakes half-way still lists that height
    (the scan of the current state reads one consistent RocksDB view)."""
    db.commit_genesis({b"p/a": b"1", b"p/b": b"2", b"p/c": b"3"}, b"G" * 32, b"{}")
    listing = HistoricalView(db, 0).iterate(b"p/")
    assert next(listing) == (b"p/a", b"1")
    commit(db, 1, {b"p/b": None, b"p/c": b"30", b"p/d": b"4"})
    assert list(listing) == [(b"p/b", b"2"), (b"p/c", b"3")]
    assert list(HistoricalView(db, 0).iterate(b"p/")) == [
        (b"p/a", b"1"),
        (b"p/b", b"2"),
        (b"p/c", b"3"),
    ]


HISTORY_KEYS = [b"p/", b"p/a", b"p/a\x00", b"p/ab", b"p/b", b"p/\xff", b"p", b"pa", b"q/a"]
HISTORY_PREFIXES = [b"", b"p", b"p/", b"p/a", b"p/\xff", b"q"]


@settings(max_examples=60, deadline=None)
@given(
    blocks=st.lists(
        st.dictionaries(
            st.sampled_from(HISTORY_KEYS), st.one_of(st.none(), st.binary(min_size=1, max_size=3))
        ),
        max_size=8,
    )
)
def test_historical_iteration_equals_the_state_replayed_to_each_height(
    tmp_path_factory: pytest.TempPathFactory, blocks: list[dict[bytes, bytes | None]]
) -> None:
    """History invariant: iterating any prefix at height h lists exactly the (key, value) pairs of
    the state obtained by applying the first h blocks' writes, in key order."""
    database = Database(tmp_path_factory.mktemp("history"))
    try:
        database.commit_genesis({}, b"G" * 32, b"{}")
        states: list[dict[bytes, bytes]] = [{}]
        for height, writes in enumerate(blocks, start=1):
            commit(database, height, writes)
            state = dict(states[-1])
            for key, value in writes.items():
                if value is None:
                    state.pop(key, None)
                else:
                    state[key] = value
            states.append(state)
        for height, state in enumerate(states):
            view = HistoricalView(database, height)
            for prefix in HISTORY_PREFIXES:
                expected = sorted((k, v) for k, v in state.items() if k.startswith(prefix))
                assert list(view.iterate(prefix)) == expected, (height, prefix)
                assert list(database.iterate_history(prefix, height)) == expected
    finally:
        database.close()
