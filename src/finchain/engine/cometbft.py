"""The CometBFT engine adapter: the same surface as the solo engine, with consensus in CometBFT.

Flow: `submit` registers a commit future, then broadcasts the transaction through the local
CometBFT RPC (`broadcast_tx_sync`, JSON-RPC over HTTP on 127.0.0.1) so it enters the mempool
and is gossiped to whichever validator proposes next; CometBFT answers with our own CheckTx
result (run by the ABCI server in this process). When a block commits, the ABCI Commit handler
calls `on_committed`, which resolves the futures of included transactions and tells subscribers
(BlockRecord, receipts). A transaction dropped on recheck fails its future (RejectedOnRecheck).
Satisfies `engine.base.Engine`; the refusals that mean "retry later" are engine.base's codes.

"Already in cache": `broadcast_tx_sync` answers the JSON-RPC error -32603 with data
`tx already exists in cache` (v0.38 `mempool.ErrTxInCache`, returned by `CListMempool.CheckTx`
before any CheckTx runs) when the node has seen the same bytes: sent before, or arriving by
gossip from a node the client also sent them to, maybe with CheckTx still running. That is
never a refusal. Once this node's mempool holds the bytes (at once, or within
`IN_CACHE_SETTLE_S` while their CheckTx runs) the transaction is pending, exactly as if admitted
now: the same future, which `on_committed` resolves when any block holds it. If it does not
(that CheckTx refused this node's copy, e.g. `tx/nonce_gap` while another node holds the
earlier nonce, so another node's copy may still commit), the answer is
`cometbft/outcome_unknown`: 503, or in commit mode a wait for the commit. Never a 4xx.

Owns: the ABCI server and its handlers for this node, the waiters, the RPC client.
Must never: call the application without the shared lock; run check_tx itself (CometBFT does,
through the mempool connection, so that the check state sees every transaction exactly once).
Concurrency: `submit*` and the reads are called from API threads; `on_committed`/`on_evicted`
run on the ABCI worker thread after it released the application lock.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import httpx

from finchain.app import Application, CheckTxResult
from finchain.engine.abci import AbciHandlers, AbciServer, from_abci_code
from finchain.engine.base import (
    ENGINE_CODESPACE,
    ERR_MEMPOOL_FULL,
    ERR_OUTCOME_UNKNOWN,
    ERR_RPC_FAILED,
    ERR_UNAVAILABLE,
    Admission,
    BlockListener,
    BlockListeners,
    RejectedOnRecheck,
)
from finchain.engine.preverify import DEFAULT_VERIFY_THREADS, SignatureVerifier
from finchain.errors import ErrorCode, InvalidTransaction, register_error
from finchain.model.block import BlockRecord
from finchain.model.receipt import CODE_OK, Receipt
from finchain.model.tx import decode_signed_tx

log = logging.getLogger(__name__)

# Codes 2, 4, 5, 6 are engine.base's. `in_cache` is never answered (it is pending, see above);
# it stays registered so that the number is never reused.
ERR_IN_CACHE = register_error(
    ENGINE_CODESPACE,
    1,
    "in_cache",
    "not an error: the node already holds the same bytes, so the transaction is pending",
)
ERR_TX_TOO_LARGE = register_error(
    ENGINE_CODESPACE, 3, "tx_too_large", "the transaction exceeds the mempool's max_tx_bytes"
)

_RPC_ERRORS: tuple[tuple[str, ErrorCode], ...] = (
    ("tx already exists in cache", ERR_IN_CACHE),  # mempool.ErrTxInCache
    ("mempool is full", ERR_MEMPOOL_FULL),
    ("too large", ERR_TX_TOO_LARGE),
)
_BATCH_LIMIT = re.compile(r"exceeds maximum \((\d+)\)")
# How long an "in cache" answer waits for this node's CheckTx of the same bytes to finish.
IN_CACHE_SETTLE_S = 2.0
_IN_CACHE_POLL_S = 0.02


@dataclass(frozen=True, slots=True)
class CometConfig:
    abci_address: str = "tcp://127.0.0.1:26658"
    rpc_url: str = "http://127.0.0.1:26657"
    rpc_timeout_s: float = 30.0
    broadcast_batch: int = 500  # per JSON-RPC batch; lowered to the node's limit when refused
    verify_threads: int = DEFAULT_VERIFY_THREADS
    max_block_txs: int | None = None  # cap on the txs of a block this node proposes


class CometEngine:
    def __init__(self, app: Application, config: CometConfig | None = None) -> None:
        self.app = app
        self.config = config or CometConfig()
        self._lock = threading.RLock()
        self.handlers = AbciHandlers(
            app, self._lock, observer=self, max_block_txs=self.config.max_block_txs
        )
        self.server = AbciServer(self.handlers, self.config.abci_address)
        self._waiters: dict[bytes, Future[Receipt]] = {}
        self._waiters_lock = threading.Lock()
        self._listeners = BlockListeners()
        self._request_ids = itertools.count(1)
        self._batch_limit = self.config.broadcast_batch
        self._http = httpx.Client(
            base_url=self.config.rpc_url,
            timeout=self.config.rpc_timeout_s,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )
        self._verifier = SignatureVerifier(self.config.verify_threads)

    # ---- engine.base.Engine ---------------------------------------------------------------

    def submit(self, raw: bytes) -> Admission:
        """Broadcast through CometBFT. Returns its CheckTx result and, if admitted, a future
        that resolves with the receipt when the transaction's block commits."""
        return self.submit_batch([raw])[0]

    def submit_batch(self, raws: list[bytes]) -> list[Admission]:
        self._verifier.preverify(self.app, raws, self._lock)
        admissions: list[Admission] = []
        start = 0
        while start < len(raws):
            size = max(1, self._batch_limit)
            admissions.extend(self._broadcast(raws[start : start + size]))
            start += size
        return admissions

    def subscribe(self, listener: BlockListener) -> Callable[[], None]:
        """Call `listener(block, receipts)` after every commit; returns an unsubscribe function."""
        return self._listeners.subscribe(listener)

    def get_pending_nonce(self, address: bytes) -> int:
        with self._lock:
            return self.app.get_pending_nonce(address)

    def is_pending(self, tx_hash: bytes) -> bool:
        """Whether this node's mempool holds the transaction. Not a waiter alone: a concurrent
        broadcast of the same bytes may still be refused (tests/e2e/cometbft/test_resend.py)."""
        return self.handlers.is_pending(tx_hash)

    @property
    def mempool_size(self) -> int:
        return self.handlers.pending_count

    @property
    def lock(self) -> threading.RLock:
        """The application lock (shared with the ABCI handlers) for other readers of the app."""
        return self._lock

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()
        self._http.close()
        self._verifier.shutdown()

    # ---- AbciObserver ---------------------------------------------------------------------

    def on_committed(self, record: BlockRecord, receipts: list[Receipt]) -> None:
        with self._waiters_lock:
            futures = [(r, self._waiters.pop(r.tx_hash, None)) for r in receipts]
        for receipt, future in futures:
            if future is not None and not future.done():
                future.set_result(receipt)
        self._listeners.notify(record, receipts)

    def on_evicted(self, result: CheckTxResult) -> None:
        with self._waiters_lock:
            future = self._waiters.pop(result.tx_hash, None)
        if future is not None and not future.done():
            future.set_exception(RejectedOnRecheck(result))

    # ---- internals ------------------------------------------------------------------------

    def _broadcast(self, raws: list[bytes]) -> list[Admission]:
        hashes = [self.app.suite.hash(raw) for raw in raws]
        created: list[bool] = []
        futures: list[Future[Receipt]] = []
        with self._waiters_lock:  # before broadcasting: the block may commit before we return
            for tx_hash in hashes:
                future = self._waiters.get(tx_hash)
                created.append(future is None)
                if future is None:
                    future = Future()
                    self._waiters[tx_hash] = future
                futures.append(future)
        replies = self._call_rpc_batch_within_limit(raws)
        settle_deadline = time.monotonic() + IN_CACHE_SETTLE_S  # one wait for the whole batch
        admissions: list[Admission] = []
        for raw, tx_hash, future, mine, reply in zip(
            raws, hashes, futures, created, replies, strict=True
        ):
            result = self._check_result(raw, tx_hash, reply)
            if result.code == str(ERR_IN_CACHE):
                result = self._settle_in_cache(result, future, settle_deadline)
            if result.ok:
                admissions.append((result, future))
                continue
            if mine and not self.handlers.is_pending(tx_hash):
                with self._waiters_lock:
                    if self._waiters.get(tx_hash) is future:
                        del self._waiters[tx_hash]
            admissions.append((result, None))
        return admissions

    def _settle_in_cache(
        self, result: CheckTxResult, future: Future[Receipt], deadline: float
    ) -> CheckTxResult:
        """CometBFT has seen these bytes (a re-send, or gossip racing the client): admitted once
        this node's mempool holds them or they committed; else, after `deadline` (monotonic),
        outcome unknown (see the module docstring)."""
        tx_hash, sender, nonce = result.tx_hash, result.sender, result.nonce
        while not (self.handlers.is_pending(tx_hash) or future.done()):
            if time.monotonic() >= deadline:
                message = (
                    "CometBFT already has these bytes (in its cache) but this node's mempool "
                    "does not hold them: another node's copy may still commit; re-send the same "
                    "bytes later or look up the hash"
                )
                return CheckTxResult(str(ERR_OUTCOME_UNKNOWN), message, tx_hash, sender, nonce)
            time.sleep(_IN_CACHE_POLL_S)
        return CheckTxResult(CODE_OK, "", tx_hash, sender, nonce)

    def _call_rpc_batch_within_limit(self, raws: list[bytes]) -> list[dict[str, Any]]:
        """Like `_call_rpc_batch`, learning the node's `max_request_batch_size` (CometBFT's
        default is 10) from its refusal and sending smaller batches from then on."""
        replies = self._call_rpc_batch(raws)
        refusal = replies[0].get("error", {}) if replies else {}
        limit = _BATCH_LIMIT.search(str(refusal.get("data", "")))
        if limit is None or len(raws) <= 1:
            return replies
        self._batch_limit = max(1, int(limit.group(1)))
        log.info("rpc batch limit learned max_request_batch_size=%d", self._batch_limit)
        return [
            reply
            for start in range(0, len(raws), self._batch_limit)
            for reply in self._call_rpc_batch_within_limit(raws[start : start + self._batch_limit])
        ]

    def _call_rpc_batch(self, raws: list[bytes]) -> list[dict[str, Any]]:
        """One JSON-RPC batch of broadcast_tx_sync; one reply (result or error) per tx."""
        ids = [next(self._request_ids) for _ in raws]
        body = [
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "method": "broadcast_tx_sync",
                "params": {"tx": base64.b64encode(raw).decode()},
            }
            for request_id, raw in zip(ids, raws, strict=True)
        ]
        try:
            response = self._http.post("/", json=body)
            response.raise_for_status()
            payload = response.json()
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent
            log.warning("broadcast_tx_sync unavailable rpc=%s error=%s", self.config.rpc_url, exc)
            failure = {"error": {"unavailable": True, "data": str(exc)}}
            return [failure for _ in raws]
        except httpx.HTTPStatusError as exc:  # refused as a whole (e.g. body too large)
            log.warning("broadcast_tx_sync refused rpc=%s error=%s", self.config.rpc_url, exc)
            failure = {"error": {"data": f"CometBFT refused the request: {exc}"}}
            return [failure for _ in raws]
        except (httpx.HTTPError, json.JSONDecodeError) as exc:  # sent: it may have been admitted
            log.warning("broadcast_tx_sync no answer rpc=%s error=%s", self.config.rpc_url, exc)
            failure = {"error": {"outcome_unknown": True, "data": str(exc)}}
            return [failure for _ in raws]
        if isinstance(payload, dict) and "error" in payload and payload.get("id") is None:
            return [payload for _ in raws]  # the whole batch was refused
        replies = payload if isinstance(payload, list) else [payload]
        by_id = {reply.get("id"): reply for reply in replies if isinstance(reply, dict)}
        missing = {"error": {"outcome_unknown": True, "data": "no reply for this tx in the batch"}}
        return [by_id.get(request_id, missing) for request_id in ids]

    def _check_result(self, raw: bytes, tx_hash: bytes, reply: dict[str, Any]) -> CheckTxResult:
        sender, nonce = self._sender_and_nonce(raw)
        result = reply.get("result")
        if isinstance(result, dict):
            code = from_abci_code(int(result.get("code", 0)), str(result.get("codespace", "")))
            details = decode_check_tx_details(str(result.get("data") or ""))
            return CheckTxResult(code, str(result.get("log", "")), tx_hash, sender, nonce, details)
        error = reply.get("error") or {}
        text = str(error.get("data") or error.get("message") or "unknown RPC error")
        error_code = ERR_RPC_FAILED
        if error.get("unavailable"):
            error_code = ERR_UNAVAILABLE
        elif error.get("outcome_unknown"):
            error_code = ERR_OUTCOME_UNKNOWN
        for fragment, known in _RPC_ERRORS:
            if fragment in text:
                error_code = known
                break
        return CheckTxResult(str(error_code), text, tx_hash, sender, nonce)

    def _sender_and_nonce(self, raw: bytes) -> tuple[bytes, int]:
        try:
            stx = decode_signed_tx(raw, self.app.suite, max(len(raw), 1))
        except InvalidTransaction:
            return b"", 0
        return stx.tx.sender, stx.tx.nonce


def decode_check_tx_details(data: str) -> dict[str, Any]:
    """The details JSON our CheckTx puts in `data`, as `broadcast_tx_sync` returns it: v0.38's
    RPC renders bytes as hex (`HexBytes`); {} when absent or not a JSON object."""
    if not data:
        return {}
    try:
        parsed = json.loads(bytes.fromhex(data))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
