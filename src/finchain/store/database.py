"""The RocksDB database and its key layout.

| prefix | key                                   | value                                     |
|--------|---------------------------------------|-------------------------------------------|
| `s/`   | state key                             | latest value                              |
| `v/`   | u16 len, state key, u64 height        | 0x01 + value at that height, or 0x00 (deleted) |
| `b/`   | u64 height                            | BlockRecord                               |
| `x/`   | u64 height, u32 index                 | raw transaction                           |
| `r/`   | u64 height, u32 index                 | Receipt                                   |
| `t/`   | tx hash                               | [height, index]                           |
| `a/`   | address, u64 height, u32 index        | tx hash (transactions touching the account) |
| `m/`   | `last`, `genesis`                     | [height, app_hash], genesis document      |

Concurrency: one writer (the engine's commit); readers (API, queries) may read concurrently;
RocksDB makes each batch visible atomically.

`v/` is never pruned, so it names every key ever written, deleted ones included: reads at a past
height (`get_at`, `iterate_history`) go through it, never through `s/`, which has lost the keys
deleted since. Its keys are length-prefixed (a key's versions can never be confused with those of a
longer key that extends it), so the keys under one prefix form one sorted run per key length.

Committed-state reads (`get`) go through a bounded write-through cache: a miss reads RocksDB and
fills the cache only if no commit happened meanwhile (a generation counter, checked under a
lock), and every commit writes its write-set into the cache after the durable batch. So the
cache always holds what RocksDB holds; `tests/unit/test_store.py` checks it against raw reads.
"""

from __future__ import annotations

import heapq
import struct
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rocksdict import Options, Rdict, RdictIter, ReadOptions, WriteBatch, WriteOptions

from finchain.codec import decode, encode
from finchain.model.block import BlockRecord
from finchain.model.receipt import Receipt

_STATE = b"s/"
_VERSION = b"v/"
_BLOCK = b"b/"
_TX = b"x/"
_RECEIPT = b"r/"
_TX_INDEX = b"t/"
_ACCOUNT_INDEX = b"a/"
_META_LAST = b"m/last"
_META_GENESIS = b"m/genesis"
_PRESENT = b"\x01"
_ABSENT = b"\x00"
_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")
_U64U32 = struct.Struct(">QI")
STATE_CACHE_ENTRIES = 262_144  # about 30 MiB of small state values; cleared when full
MAX_CACHED_KEY_BYTES = 256  # longer keys (only ever looked up, never written by modules) skip it
MAX_KEY_BYTES = 0xFFFF  # the u16 length in a version key
_STEM_HEAD = len(_VERSION) + _U16.size  # a version key: head, state key, u64 height
_PAST_EVERY_HEIGHT = b"\xff" * 9  # after a stem: sorts above all its versions, below the next key


@dataclass(frozen=True, slots=True)
class ChainMeta:
    height: int
    app_hash: bytes


@dataclass(frozen=True, slots=True)
class TxLocation:
    height: int
    index: int


class Database:
    """The node's RocksDB. Also the committed-state reader (`get`, `iterate`) used by execution."""

    def __init__(self, path: Path | str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        options = Options(raw_mode=True)
        options.create_if_missing(True)
        self._db = Rdict(str(path), options=options)
        self._sync = WriteOptions()
        self._sync.sync = True
        self._cache: dict[bytes, bytes | None] = {}
        self._cache_lock = threading.Lock()
        self._generation = 0

    def close(self) -> None:
        self._db.close()

    # ---- committed state ------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        try:
            return self._cache[key]
        except KeyError:
            pass
        generation = self._generation
        value: bytes | None = self._db.get(_STATE + key)
        if len(key) > MAX_CACHED_KEY_BYTES:  # e.g. a lookup built from a hostile identifier
            return value
        with self._cache_lock:
            if generation == self._generation:
                if len(self._cache) >= STATE_CACHE_ENTRIES:
                    self._cache.clear()
                self._cache[key] = value
        return value

    def read_uncached(self, key: bytes) -> bytes | None:
        """The committed value straight from RocksDB (the reference the cache is tested against)."""
        value: bytes | None = self._db.get(_STATE + key)
        return value

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Committed (key, value) pairs under `prefix`, in key order. The RocksDB iterator is
        bounded to the prefix, so a seek never walks the deletion markers of keys beyond it
        (a drained queue's range would otherwise cost milliseconds per seek)."""
        start = _STATE + prefix
        skip = len(_STATE)
        options = _upper_bounded(start)
        it = self._db.iter(options)
        it.seek(start)
        while it.valid():
            key: bytes = it.key()
            value: bytes = it.value()
            yield key[skip:], value
            it.next()

    def get_at(self, key: bytes, height: int) -> bytes | None:
        """The value of `key` as committed at `height` (None if absent then)."""
        return _read_version(self._db.iter(), _version_stem(key), height)

    def iterate_at(self, prefix: bytes, height: int) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs under `prefix` as committed at `height`, in key order.

        At the latest height this scans the current state (what `iterate` reads); at any other it
        is `iterate_history`. One RocksDB iterator (a consistent view) reads both the chain meta
        and the state, so a block committed meanwhile cannot slip in."""
        start = _STATE + prefix
        options = _upper_bounded(start)  # m/last sorts before s/: inside the bound
        it = self._db.iter(options)
        it.seek(_META_LAST)
        if not it.valid() or it.key() != _META_LAST or decode(it.value())[0] != height:
            yield from self.iterate_history(prefix, height)
            return
        skip = len(_STATE)
        it.seek(start)
        while it.valid():
            key: bytes = it.key()
            value: bytes = it.value()
            yield key[skip:], value
            it.next()

    def iterate_history(self, prefix: bytes, height: int) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs under `prefix` as committed at `height`, in key order, read from the
        version index alone (exact at every height, the latest included: the reference
        `iterate_at` is tested against).

        Each key length holding keys under `prefix` is one sorted run of `v/`; every run is walked
        with two seeks per key (its version at `height`, then past its other versions), and the
        runs are merged by key. Cost: about one seek per key length in `v/`, then two per key
        ever written under `prefix` (deleted or not), whatever its number of versions."""
        runs = [
            self._iterate_run_at(prefix, length, height)
            for length in self._find_key_lengths(prefix)
        ]
        yield from heapq.merge(*runs, key=_key_of)

    def _find_key_lengths(self, prefix: bytes) -> list[int]:
        """The lengths, ascending, of the keys under `prefix` that `v/` holds. One seek per length:
        a seek that lands on a longer key jumps over every length in between."""
        options = _upper_bounded(_VERSION)
        it = self._db.iter(options)
        lengths: list[int] = []
        length = len(prefix)
        while length <= MAX_KEY_BYTES:
            it.seek(_VERSION + _U16.pack(length) + prefix)
            if not it.valid():
                break
            found: bytes = it.key()
            (found_length,) = _U16.unpack_from(found, len(_VERSION))
            if found_length != length:
                length = found_length  # no key of the lengths in between
                continue
            if found[_STEM_HEAD:].startswith(prefix):
                lengths.append(length)
            length += 1
        return lengths

    def _iterate_run_at(
        self, prefix: bytes, length: int, height: int
    ) -> Iterator[tuple[bytes, bytes]]:
        """The keys of `length` under `prefix` present at `height`, with their values then."""
        start = _VERSION + _U16.pack(length) + prefix
        options = _upper_bounded(start)
        it = self._db.iter(options)
        it.seek(start)
        stem_size = _STEM_HEAD + length
        while it.valid():
            found: bytes = it.key()
            stem = found[:stem_size]
            value = _read_version(it, stem, height)
            if value is not None:
                yield stem[_STEM_HEAD:], value
            it.seek(stem + _PAST_EVERY_HEIGHT)

    # ---- chain ----------------------------------------------------------------------------

    def load_meta(self) -> ChainMeta | None:
        raw = self._db.get(_META_LAST)
        if raw is None:
            return None
        height, app_hash = decode(raw)
        return ChainMeta(height, app_hash)

    def load_genesis(self) -> bytes | None:
        value: bytes | None = self._db.get(_META_GENESIS)
        return value

    def load_block(self, height: int) -> BlockRecord | None:
        raw = self._db.get(_BLOCK + _U64.pack(height))
        return None if raw is None else BlockRecord.decode(raw)

    def find_tx(self, tx_hash: bytes) -> TxLocation | None:
        raw = self._db.get(_TX_INDEX + tx_hash)
        if raw is None:
            return None
        height, index = decode(raw)
        return TxLocation(height, index)

    def load_tx(self, location: TxLocation) -> bytes | None:
        value: bytes | None = self._db.get(_TX + _U64U32.pack(location.height, location.index))
        return value

    def load_receipt(self, location: TxLocation) -> Receipt | None:
        raw = self._db.get(_RECEIPT + _U64U32.pack(location.height, location.index))
        return None if raw is None else Receipt.decode(raw)

    def load_receipts(self, height: int) -> list[Receipt]:
        start = _RECEIPT + _U64.pack(height)
        receipts: list[Receipt] = []
        key: bytes
        value: bytes
        for key, value in self._db.items(from_key=start):  # type: ignore[assignment]
            if not key.startswith(start):
                break
            receipts.append(Receipt.decode(value))
        return receipts

    def find_account_txs(self, address: bytes, limit: int = 100) -> list[bytes]:
        """Hashes of the newest `limit` transactions that touched `address`, newest first."""
        stem = _ACCOUNT_INDEX + address
        it = self._db.iter()
        it.seek_for_prev(stem + b"\xff" * 12)
        hashes: list[bytes] = []
        while it.valid() and len(hashes) < limit:
            key: bytes = it.key()
            if not key.startswith(stem):
                break
            hashes.append(it.value())
            it.prev()
        return hashes

    # ---- writes ---------------------------------------------------------------------------

    def commit_genesis(
        self, writes: Mapping[bytes, bytes | None], app_hash: bytes, genesis_document: bytes
    ) -> None:
        batch = WriteBatch(raw_mode=True)
        _put_state(batch, writes, 0)
        batch.put(_META_GENESIS, genesis_document)
        batch.put(_META_LAST, encode([0, app_hash]))
        self._db.write(batch, self._sync)
        self._update_cache(writes)

    def commit_block(
        self,
        record: BlockRecord,
        writes: Mapping[bytes, bytes | None],
        raw_txs: list[bytes],
        receipts: list[Receipt],
        touched_accounts: Iterable[tuple[bytes, int]],
    ) -> None:
        """Write one block atomically and durably (fsync'd WAL)."""
        height = record.header.height
        batch = WriteBatch(raw_mode=True)
        _put_state(batch, writes, height)
        batch.put(_BLOCK + _U64.pack(height), record.encode())
        indexed: set[bytes] = set()
        for index, (raw, receipt) in enumerate(zip(raw_txs, receipts, strict=True)):
            position = _U64U32.pack(height, index)
            batch.put(_TX + position, raw)
            batch.put(_RECEIPT + position, receipt.encode())
            # A hash is indexed at its first inclusion only: a repeated copy never hides it.
            if receipt.tx_hash not in indexed and self.find_tx(receipt.tx_hash) is None:
                batch.put(_TX_INDEX + receipt.tx_hash, encode([height, index]))
                indexed.add(receipt.tx_hash)
        for address, index in touched_accounts:
            tx_hash = receipts[index].tx_hash
            batch.put(_ACCOUNT_INDEX + address + _U64U32.pack(height, index), tx_hash)
        batch.put(_META_LAST, encode([height, record.app_hash]))
        self._db.write(batch, self._sync)
        self._update_cache(writes)

    def _update_cache(self, writes: Mapping[bytes, bytes | None]) -> None:
        """After a durable commit: cached keys take their new values; fills in flight are void."""
        with self._cache_lock:
            self._generation += 1
            if len(self._cache) + len(writes) > STATE_CACHE_ENTRIES:
                self._cache.clear()
            self._cache.update(writes)


def _version_stem(key: bytes) -> bytes:
    return _VERSION + _U16.pack(len(key)) + key


def _read_version(it: RdictIter, stem: bytes, height: int) -> bytes | None:
    """The value the version key `stem` had at `height`, positioning `it` at that version."""
    it.seek_for_prev(stem + _U64.pack(height))
    if not it.valid():
        return None
    found: bytes = it.key()
    if not found.startswith(stem) or len(found) != len(stem) + _U64.size:
        return None
    value: bytes = it.value()
    return value[1:] if value[:1] == _PRESENT else None


def _upper_bounded(prefix: bytes) -> ReadOptions:
    """Read options whose iterator stops before the first key past every key under `prefix`, so a
    seek or step never walks the deletion markers of keys beyond it. Keep them referenced while
    the iterator is in use: rocksdict's iterator does not keep its bound alive."""
    options = ReadOptions()
    end = prefix_end(prefix)
    if end is not None:
        options.set_iterate_upper_bound(end)
    return options


def _key_of(item: tuple[bytes, bytes]) -> bytes:
    return item[0]


def _put_state(batch: WriteBatch, writes: Mapping[bytes, bytes | None], height: int) -> None:
    suffix = _U64.pack(height)
    for key, value in writes.items():
        if value is None:
            batch.delete(_STATE + key)
            batch.put(_version_stem(key) + suffix, _ABSENT)
        else:
            batch.put(_STATE + key, value)
            batch.put(_version_stem(key) + suffix, _PRESENT + value)


class HistoricalView:
    """State as committed at `height`: a consistent read view for queries.

    Point reads and prefix iteration are exact at every committed height: a key deleted, created
    or re-created since `height` reads and lists as it was then (`Database.iterate_at`).
    """

    def __init__(self, db: Database, height: int) -> None:
        self.db = db
        self.height = height

    def get(self, key: bytes) -> bytes | None:
        return self.db.get_at(key, self.height)

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        return self.db.iterate_at(prefix, self.height)


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key above every key that starts with `prefix` (None: there is none)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])
