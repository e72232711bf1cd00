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
from finchain.app.queries import run_query
from finchain.app.router import Router
from finchain.crypto import Address, CryptoSuite, get_suite
from finchain.errors import InternalError, InvalidTransaction, NotFound, register_error
from finchain.model.block import BlockHeader, BlockRecord
from finchain.model.receipt import CODE_OK, Event, Receipt
from finchain.model.tx import SignedTransaction
from finchain.modules.bank import BankKeeper
from finchain.modules.bank.genesis import init_bank_genesis
from finchain.modules.bank.invariants import INVARIANTS as BANK_INVARIANTS
from finchain.modules.clearing.genesis import init_clearing_genesis
from finchain.modules.clearing.handlers import process_end_of_block as process_clearing_end_of_block
from finchain.modules.clearing.invariants import INVARIANTS as CLEARING_INVARIANTS
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts.genesis import init_contracts_genesis
from finchain.modules.governance.genesis import init_governance_genesis
from finchain.modules.governance.handlers import (
    process_end_of_block as process_governance_end_of_block,
)
from finchain.modules.governance.invariants import INVARIANTS as GOVERNANCE_INVARIANTS
from finchain.modules.members import MembersView
from finchain.modules.members.genesis import init_members_genesis
from finchain.modules.members.invariants import INVARIANTS as MEMBERS_INVARIANTS
from finchain.modules.params import PARAMS_KEY, ChainParams
from finchain.modules.supervision.genesis import init_supervision_genesis
from finchain.modules.supervision.invariants import INVARIANTS as SUPERVISION_INVARIANTS
from finchain.modules.supervision.keeper import SupervisionView
from finchain.modules.validators import compute_validator_updates
from finchain.modules.validators.genesis import init_validators_genesis, parse_genesis_validators
from finchain.modules.validators.invariants import INVARIANTS as VALIDATORS_INVARIANTS
from finchain.state import GENESIS_PREV_APP_HASH, Overlay, StateReader, compute_app_hash
from finchain.store import Database, HistoricalView

log = logging.getLogger(__name__)

APP_VERSION = 1
FEE_COLLECTOR_SEED = b"finchain/fee_collector"
BASE_GAS = 1_000
GAS_PER_TX_BYTE = 10
GAS_PER_WRITE_BYTE = 30
DECODE_CACHE_SIZE = 200_000
CONTRACT_CALL_QUERY = "contracts/call"

ERR_NOT_INITIALISED = register_error("app", 1, "not_initialised", "the chain has no genesis yet")
ERR_TOO_MANY_TXS = register_error("app", 2, "too_many_txs", "block has more than max_block_txs")

END_BLOCK_SENDER = Address(bytes(20))  # the "sender" of end-of-block work: nobody
INVARIANTS = [
    *MEMBERS_INVARIANTS,
    *BANK_INVARIANTS,
    *VALIDATORS_INVARIANTS,
    *CLEARING_INVARIANTS,
    *GOVERNANCE_INVARIANTS,
    *SUPERVISION_INVARIANTS,
]


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

    def __init__(self, db: Database) -> None:
        self.db = db
        self.router = Router()
        self._genesis: GenesisDoc | None = None
        self.suite: CryptoSuite = get_suite("intl")
        self._last = LastCommit(0, GENESIS_PREV_APP_HASH, 0)
        self._pending: _PendingBlock | None = None
        self._check_state = Overlay(db)
        self._decoded: dict[bytes, SignedTransaction] = {}
        self._params_cache: tuple[bytes, ChainParams] = (b"", ChainParams())
        raw_genesis = db.load_genesis()
        if raw_genesis is not None:
            self._load_genesis(load_genesis(raw_genesis))
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
        state.set(PARAMS_KEY, genesis.params.encode())
        init_members_genesis(state, genesis.members)
        init_bank_genesis(state, genesis.bank, MembersView(state))
        if validators is None:
            validators = parse_genesis_validators(genesis.validators)
        init_validators_genesis(state, validators)
        init_clearing_genesis(state, genesis.clearing)
        init_governance_genesis(state, genesis.governance)
        init_supervision_genesis(state, genesis.supervision)
        init_contracts_genesis(state, genesis.contracts)
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
        """
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
        validator_updates = compute_validator_updates(self.db, block_state.writes)
        prev_app_hash = self._last.app_hash
        app_hash = compute_app_hash(self.suite, prev_app_hash, block_state.writes)
        record = BlockRecord(
            header, tuple(r.tx_hash for r in receipts), prev_app_hash, app_hash, block_events
        )
        self._pending = _PendingBlock(record, block_state.writes, raw_txs, receipts, touched)
        return FinalizeResult(receipts, app_hash, validator_updates, list(block_events))

    def _process_end_of_block(self, block_state: Overlay, header: BlockHeader) -> tuple[Event, ...]:
        """End-of-block hooks, in order: governance (close votes, run passed actions), then
        clearing (gross retries and the LSM). Each runs on its own branch of the block's state,
        kept only if it succeeds. A hook that rejects (InvalidTransaction) is a bug, but the
        same one on every node, so the block goes on without it (logged). Any other exception
        is a broken invariant and halts the node, as CometBFT does on a panic."""
        hooks: list[tuple[str, Callable[[ExecutionContext], None]]] = [
            (
                "governance",
                lambda ctx: process_governance_end_of_block(
                    ctx, MembersView(ctx.state), self.router.dispatch
                ),
            ),
            ("clearing", process_clearing_end_of_block),
        ]
        events: list[Event] = []
        for name, hook in hooks:
            branch = block_state.branch()
            ctx = ExecutionContext(
                branch, header.chain_id, header.height, header.time_ms, END_BLOCK_SENDER, b""
            )
            try:
                hook(ctx)
            except InvalidTransaction as err:
                log.error("end of block %s failed at height=%d: %s", name, header.height, err)
                continue
            branch.merge_into_parent()
            events.extend(ctx.events)
        return tuple(events)

    def commit(self) -> int:
        """Persist the finalized block durably; returns the new committed height."""
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
        return header.height

    def query(self, path: str, params: dict[str, Any], height: int | None = None) -> QueryResult:
        """Run a read-only query at a committed height (default: the latest; 0 = genesis)."""
        view = self.view_at(height)
        if path == CONTRACT_CALL_QUERY:  # a contract sees the height and time of its state
            block = self.db.load_block(view.height) if view.height else None
            time_ms = block.header.time_ms if block else self.genesis.genesis_time_ms
            params = {**params, "height": view.height, "block_time_ms": time_ms}
        return QueryResult(view.height, run_query(view, path, params))

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
        return ante.get_next_nonce(self._check_state, address)

    def check_invariants(self, state: StateReader | None = None) -> list[str]:
        """Run every module invariant over `state` (default: committed state)."""
        view = state if state is not None else self.db
        return [v for invariant in INVARIANTS for v in invariant(view)]

    def fee_collector(self) -> bytes:
        return self.suite.hash(FEE_COLLECTOR_SEED)[:20]

    def _load_genesis(self, genesis: GenesisDoc) -> None:
        self._genesis = genesis
        self.suite = get_suite(genesis.crypto_suite)

    def _params(self, state: StateReader) -> ChainParams:
        """Chain parameters as `state` sees them (decoded once per distinct value)."""
        raw = state.get(PARAMS_KEY)
        if raw is None:
            return self.genesis.params
        cached_raw, cached = self._params_cache
        if raw != cached_raw:
            cached = ChainParams.decode(raw)
            self._params_cache = (raw, cached)
        return cached

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
        tx_hash = stx.hash
        outcome = self._run(block_state, stx, height, header.time_ms)
        if outcome.ante is None:  # ante failed: the transaction changes nothing at all
            assert outcome.error is not None
            failure = outcome.error
            return Receipt(tx_hash, height, index, str(failure.code), failure.message, 0), set()
        assert outcome.body is not None and outcome.ctx is not None
        if outcome.error is None:
            outcome.body.merge_into_parent()
            events = tuple(outcome.ctx.events)
            code, message = CODE_OK, ""
            touched = outcome.ctx.touched_accounts | {stx.tx.sender}
        else:
            events, code, message = (), str(outcome.error.code), outcome.error.message
            touched = {stx.tx.sender}
        gas_used = _gas_used(raw, outcome.ante) + outcome.ctx.compute_used
        outcome.ante.merge_into_parent()
        return Receipt(tx_hash, height, index, code, message, gas_used, events), touched

    def _run(self, parent: Overlay, stx: SignedTransaction, height: int, time_ms: int) -> _Outcome:
        """Ante on a branch of `parent`, then every message on a branch of the ante branch."""
        tx = stx.tx
        ante_branch = parent.branch()
        try:
            members = MembersView(ante_branch)
            org_id = members.find_org_of(tx.sender)
            if org_id is None:
                raise InvalidTransaction(ante.ERR_NOT_A_MEMBER, "sender is not a member account")
            if SupervisionView(ante_branch).is_frozen(tx.sender):
                raise InvalidTransaction(ante.ERR_ACCOUNT_FROZEN, "the sender's account is frozen")
            ante.validate_roles(members.get_org(org_id).roles, tx.msgs)
            ante.apply_nonce(ante_branch, stx)
            self._charge_fee(ante_branch, stx)
        except InvalidTransaction as err:
            return _Outcome(err)
        body = ante_branch.branch()
        ctx = ExecutionContext(body, tx.chain_id, height, time_ms, tx.sender, stx.hash, tx.fee)
        try:
            for msg in tx.msgs:
                self.router.dispatch(ctx, msg)
        except InvalidTransaction as err:
            return _Outcome(err, ante_branch, body, ctx)
        return _Outcome(None, ante_branch, body, ctx)

    def _charge_fee(self, state: Overlay, stx: SignedTransaction) -> None:
        params = self._params(state)
        fee = stx.tx.fee
        if fee < params.min_fee:
            raise InvalidTransaction(
                ante.ERR_FEE_TOO_LOW,
                f"fee {fee} below minimum {params.min_fee}",
                min_fee=params.min_fee,
            )
        if fee > 0 and params.fee_asset:
            BankKeeper(state).send(stx.tx.sender, self.fee_collector(), params.fee_asset, fee)


def _gas_used(raw: bytes, ante_branch: Overlay) -> int:
    """Size gas; the application adds the contract compute units the transaction used."""
    # Writes merged into the ante branch include the body's on success.
    written = sum(len(k) + len(v or b"") for k, v in ante_branch.writes.items())
    return BASE_GAS + GAS_PER_TX_BYTE * len(raw) + GAS_PER_WRITE_BYTE * written


def _check_failure(
    tx_hash: bytes, err: InvalidTransaction, stx: SignedTransaction | None = None
) -> CheckTxResult:
    sender = stx.tx.sender if stx else b""
    nonce = stx.tx.nonce if stx else 0
    return CheckTxResult(str(err.code), err.message, tx_hash, sender, nonce, err.details)
