"""Replay from genesis (G-4): feed every stored block into a fresh store and compare.

`replay_chain(stored, replica)` initialises a fresh `Application(replica, modules)` from the
stored genesis document (and the initial validator set the stored chain recorded at height 0,
which under CometBFT came from InitChain rather than the document), then for every stored height
in order:
  1. loads the block record and its raw transactions (each found again through the tx index);
  2. `finalize_block` with the stored header and those transactions;
  3. compares every receipt, then the app hash, with the stored ones;
  4. commits, and compares the block record the replica wrote with the stored one.
After the last block it compares the chain meta (height, app hash), the whole latest state key by
key (a differing key is traced back to the first height whose version differs), and runs the
modules' invariants on the replica. It stops at the first difference and reports it with its
height; a store that replays cleanly has `difference` None.

`finchain node verify` (cli/dev_cmd.py) runs it on a stopped node's home (it takes the home lock)
into a temporary directory, and `tests/app/support.py::assert_replay_reproduces` in tests.
Must never: write to `stored`; read a clock (the caller times the run).
Concurrency: single-threaded; `stored` must not be written meanwhile (the home lock).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from finchain.app import Application
from finchain.errors import FinchainError
from finchain.model.receipt import Receipt
from finchain.modules.module import Module
from finchain.node.wiring import MODULES
from finchain.store import Database, TxLocation

__all__ = ["ReplayDifference", "ReplayReport", "replay_chain"]


@dataclass(frozen=True, slots=True)
class ReplayDifference:
    """The first point where the replay and the store disagree."""

    height: int
    kind: str  # genesis, block, tx, execution, receipt, app_hash, block_record, meta, state, ...
    message: str


@dataclass(frozen=True, slots=True)
class ReplayReport:
    chain_id: str
    last_height: int  # the stored chain's height
    blocks_replayed: int
    txs_replayed: int
    difference: ReplayDifference | None

    @property
    def ok(self) -> bool:
        return self.difference is None


class _Differs(Exception):
    def __init__(self, height: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.difference = ReplayDifference(height, kind, message)


def replay_chain(
    stored: Database,
    replica: Database,
    modules: Sequence[Module] = MODULES,
    on_block: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Replay every block of `stored` into the empty `replica`; `on_block(height)` after each."""
    raw_genesis = stored.load_genesis()
    meta = stored.load_meta()
    if raw_genesis is None or meta is None:
        difference = ReplayDifference(0, "genesis", "the store holds no chain (no genesis)")
        return ReplayReport("", 0, 0, 0, difference)
    app = Application(replica, modules)
    genesis = app.parse_genesis(raw_genesis)
    progress = [0, 0]  # blocks, transactions
    try:
        _replay_genesis(stored, app, meta.app_hash)
        for height in range(1, meta.height + 1):
            progress[1] += _replay_block(stored, replica, app, height)
            progress[0] = height
            if on_block is not None:
                on_block(height)
        _compare_final_state(stored, replica, app, meta.height, meta.app_hash)
    except _Differs as differs:
        return ReplayReport(
            genesis.chain_id, meta.height, progress[0], progress[1], differs.difference
        )
    return ReplayReport(genesis.chain_id, meta.height, progress[0], progress[1], None)


# ---- steps ----------------------------------------------------------------------------------


def _replay_genesis(stored: Database, app: Application, last_app_hash: bytes) -> None:
    validators = _initial_validators(stored, app.modules.modules)
    try:
        genesis_hash = app.init_chain(app.parse_genesis(_genesis_bytes(stored)), validators)
    except FinchainError as err:
        raise _Differs(0, "genesis", f"the stored genesis does not initialise: {err}") from None
    first = stored.load_block(1)
    expected = first.prev_app_hash if first is not None else last_app_hash
    if genesis_hash != expected:
        raise _Differs(
            0,
            "genesis",
            f"genesis app hash {genesis_hash.hex()} != stored {expected.hex()}",
        )


def _replay_block(stored: Database, replica: Database, app: Application, height: int) -> int:
    record = stored.load_block(height)
    if record is None:
        raise _Differs(height, "block", f"block {height} is missing from the store")
    raw_txs = _load_block_txs(stored, height, record.tx_hashes)
    try:
        result = app.finalize_block(record.header, raw_txs)
    except FinchainError as err:
        raise _Differs(height, "execution", f"finalize_block failed: {err}") from None
    _compare_receipts(height, stored.load_receipts(height), result.receipts)
    if result.app_hash != record.app_hash:
        raise _Differs(
            height,
            "app_hash",
            f"app hash {result.app_hash.hex()} != stored {record.app_hash.hex()}",
        )
    app.commit()
    if replica.load_block(height) != record:
        raise _Differs(height, "block_record", "the replayed block record differs from the stored")
    return len(raw_txs)


def _load_block_txs(stored: Database, height: int, tx_hashes: Sequence[bytes]) -> list[bytes]:
    raws: list[bytes] = []
    for index, tx_hash in enumerate(tx_hashes):
        raw = stored.load_tx(TxLocation(height, index))
        if raw is None:
            raise _Differs(height, "tx", f"transaction {height}/{index} is missing")
        location = stored.find_tx(tx_hash)
        if location is None or location.height > height or stored.load_tx(location) != raw:
            raise _Differs(
                height, "tx", f"the tx index does not lead to transaction {height}/{index}"
            )
        raws.append(raw)
    return raws


def _compare_receipts(height: int, stored: list[Receipt], replayed: list[Receipt]) -> None:
    if len(stored) != len(replayed):
        raise _Differs(
            height, "receipt", f"{len(stored)} receipts stored, {len(replayed)} replayed"
        )
    for index, (mine, theirs) in enumerate(zip(replayed, stored, strict=True)):
        if mine != theirs:
            raise _Differs(
                height,
                "receipt",
                f"receipt {height}/{index}: stored code={theirs.code} gas={theirs.gas_used} "
                f"log={theirs.log!r}, replayed code={mine.code} gas={mine.gas_used} "
                f"log={mine.log!r}",
            )


def _compare_final_state(
    stored: Database, replica: Database, app: Application, height: int, app_hash: bytes
) -> None:
    if (app.height, app.app_hash) != (height, app_hash):
        raise _Differs(
            height,
            "meta",
            f"replayed to height {app.height} app hash {app.app_hash.hex()}, stored "
            f"{height} {app_hash.hex()}",
        )
    key = _first_differing_key(stored, replica)
    if key is not None:
        at = _first_differing_version(stored, replica, key, height)
        raise _Differs(
            height if at is None else at,
            "state",
            f"state key {key!r} differs"
            + (" (its latest value only)" if at is None else f" from height {at}")
            + f": stored {stored.get(key)!r}, replayed {replica.get(key)!r}",
        )
    violations = app.check_invariants()
    if violations:
        raise _Differs(height, "invariant", f"invariants broken: {violations}")


# ---- helpers --------------------------------------------------------------------------------


def _genesis_bytes(stored: Database) -> bytes:
    raw = stored.load_genesis()
    assert raw is not None  # checked by replay_chain
    return raw


def _initial_validators(stored: Database, modules: Sequence[Module]) -> list[tuple[bytes, int]]:
    """The validator set the stored chain recorded at genesis (CometBFT's InitChain set)."""
    original = Application(stored, modules)  # read-only use: queries only
    try:
        entries = original.query("validators", {}, 0).value
    except FinchainError:
        return []
    return [(bytes.fromhex(str(v["pub_key"])), int(v["power"])) for v in entries]


def _first_differing_key(stored: Database, replica: Database) -> bytes | None:
    """The smallest key whose latest value differs (or that only one side holds)."""
    mine = replica.iterate(b"")
    theirs = stored.iterate(b"")
    while True:
        a = next(mine, None)
        b = next(theirs, None)
        if a == b:
            if a is None:
                return None
            continue
        if a is None or b is None:
            present = a if a is not None else b
            assert present is not None
            return present[0]
        return min(a[0], b[0])


def _first_differing_version(
    stored: Database, replica: Database, key: bytes, height: int
) -> int | None:
    """The first height at which `key`'s committed versions differ (None: all agree)."""
    for at in range(height + 1):
        if stored.get_at(key, at) != replica.get_at(key, at):
            return at
    return None
