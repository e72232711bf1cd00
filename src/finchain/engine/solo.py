"""The solo engine: one validator inside the node process, a block as soon as transactions wait.

Flow: `submit` runs `check_tx` and queues admitted transactions; the block thread takes up to
`max_block_txs` of them, runs prepare_proposal -> process_proposal -> finalize_block -> commit,
rechecks what is still queued, then resolves the waiters of every included transaction and tells
subscribers about the new block. Finality is immediate at commit. Satisfies `engine.base.Engine`.

Concurrency: one lock serialises every call into the application (check_tx from API threads,
block production from the block thread). Waiters are `concurrent.futures.Future`s so threads and
asyncio code can both wait on them. Block time comes from the wall clock here, at the edge, and
is made strictly increasing; the application only ever sees it through the block header.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from finchain.app import Application
from finchain.engine.base import Admission, BlockListener, BlockListeners, RejectedOnRecheck
from finchain.engine.preverify import DEFAULT_VERIFY_THREADS, SignatureVerifier
from finchain.errors import InternalError
from finchain.model.block import BlockHeader, BlockRecord, compute_block_hash
from finchain.model.receipt import Receipt

__all__ = ["SoloConfig", "SoloEngine"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SoloConfig:
    max_block_txs: int = 10_000
    block_interval_s: float = 0.0  # minimum time between blocks (lets transactions batch up)
    empty_block_interval_s: float = 0.0  # > 0: also make empty blocks this often
    verify_threads: int = DEFAULT_VERIFY_THREADS


class SoloEngine:
    def __init__(
        self,
        app: Application,
        config: SoloConfig | None = None,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        self.app = app
        self.config = config or SoloConfig()
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.RLock()
        self._wakeup = threading.Condition()
        self._mempool: deque[bytes] = deque()
        self._waiters: dict[bytes, Future[Receipt]] = {}
        self._listeners = BlockListeners()
        self._last_header: BlockHeader | None = None  # the last block this engine committed
        self._thread: threading.Thread | None = None
        self._running = False
        self._last_block_at = 0.0
        self.proposer = app.suite.hash(b"finchain/solo-validator")[:20]
        self._verifier = SignatureVerifier(self.config.verify_threads)

    # ---- public API -----------------------------------------------------------------------

    def submit(self, raw: bytes) -> Admission:
        """check_tx and enqueue. Returns the check result and, if admitted, a commit future."""
        return self.submit_batch([raw])[0]

    def submit_batch(self, raws: list[bytes]) -> list[Admission]:
        """`submit` for many transactions, in order: signatures verified in parallel first,
        then every check_tx under one hold of the lock, and one wake-up of the block thread."""
        self._verifier.preverify(self.app, raws, self._lock)
        with self._lock:
            admissions = [self._admit(raw) for raw in raws]
        with self._wakeup:
            self._wakeup.notify()
        return admissions

    def subscribe(self, listener: BlockListener) -> Callable[[], None]:
        """Call `listener(block, receipts)` after every commit; returns an unsubscribe function."""
        return self._listeners.subscribe(listener)

    def get_pending_nonce(self, address: bytes) -> int:
        with self._lock:
            return self.app.get_pending_nonce(address)

    def is_pending(self, tx_hash: bytes) -> bool:
        return tx_hash in self._waiters

    @property
    def mempool_size(self) -> int:
        return len(self._mempool)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._running = True
        self._thread = threading.Thread(target=self._run, name="solo-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        with self._wakeup:
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._verifier.shutdown()

    def produce_block(self) -> tuple[BlockRecord, list[Receipt]]:
        """Make one block from the queued transactions now (also used without the thread)."""
        with self._lock:
            app = self.app
            candidates = [
                self._mempool[i] for i in range(min(len(self._mempool), self.config.max_block_txs))
            ]
            txs = app.prepare_proposal(candidates)
            height = app.height + 1
            previous = self._previous_header()
            last_time = previous.time_ms if previous else app.genesis.genesis_time_ms
            time_ms = max(self._clock_ms(), last_time + 1)
            prev_hash = previous.block_hash if previous else b""
            block_hash = compute_block_hash(
                app.suite, app.genesis.chain_id, height, time_ms, prev_hash, txs
            )
            if not app.process_proposal(txs, height):
                raise InternalError("solo engine proposed a block its application rejects")
            header = BlockHeader(app.genesis.chain_id, height, time_ms, block_hash, self.proposer)
            result = app.finalize_block(header, txs)
            record = app.commit()
            self._last_header = record.header
            for _ in range(len(candidates)):
                self._mempool.popleft()
            self._recheck_mempool()
            futures = [(r, self._waiters.pop(r.tx_hash, None)) for r in result.receipts]
        for receipt, future in futures:
            if future is not None and not future.done():
                future.set_result(receipt)
        self._listeners.notify(record, result.receipts)
        return record, result.receipts

    # ---- internals ------------------------------------------------------------------------

    def _previous_header(self) -> BlockHeader | None:
        """The header of the last committed block: remembered from `commit`, read from the store
        only on the first block after opening the chain (lock held)."""
        height = self.app.height
        if self._last_header is None or self._last_header.height != height:
            previous = self.app.db.load_block(height) if height > 0 else None
            self._last_header = previous.header if previous else None
        return self._last_header

    def _admit(self, raw: bytes) -> Admission:
        """check_tx and, if admitted, queue the transaction with its commit future (lock held)."""
        result = self.app.check_tx(raw)
        if not result.ok:
            return result, None
        future = self._waiters.get(result.tx_hash)
        if future is None:
            future = Future()
            self._waiters[result.tx_hash] = future
        self._mempool.append(raw)
        return result, future

    def _recheck_mempool(self) -> None:
        """Re-admit the remaining queue against the new state; drop what no longer passes."""
        remaining = list(self._mempool)
        self._mempool.clear()
        for raw in remaining:
            result = self.app.check_tx(raw, recheck=True)
            if result.ok:
                self._mempool.append(raw)
                continue
            future = self._waiters.pop(result.tx_hash, None)
            if future is not None and not future.done():
                future.set_exception(RejectedOnRecheck(result))

    def _run(self) -> None:
        config = self.config
        while self._running:
            with self._wakeup:
                if not self._mempool:
                    timeout = config.empty_block_interval_s or None
                    self._wakeup.wait(timeout=timeout)
            if not self._running:
                break
            if not self._mempool and not config.empty_block_interval_s:
                continue
            wait = self._last_block_at + config.block_interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                self.produce_block()
            except Exception:
                log.exception("block production failed; stopping the engine")
                self._running = False
                raise
            self._last_block_at = time.monotonic()
