"""The finchain application: executes blocks deterministically and answers queries.

`finalize_block` reads top to bottom: for each transaction decode, run stateless checks, run the
ante checks on a branch, run every message on a branch of that, keep the branches by outcome,
record a receipt; then compute the app hash over the block's sorted write-set. `commit` writes the
block durably in one batch and resets the mempool's check state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from finchain.app import ante
from finchain.app.genesis import ERR_BAD_GENESIS, GenesisDoc, load_genesis
from finchain.app.modules import ModuleSet, run_invariants
from finchain.app.queries import run_query
from finchain.app.router import Router
from finchain.crypto import Address, CryptoSuite, get_suite
from finchain.errors import InternalError, InvalidTransaction, NotFound, register_error
from finchain.model.block import BlockHeader, BlockRecord
from finchain.model.params import ChainParams
from finchain.model.receipt import CODE_OK, CONTRACT_EVENT_PREFIX, Event, Receipt
from finchain.model.tx import SignedTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.module import (
    AnteContext,
    BlockHook,
    GenesisContext,
    Module,
    QueryContext,
)
from finchain.state import (
    GENESIS_PREV_APP_HASH,
    Overlay,
    StateReader,
    compute_app_hash,
    run_on_branch,
)
from finchain.store import Database, HistoricalView

log = logging.getLogger(__name__)

APP_VERSION = 2  # 2: modules wired from one list; chain parameters under `params/chain`
BASE_GAS = 1_000
GAS_PER_TX_BYTE = 10
GAS_PER_WRITE_BYTE = 30
# Receipts are stored by every node for ever, like writes: each byte of a kept event costs gas.
GAS_PER_EVENT_BYTE = 30
# Bounds on the events contracts emit in one transaction (`contract.<name>`, which contract code
# emits at will); over either, the transaction fails. Native modules emit one event per change
# their own rules allow (a RunLsm over 10,000 queued payments: 10,000 `payment_settled`), bounded
# by those rules and paid for like the contract events, per byte.
MAX_TX_EVENTS = 256
MAX_TX_EVENT_BYTES = 128 * 1024
DECODE_CACHE_SIZE = 200_000
CHAIN_PARAMS_INTERFACE = "params.chain"
NONCES_INTERFACE = "auth.nonces"
FEE_COLLECTOR_INTERFACE = "auth.fee_collector"

ERR_NOT_INITIALISED = register_error("app", 1, "not_initialised", "the chain has no genesis yet")
ERR_TOO_MANY_TXS = register_error("app", 2, "too_many_txs", "block has more than max_block_txs")
ERR_INTERNAL_REJECTION = register_error(
    "tx",
    32,
    "internal_rejection",
    "the node could not evaluate the transaction (an unexpected error, logged with its hash)",
)
ERR_RECEIPT_TOO_LARGE = register_error(
    "tx",
    33,
    "receipt_too_large",
    f"the transaction's contract events exceed {MAX_TX_EVENTS} or {MAX_TX_EVENT_BYTES:,} bytes",
)
RECURSION_MESSAGE = "the transaction nests too deeply to evaluate (recursion limit)"

END_BLOCK_SENDER = Address(bytes(20))  # the "sender" of end-of-block work: nobody


@dataclass(frozen=True, slots=True)
class LastCommit:
    """The last committed block; replaced as one value so readers never see a torn pair."""

    height: int
    app_hash: bytes
    time_ms: int


@dataclass(frozen=True, slots=True)
class InfoResult:
    chain_id: str
    last_height: int
    last_app_hash: bytes
    last_time_ms: int = 0
    app_version: int = APP_VERSION


@dataclass(frozen=True, slots=True)
class CheckTxResult:
    code: str
    log: str
    tx_hash: bytes
    sender: bytes = b""
    nonce: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == CODE_OK


@dataclass(frozen=True, slots=True)
class FinalizeResult:
    receipts: list[Receipt]
    app_hash: bytes
    validator_updates: list[tuple[bytes, int]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # the block's own (end-of-block) events


@dataclass(frozen=True, slots=True)
class QueryResult:
    height: int
    value: Any


@dataclass(slots=True)
class _PendingBlock:
    record: BlockRecord
    writes: dict[bytes, bytes | None]
    raw_txs: list[bytes]
    receipts: list[Receipt]
    touched: list[tuple[bytes, int]]


@dataclass(slots=True)
class _Outcome:
    error: InvalidTransaction | None
    ante: Overlay | None = None
    body: Overlay | None = None
    ctx: ExecutionContext | None = None


class Application:
    """One instance per node. Not thread-safe: the engine serialises all calls."""

    def __init__(self, db: Database, modules: Sequence[Module]) -> None:
        self.db = db
        self.modules = ModuleSet(modules)
        self.interfaces = self.modules.interfaces(self._dispatch)
        self.router = Router(self.modules.handlers(self.interfaces))
        self._chain_params_view: Callable[[StateReader], Any] | None = self.modules.provided.get(
            CHAIN_PARAMS_INTERFACE
        )  # type: ignore[assignment]
        self._genesis: GenesisDoc | None = None
        self.suite: CryptoSuite = get_suite("intl")
        self._last = LastCommit(0, GENESIS_PREV_APP_HASH, 0)
        self._pending: _PendingBlock | None = None
        self._check_state = Overlay(db)
        self._decoded: dict[bytes, SignedTransaction] = {}
        raw_genesis = db.load_genesis()
        if raw_genesis is not None:
            self._load_genesis(self.parse_genesis(raw_genesis))
            meta = db.load_meta()
            if meta is None:
                raise InternalError("database has a genesis but no chain meta")
            block = db.load_block(meta.height)
            time_ms = block.header.time_ms if block else self.genesis.genesis_time_ms
            self._last = LastCommit(meta.height, meta.app_hash, time_ms)

    # ---- ABCI shape -----------------------------------------------------------------------

    @property
    def genesis(self) -> GenesisDoc:
        if self._genesis is None:
            raise InvalidTransaction(ERR_NOT_INITIALISED, "init_chain has not run")
        return self._genesis

    def parse_genesis(self, data: bytes | str | dict[str, Any]) -> GenesisDoc:
        """Parse and check a genesis document for this application's modules."""
        return load_genesis(data, self.modules.modules)

    @property
    def is_initialised(self) -> bool:
        return self._genesis is not None

    def info(self) -> InfoResult:
        chain_id = self._genesis.chain_id if self._genesis else ""
        last = self._last
        return InfoResult(chain_id, last.height, last.app_hash, last.time_ms)

    def init_chain(
        self, genesis: GenesisDoc, validators: Sequence[tuple[bytes, int]] | None = None
    ) -> bytes:
        """Write the genesis state (height 0) and return the initial app hash.

        `validators` (Ed25519 key, power) is the engine's initial set (CometBFT's InitChain);
        without it the genesis document's `validators` list is recorded."""
        if self._genesis is not None:
            raise InternalError("init_chain on an initialised chain")
        self._load_genesis(genesis)
        state = Overlay(self.db)
        document = genesis.to_json()
        env = GenesisContext(genesis.chain_id, self.interfaces, validators)
        for part in self.modules.genesis_parts:
            part.init(state, document.get(part.section, part.default()), env)
        violations = self.check_invariants(state)
        if violations:
            raise InvalidTransaction(ERR_BAD_GENESIS, f"genesis breaks invariants: {violations}")
        app_hash = compute_app_hash(self.suite, GENESIS_PREV_APP_HASH, state.writes)
        self.db.commit_genesis(state.writes, app_hash, genesis.encode())
        self._last = LastCommit(0, app_hash, genesis.genesis_time_ms)
        self._check_state = Overlay(self.db)
        log.info("genesis chain_id=%s app_hash=%s", genesis.chain_id, app_hash.hex())
        return app_hash

    def check_tx(self, raw: bytes, recheck: bool = False) -> CheckTxResult:
        """Admit a transaction to the mempool only if it would succeed now, in full.

        Runs ante and messages against the check state (committed state plus admitted txs);
        an admitted transaction's writes stay in the check state until the next commit.
        Never raises: an unexpected error is the rejection `tx/internal_rejection`, logged with
        the transaction's hash (refusing admission is always safe; the check state only takes
        a transaction's branches once it fully succeeded).
        """
        try:
            return self._check_tx(raw)
        except Exception as exc:  # the admission boundary: refuse, never fail the caller
            tx_hash = self.suite.hash(raw)
            log.exception("check_tx internal rejection tx=%s", tx_hash.hex())
            message = f"unexpected {type(exc).__name__} while checking the transaction"
            return CheckTxResult(str(ERR_INTERNAL_REJECTION), message, tx_hash)

    def _check_tx(self, raw: bytes) -> CheckTxResult:
        try:
            stx = self._decode_and_verify(raw, self._last.height + 1, self.max_tx_bytes)
        except InvalidTransaction as err:
            return _check_failure(self.suite.hash(raw), err)
        outcome = self._run(self._check_state, stx, self._last.height + 1, self._last.time_ms)
        if outcome.error is not None:
            return _check_failure(stx.hash, outcome.error, stx)
        assert outcome.ante is not None and outcome.body is not None
        outcome.body.merge_into_parent()
        outcome.ante.merge_into_parent()
        return CheckTxResult(CODE_OK, "", stx.hash, stx.tx.sender, stx.tx.nonce)

    def prepare_proposal(self, raw_txs: Iterable[bytes]) -> list[bytes]:
        """Keep mempool order; drop duplicates and what process_proposal would reject; cap the
        count at max_block_txs."""
        params = self._params(self.db)
        max_size = self.max_tx_bytes
        chosen: list[bytes] = []
        seen: set[bytes] = set()
        for raw in raw_txs:
            if len(chosen) >= params.max_block_txs:
                break
            if raw in seen:
                continue
            seen.add(raw)
            try:
                self._decode_and_verify(raw, self._last.height + 1, max_size)
            except InvalidTransaction:
                continue
            chosen.append(raw)
        return chosen

    def process_proposal(self, raw_txs: list[bytes], height: int) -> bool:
        """Accept a proposed block only if every tx decodes, verifies, targets this chain and
        appears once. Stateful failures (nonce, funds) are not grounds for rejection: they get
        failure receipts, deterministically, on every node."""
        if len(raw_txs) > self._params(self.db).max_block_txs:
            return False
        if len(set(raw_txs)) != len(raw_txs):
            log.warning("rejecting proposal at height=%d: duplicate transaction", height)
            return False
        max_size = self.max_tx_bytes
        try:
            for raw in raw_txs:
                self._decode_and_verify(raw, height, max_size)
        except InvalidTransaction as err:
            log.warning("rejecting proposal at height=%d: %s", height, err)
            return False
        return True

    def finalize_block(self, header: BlockHeader, raw_txs: list[bytes]) -> FinalizeResult:
        """Execute a decided block; the result is staged until `commit`."""
        if header.height != self._last.height + 1:
            raise InternalError(f"finalize_block height {header.height} after {self._last.height}")
        block_state = Overlay(self.db)
        max_size = self.max_tx_bytes
        receipts: list[Receipt] = []
        touched: list[tuple[bytes, int]] = []
        for index, raw in enumerate(raw_txs):
            receipt, accounts = self._deliver_tx(block_state, header, index, raw, max_size)
            receipts.append(receipt)
            touched.extend((address, index) for address in sorted(accounts))
        block_events = self._process_end_of_block(block_state, header)
        updates = self.modules.validator_updates
        validator_updates = updates(self.db, block_state.writes) if updates is not None else []
        prev_app_hash = self._last.app_hash
        app_hash = compute_app_hash(self.suite, prev_app_hash, block_state.writes)
        record = BlockRecord(
            header, tuple(r.tx_hash for r in receipts), prev_app_hash, app_hash, block_events
        )
        self._pending = _PendingBlock(record, block_state.writes, raw_txs, receipts, touched)
        return FinalizeResult(receipts, app_hash, validator_updates, list(block_events))

    def _process_end_of_block(self, block_state: Overlay, header: BlockHeader) -> tuple[Event, ...]:
        """The modules' end-of-block hooks in their declared order (governance closes votes and
        runs passed actions, then clearing's gross retries and LSM), each on its own branch kept
        only if it succeeds. A hook that rejects (InvalidTransaction) is a bug, but the same one
        on every node, so the block goes on without it (logged). Any other exception is a broken
        invariant and halts the node, as CometBFT does on a panic."""
        events: list[Event] = []
        for hook in self.modules.end_block_hooks:
            ctx = ExecutionContext(
                block_state, header.chain_id, header.height, header.time_ms, END_BLOCK_SENDER, b""
            )

            def run(branch: Overlay, ctx: ExecutionContext = ctx, hook: BlockHook = hook) -> None:
                ctx.state = branch
                hook.run(ctx, self.interfaces)

            try:
                run_on_branch(block_state, run)
            except InvalidTransaction as err:
                log.error("end of block %s failed at height=%d: %s", hook.name, header.height, err)
                continue
            events.extend(ctx.events)
        return tuple(events)

    def commit(self) -> BlockRecord:
        """Persist the finalized block durably; returns the committed block record."""
        pending = self._pending
        if pending is None:
            raise InternalError("commit without finalize_block")
        self.db.commit_block(
            pending.record, pending.writes, pending.raw_txs, pending.receipts, pending.touched
        )
        self._pending = None
        header = pending.record.header
        self._last = LastCommit(header.height, pending.record.app_hash, header.time_ms)
        self._check_state = Overlay(self.db)
        return pending.record

    def query(self, path: str, params: dict[str, Any], height: int | None = None) -> QueryResult:
        """Run a read-only query at a committed height (default: the latest; 0 = genesis)."""
        view = self.view_at(height)
        q = QueryContext(
            view, view.height, self.interfaces, lambda: self._block_time_ms(view.height)
        )
        return QueryResult(view.height, run_query(self.modules.queries, q, path, params))

    def _block_time_ms(self, height: int) -> int:
        block = self.db.load_block(height) if height else None
        return block.header.time_ms if block else self.genesis.genesis_time_ms

    def view_at(self, height: int | None = None) -> HistoricalView:
        """A read-only view of the state committed at `height` (default: the latest)."""
        last_height = self._last.height
        if height is not None and not 0 <= height <= last_height:
            raise NotFound(f"height {height} is not committed (latest is {last_height})")
        return HistoricalView(self.db, last_height if height is None else height)

    # ---- helpers --------------------------------------------------------------------------

    @property
    def height(self) -> int:
        return self._last.height

    @property
    def app_hash(self) -> bytes:
        return self._last.app_hash

    def get_pending_nonce(self, address: bytes) -> int:
        """The next nonce counting transactions admitted to the mempool but not yet committed."""
        nonces = self.interfaces.get(NONCES_INTERFACE)(self._check_state)
        return int(nonces.get_next_nonce(address))

    def check_invariants(self, state: StateReader | None = None) -> list[str]:
        """Run every module invariant over `state` (default: committed state)."""
        view = state if state is not None else self.db
        return run_invariants(self.modules.invariants, view)

    def fee_collector(self) -> bytes:
        """The address fees are paid to (the auth module's rule)."""
        return bytes(self.interfaces.get(FEE_COLLECTOR_INTERFACE)(self.suite))

    def _load_genesis(self, genesis: GenesisDoc) -> None:
        self._genesis = genesis
        self.suite = get_suite(genesis.crypto_suite)

    def _params(self, state: StateReader) -> ChainParams:
        """Chain parameters as `state` sees them (the genesis document's before it is written,
        or when no module offers them)."""
        if self._chain_params_view is None or self._genesis is None:
            return self.genesis.params
        params: ChainParams = self._chain_params_view(state).get()
        return params

    def _dispatch(self, ctx: ExecutionContext, msg: Any) -> None:
        """The `app.dispatch` interface: run a message as the router would."""
        self.router.dispatch(ctx, msg)

    @property
    def max_tx_bytes(self) -> int:
        return self._params(self._check_state).max_tx_bytes

    def remember_verified(self, raw: bytes, stx: SignedTransaction) -> None:
        """Accept a decode+signature result computed elsewhere (e.g. a verifier thread pool).

        Safe because `ante.decode_and_verify` is a pure function of the bytes and the suite.
        """
        if len(self._decoded) >= DECODE_CACHE_SIZE:
            self._decoded.pop(next(iter(self._decoded)))
        self._decoded[raw] = stx

    def _decode_and_verify(self, raw: bytes, height: int, max_size: int) -> SignedTransaction:
        """Decode, check chain id, expiry and signature (`max_size`: the committed
        `max_tx_bytes`, read once per call of the ABCI method). Signature results are cached
        by bytes."""
        stx = self._decoded.get(raw) if len(raw) <= max_size else None
        if stx is None:
            stx = ante.decode_and_verify(raw, self.suite, max_size)
            self.remember_verified(raw, stx)
        ante.validate_chain_and_expiry(stx, self.genesis.chain_id, height)
        return stx

    def _deliver_tx(
        self, block_state: Overlay, header: BlockHeader, index: int, raw: bytes, max_size: int
    ) -> tuple[Receipt, set[bytes]]:
        height = header.height
        try:
            stx = self._decode_and_verify(raw, height, max_size)
        except InvalidTransaction as err:
            tx_hash = self.suite.hash(raw)
            return Receipt(tx_hash, height, index, str(err.code), err.message, 0), set()
        except RecursionError:  # input-driven and the same on every node: see `_run`
            code, tx_hash = str(ERR_INTERNAL_REJECTION), self.suite.hash(raw)
            return Receipt(tx_hash, height, index, code, RECURSION_MESSAGE, 0), set()
        tx_hash = stx.hash
        outcome = self._run(block_state, stx, height, header.time_ms)
        if outcome.ante is None:  # ante failed: the transaction changes nothing at all
            assert outcome.error is not None
            failure = outcome.error
            return Receipt(tx_hash, height, index, str(failure.code), failure.message, 0), set()
        assert outcome.body is not None and outcome.ctx is not None
        error = outcome.error or _find_receipt_too_large(outcome.ctx.events)
        if error is None:
            outcome.body.merge_into_parent()
            events = tuple(outcome.ctx.events)
            code, message = CODE_OK, ""
            touched = outcome.ctx.touched_accounts | {stx.tx.sender}
        else:  # the body branch is dropped: only the ante's nonce and fee stay
            events, code, message = (), str(error.code), error.message
            touched = {stx.tx.sender}
        gas_used = _gas_used(raw, outcome.ante, events) + outcome.ctx.compute_used
        outcome.ante.merge_into_parent()
        return Receipt(tx_hash, height, index, code, message, gas_used, events), touched

    def _run(self, parent: Overlay, stx: SignedTransaction, height: int, time_ms: int) -> _Outcome:
        """Ante on a branch of `parent`, then every message on a branch of the ante branch.

        A `RecursionError` is a rejection (`tx/internal_rejection`) like an InvalidTransaction:
        it is a pure function of the input, the code and CPython's fixed recursion limit, so
        every node fails the transaction at the same point and records the same receipt.
        Anything else unexpected propagates: in finalize_block it is a broken invariant (or a
        resource failure one node alone may have) and halts the node rather than fork it."""
        tx = stx.tx
        ante_branch = parent.branch()
        try:
            steps = self.modules.ante_steps
            ante.apply_stateful_steps(
                steps, AnteContext(ante_branch, stx, self.suite, self.interfaces)
            )
        except InvalidTransaction as err:
            return _Outcome(err)
        except RecursionError:
            return _Outcome(_recursion_rejection(stx))
        body = ante_branch.branch()
        ctx = ExecutionContext(body, tx.chain_id, height, time_ms, tx.sender, stx.hash, tx.fee)
        try:
            for msg in tx.msgs:
                self.router.dispatch(ctx, msg)
        except InvalidTransaction as err:
            return _Outcome(err, ante_branch, body, ctx)
        except RecursionError:
            return _Outcome(_recursion_rejection(stx), ante_branch, body, ctx)
        return _Outcome(None, ante_branch, body, ctx)


def _recursion_rejection(stx: SignedTransaction) -> InvalidTransaction:
    log.error("recursion limit reached evaluating tx=%s", stx.hash.hex())
    return InvalidTransaction(ERR_INTERNAL_REJECTION, RECURSION_MESSAGE)


def _gas_used(raw: bytes, ante_branch: Overlay, events: Sequence[Event]) -> int:
    """Size gas: the transaction's bytes, the bytes it wrote and the bytes of the events its
    receipt keeps; the application adds the contract compute units the transaction used."""
    # Writes merged into the ante branch include the body's on success.
    written = sum(len(k) + len(v or b"") for k, v in ante_branch.writes.items())
    return (
        BASE_GAS
        + GAS_PER_TX_BYTE * len(raw)
        + GAS_PER_WRITE_BYTE * written
        + GAS_PER_EVENT_BYTE * compute_event_bytes(events)
    )


def compute_event_bytes(events: Sequence[Event]) -> int:
    """The UTF-8 size of the events' types, attribute keys and values (the receipt's payload)."""
    return sum(
        len(e.type.encode()) + sum(len(k.encode()) + len(v.encode()) for k, v in e.attributes)
        for e in events
    )


def _find_receipt_too_large(events: Sequence[Event]) -> InvalidTransaction | None:
    """The rejection of contract events over `MAX_TX_EVENTS` or `MAX_TX_EVENT_BYTES`, or None.

    A pure function of the events, so every node fails the same transactions."""
    events = [e for e in events if e.type.startswith(CONTRACT_EVENT_PREFIX)]
    size = compute_event_bytes(events)
    if len(events) <= MAX_TX_EVENTS and size <= MAX_TX_EVENT_BYTES:
        return None
    return InvalidTransaction(
        ERR_RECEIPT_TOO_LARGE,
        f"contracts emitted {len(events)} events of {size} bytes; at most {MAX_TX_EVENTS}"
        f" events and {MAX_TX_EVENT_BYTES} bytes per transaction",
        events=len(events),
        event_bytes=size,
    )


def _check_failure(
    tx_hash: bytes, err: InvalidTransaction, stx: SignedTransaction | None = None
) -> CheckTxResult:
    sender = stx.tx.sender if stx else b""
    nonce = stx.tx.nonce if stx else 0
    return CheckTxResult(str(err.code), err.message, tx_hash, sender, nonce, err.details)
