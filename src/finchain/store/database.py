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

Committed-state reads (`get`) go through a bounded write-through cache: a miss reads RocksDB and
fills the cache only if no commit happened meanwhile (a generation counter, checked under a
lock), and every commit writes its write-set into the cache after the durable batch. So the
cache always holds what RocksDB holds; `tests/unit/test_store.py` checks it against raw reads.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rocksdict import Options, Rdict, ReadOptions, WriteBatch, WriteOptions

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
_U64 = struct.Struct(">Q")
_U64U32 = struct.Struct(">QI")
STATE_CACHE_ENTRIES = 262_144  # about 30 MiB of small state values; cleared when full
MAX_CACHED_KEY_BYTES = 256  # longer keys (only ever looked up, never written by modules) skip it


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
        options = ReadOptions()
        end = prefix_end(start)
        if end is not None:
            options.set_iterate_upper_bound(end)
        it = self._db.iter(options)
        it.seek(start)
        while it.valid():
            key: bytes = it.key()
            value: bytes = it.value()
            yield key[skip:], value
            it.next()

    def get_at(self, key: bytes, height: int) -> bytes | None:
        """The value of `key` as committed at `height` (None if absent then)."""
        stem = _version_stem(key)
        it = self._db.iter()
        it.seek_for_prev(stem + _U64.pack(height))
        if not it.valid():
            return None
        found: bytes = it.key()
        if not found.startswith(stem) or len(found) != len(stem) + 8:
            return None
        value: bytes = it.value()
        return value[1:] if value[:1] == _PRESENT else None

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
    return _VERSION + struct.pack(">H", len(key)) + key


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

    Point reads are exact. Iteration walks the keys present now and reads each at `height`, so a key
    deleted after `height` is not listed (modules keep keys rather than delete them).
    """

    def __init__(self, db: Database, height: int) -> None:
        self.db = db
        self.height = height

    def get(self, key: bytes) -> bytes | None:
        return self.db.get_at(key, self.height)

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for key, _ in self.db.iterate(prefix):
            value = self.db.get_at(key, self.height)
            if value is not None:
                yield key, value


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key above every key that starts with `prefix` (None: there is none)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])
