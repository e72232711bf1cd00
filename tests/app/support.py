"""Helpers for application tests: state snapshots, hand-built envelopes, direct blocks, replay.

They serve the global invariants: G-3 (`snapshot` compares the full committed state, height and app
hash; `assert_rejected` also checks the mempool view) and G-4 (`assert_replay_reproduces` feeds
every committed block of a store through a fresh application from the same genesis).
"""

from __future__ import annotations

import enum
import shutil
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finchain.app import Application, FinalizeResult
from finchain.codec import Value, decode, decode_uint, encode, encode_uint
from finchain.crypto import Address, PrivateKey, parse_address
from finchain.engine.solo import SoloEngine
from finchain.model import BlockHeader, Receipt, compute_block_hash, decode_signed_tx
from finchain.model.tx import SIGN_DOMAIN
from finchain.modules.auth.keys import nonce_key
from finchain.modules.bank import keys as bank_keys
from finchain.modules.module import Module
from finchain.node.verify import replay_chain
from finchain.node.wiring import MODULES
from finchain.store import Database, TxLocation
from tests.helpers import CHAIN_ID, Chain

PROPOSER = b"\x07" * 20
BLOCK_SPACING_MS = 1_000


@dataclass(frozen=True)
class Snapshot:
    """Everything committed: the full state map, the height and the app hash."""

    state: dict[bytes, bytes]
    height: int
    app_hash: bytes


def snapshot(app: Application) -> Snapshot:
    return Snapshot(dict(app.db.iterate(b"")), app.height, app.app_hash)


def state_diff(
    before: Mapping[bytes, bytes], after: Mapping[bytes, bytes]
) -> dict[bytes, bytes | None]:
    """Keys whose value differs, mapped to the new value (None = deleted)."""
    keys = set(before) | set(after)
    return {k: after.get(k) for k in sorted(keys) if before.get(k) != after.get(k)}


def pending_nonces(chain: Chain) -> dict[str, int]:
    return {name: chain.app.get_pending_nonce(chain.address(name)) for name in chain.keys}


# ---- blocks without the engine -------------------------------------------------------------


def make_header(app: Application, raw_txs: list[bytes]) -> BlockHeader:
    """The header the solo engine would build for the next block (time strictly increasing)."""
    height = app.height + 1
    previous = app.db.load_block(app.height)
    last_time = previous.header.time_ms if previous else app.genesis.genesis_time_ms
    prev_hash = previous.header.block_hash if previous else b""
    time_ms = last_time + BLOCK_SPACING_MS
    block_hash = compute_block_hash(
        app.suite, app.genesis.chain_id, height, time_ms, prev_hash, raw_txs
    )
    return BlockHeader(app.genesis.chain_id, height, time_ms, block_hash, PROPOSER)


def deliver_block(app: Application, raw_txs: list[bytes]) -> FinalizeResult:
    """finalize_block + commit of exactly these bytes, as a (maybe byzantine) proposer decided."""
    result = app.finalize_block(make_header(app, raw_txs), raw_txs)
    app.commit()
    return result


# ---- hand-built envelopes ------------------------------------------------------------------


def tx_body(
    sender: bytes,
    msgs: list[Any],
    *,
    nonce: int = 0,
    fee: int = 0,
    memo: str = "",
    valid_until_height: int = 0,
    chain_id: str = CHAIN_ID,
) -> list[Value]:
    """The positional body `[chain_id, sender, nonce, fee, [msg, ...], memo, valid_until]`."""
    return [chain_id, sender, nonce, fee, msgs, memo, valid_until_height]


def sign_body(key: PrivateKey, body: list[Value]) -> bytes:
    """Sign a hand-built body (any message values) and return the canonical envelope."""
    chain_id = body[0]
    assert isinstance(chain_id, str)
    signature = key.sign(encode([SIGN_DOMAIN, chain_id, body]))
    return encode([1, body, key.public_key, signature])


def envelope_parts(raw: bytes) -> list[Any]:
    """[version, body, public_key, signature] of a canonical envelope (for tampering)."""
    parts: list[Any] = decode(raw)
    return parts


def encode_wide(value: Any) -> bytes:
    """msgpack with every header in its widest form: a valid but non-canonical byte form."""
    if type(value) is int:
        if value >= 0:
            return b"\xcf" + struct.pack(">Q", value)
        return b"\xd3" + struct.pack(">q", value)
    if type(value) is bytes:
        return b"\xc6" + struct.pack(">I", len(value)) + value
    if type(value) is str:
        data = value.encode()
        return b"\xdb" + struct.pack(">I", len(data)) + data
    if type(value) is list:
        return b"\xdd" + struct.pack(">I", len(value)) + b"".join(encode_wide(v) for v in value)
    raise TypeError(f"cannot encode {type(value).__name__}")


# ---- G-3: rejections change nothing --------------------------------------------------------


class InBlock(enum.Enum):
    """What the same bytes do when a proposer puts them in a block anyway."""

    STATELESS = "process_proposal rejects; finalize_block records a failure, nothing changes"
    ANTE = "proposal accepted; ante fails, nothing changes (nonce not consumed)"
    MESSAGE = "proposal accepted; a message fails, only the sender's nonce advances"


def assert_rejected(chain: Chain, raw: bytes, code: str, in_block: InBlock | None) -> None:
    """G-3: check_tx rejects `raw` with `code` and nothing moves; then deliver it in a block."""
    app = chain.app
    before, nonces, queued = snapshot(app), pending_nonces(chain), chain.engine.mempool_size
    result, future = chain.engine.submit(raw)
    assert (result.code, future) == (code, None), result.log
    assert result.tx_hash == app.suite.hash(raw)
    assert snapshot(app) == before
    assert pending_nonces(chain) == nonces
    assert chain.engine.mempool_size == queued
    if in_block is None:
        return
    accepted = app.process_proposal([raw], app.height + 1)
    assert accepted is (in_block is not InBlock.STATELESS)
    result_block = deliver_block(app, [raw])
    [receipt] = result_block.receipts
    assert (receipt.code, receipt.tx_hash, receipt.events) == (code, app.suite.hash(raw), ())
    assert app.db.load_receipts(app.height) == [receipt]
    diff = state_diff(before.state, snapshot(app).state)
    if in_block is InBlock.MESSAGE:
        sender = decode_signed_tx(raw, app.suite, len(raw)).tx.sender
        next_nonce = app.get_pending_nonce(sender)
        assert diff == {nonce_key(sender): encode_uint(next_nonce)}
        assert next_nonce == nonces[_name_of(chain, sender)] + 1
    else:
        assert diff == {}
        assert pending_nonces(chain) == nonces
    assert app.check_invariants() == []


def _name_of(chain: Chain, address: bytes) -> str:
    return next(name for name in chain.keys if chain.address(name) == address)


# ---- G-4: replay from genesis --------------------------------------------------------------


def load_block_txs(db: Database, height: int) -> list[bytes]:
    """The raw transactions of a committed block, in order, checked against the block record."""
    record = db.load_block(height)
    assert record is not None, f"block {height} missing"
    raws: list[bytes] = []
    for index, tx_hash in enumerate(record.tx_hashes):
        raw = db.load_tx(TxLocation(height, index))
        assert raw is not None, f"tx {height}/{index} missing"
        location = db.find_tx(tx_hash)
        assert location is not None and location.height <= height
        assert db.load_tx(location) == raw
        raws.append(raw)
    return raws


def assert_replay_reproduces(
    original: Database,
    path: Path,
    then: Callable[[Application, Database], None] | None = None,
    modules: Sequence[Module] = MODULES,
) -> None:
    """G-4: a fresh store fed the same genesis and blocks reaches every app hash and the state;
    `then` runs on the replica before it is closed (e.g. to recompute a report there)."""
    replica_db = Database(path)
    try:
        report = replay_chain(original, replica_db, modules)  # the code `finchain node verify` runs
        assert report.difference is None, report.difference
        if then is not None:
            then(Application(replica_db, modules), replica_db)
    finally:
        replica_db.close()


def receipts_by_code(receipts: list[Receipt]) -> list[str]:
    return [r.code for r in receipts]


def fresh_address(chain: Chain) -> Address:
    """An address that belongs to no member (a key generated now)."""
    return chain.suite.address(chain.suite.generate_private_key().public_key)


# ---- restarts ------------------------------------------------------------------------------


def reopen(chain: Chain) -> None:
    """Stop the node (engine and store) and start it again on the same directory."""
    chain.engine.stop()
    chain.db.close()
    chain.db = Database(chain.path)
    chain.app = Application(chain.db, chain.app.modules.modules)
    clock = chain.clock

    def tick() -> int:
        clock[0] += BLOCK_SPACING_MS
        return clock[0]

    chain.engine = SoloEngine(chain.app, clock_ms=tick)


# ---- G-1: double entry over a block --------------------------------------------------------


def balance_deltas(before: Mapping[bytes, bytes], after: Mapping[bytes, bytes]) -> dict[bytes, int]:
    """Non-zero changes of every `bank/bal/` key between two state maps."""
    prefix = bank_keys.BALANCE_PREFIX
    keys = {k for k in (*before, *after) if k.startswith(prefix)}
    deltas = {k: decode_uint(after.get(k, b"")) - decode_uint(before.get(k, b"")) for k in keys}
    return {k: v for k, v in deltas.items() if v}


def event_deltas(receipts: list[Receipt]) -> dict[bytes, int]:
    """The balance changes the bank events of successful receipts account for: each transfer is
    one debit and one equal credit; issue credits, redeem debits."""
    deltas: dict[bytes, int] = {}

    def add(address_text: str, asset: str, amount: int) -> None:
        key = bank_keys.balance_key(parse_address(address_text), asset)
        deltas[key] = deltas.get(key, 0) + amount

    for receipt in receipts:
        if not receipt.ok:
            assert receipt.events == ()
        for event in receipt.events:
            attrs = dict(event.attributes)
            if event.type == "bank.transfer":
                add(attrs["sender"], attrs["asset"], -int(attrs["amount"]))
                add(attrs["recipient"], attrs["asset"], int(attrs["amount"]))
            elif event.type == "bank.issue":
                add(attrs["recipient"], attrs["asset"], int(attrs["amount"]))
            elif event.type == "bank.redeem":
                add(attrs["issuer"], attrs["asset"], -int(attrs["amount"]))
    return {k: v for k, v in deltas.items() if v}


def replay_and_close(chain: Chain | None, base: Path) -> None:
    """A state machine's teardown: G-4 replay of `chain` into `base/replay`, then close the chain
    and remove `base`, even when the replay fails. Nothing to do if the chain never started."""
    if chain is None:
        return
    try:
        assert_replay_reproduces(chain.db, base / "replay")
    finally:
        chain.close()
        shutil.rmtree(base, ignore_errors=True)
