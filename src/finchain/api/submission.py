"""Transaction submission: idempotent admission, and waiting for commits without blocking.

`Submitter.submit_many` is the one place that decides what a submitted transaction's status is:
  1. already committed (its hash is in the tx index)  -> the stored receipt, `committed`
  2. admitted by `check_tx` now (or the engine holds
     the same bytes already: CometBFT's "in cache")    -> the engine's commit future, `pending`
     (committed meanwhile                              -> the stored receipt, `committed`)
  3. refused, but the same bytes wait in the mempool  -> a `CommitWatcher` future, `pending`
  4. refused, but committed meanwhile                 -> the stored receipt, `committed`
     outcome unknown, commit mode                     -> a `CommitWatcher` future (may commit)
  5. otherwise                                        -> the `check_tx` rejection, classified by
     `is_definite`: definite (the bytes can never commit: the API answers 4xx) or not (503)
`wait_for_futures` lets async code wait for many commit futures with one loop wake-up and never
cancels them (other requests may be waiting on the same transaction).

Concurrency: `submit_many` blocks (engine lock, signature checks): call it from a worker thread.
`CommitWatcher.record_block` runs on the engine thread; its state is behind a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from finchain.api.services import NodeServices
from finchain.app import CheckTxResult
from finchain.app.application import NONCES_INTERFACE
from finchain.engine.base import ERR_OUTCOME_UNKNOWN, NONCE_REUSED_CODE, is_definite_refusal
from finchain.model import BlockRecord, Receipt
from finchain.store import Database


@dataclass(frozen=True, slots=True)
class Submission:
    """What happened to one submitted transaction. Exactly one of receipt/future/rejection may
    be set; none of them set means pending without a way to wait (async mode)."""

    tx_hash: bytes
    receipt: Receipt | None = None
    future: Future[Receipt] | None = None
    rejection: CheckTxResult | None = None


class CommitWatcher:
    """Commit futures for transactions that someone else already put in the mempool."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._waiting: dict[bytes, list[Future[Receipt]]] = {}

    def watch(self, tx_hash: bytes) -> Future[Receipt]:
        """A future resolved with the receipt when `tx_hash` commits (maybe already)."""
        future: Future[Receipt] = Future()
        with self._lock:
            self._waiting.setdefault(tx_hash, []).append(future)
        # The block may have committed before we registered: the store has it then.
        receipt = find_committed_receipt(self._db, tx_hash)
        if receipt is not None and self._forget(tx_hash, future):
            future.set_result(receipt)
        return future

    def release(self, tx_hash: bytes, future: Future[Receipt]) -> None:
        """Stop tracking a future nobody waits for any more (e.g. after a timeout)."""
        self._forget(tx_hash, future)

    def record_block(self, _: BlockRecord, receipts: list[Receipt]) -> None:
        """Engine listener: resolve the futures of every transaction in the block."""
        if not self._waiting:
            return
        resolved: list[tuple[Future[Receipt], Receipt]] = []
        with self._lock:
            for receipt in receipts:
                for future in self._waiting.pop(receipt.tx_hash, ()):
                    resolved.append((future, receipt))
        for future, receipt in resolved:
            future.set_result(receipt)

    def _forget(self, tx_hash: bytes, future: Future[Receipt]) -> bool:
        with self._lock:
            futures = self._waiting.get(tx_hash, [])
            if future not in futures:
                return False
            futures.remove(future)
            if not futures:
                del self._waiting[tx_hash]
            return True


class Submitter:
    def __init__(self, services: NodeServices, watcher: CommitWatcher) -> None:
        self._services = services
        self._watcher = watcher

    def submit_many(self, raws: list[bytes], wait: bool) -> list[Submission]:
        """Admit each transaction (see the module docstring); blocking, in submission order."""
        app, db, engine = self._services.app, self._services.db, self._services.engine
        results: list[Submission | None] = []
        fresh: list[bytes] = []
        for raw in raws:
            tx_hash = app.suite.hash(raw)
            receipt = find_committed_receipt(db, tx_hash)
            results.append(None if receipt is None else Submission(tx_hash, receipt=receipt))
            if receipt is None:
                fresh.append(raw)
        admissions = iter(engine.submit_batch(fresh))
        return [
            result if result is not None else self._settle(*next(admissions), wait)
            for result in results
        ]

    def is_definite(self, result: CheckTxResult) -> bool:
        """Whether the refusal `result` means its bytes can never commit (engine.base's rule):
        on a CometBFT network another node may hold the same bytes, so only refusals the bytes,
        the height or the committed nonce decide are definite there."""
        peers_may_hold_it = self._services.engine_name != "solo"
        below_committed = result.code == NONCE_REUSED_CODE and self._is_below_committed(result)
        return is_definite_refusal(
            result.code, peers_may_hold_it=peers_may_hold_it, nonce_below_committed=below_committed
        )

    def release(self, submission: Submission) -> None:
        if submission.future is not None:
            self._watcher.release(submission.tx_hash, submission.future)

    def _settle(
        self, result: CheckTxResult, future: Future[Receipt] | None, wait: bool
    ) -> Submission:
        tx_hash = result.tx_hash
        if result.ok:
            # An engine that already held the bytes may hold a committed transaction.
            if future is not None and not future.done():
                receipt = find_committed_receipt(self._services.db, tx_hash)
                if receipt is not None:
                    return Submission(tx_hash, receipt=receipt)
            return Submission(tx_hash, future=future)
        if self._services.engine.is_pending(tx_hash):
            return Submission(tx_hash, future=self._watcher.watch(tx_hash) if wait else None)
        receipt = find_committed_receipt(self._services.db, tx_hash)
        if receipt is not None:
            return Submission(tx_hash, receipt=receipt)
        if wait and result.code == str(ERR_OUTCOME_UNKNOWN):
            # It may be in a mempool (this node's or another's): commit mode waits for it.
            return Submission(tx_hash, future=self._watcher.watch(tx_hash))
        return Submission(tx_hash, rejection=result)

    def _is_below_committed(self, result: CheckTxResult) -> bool:
        if not result.sender:
            return False
        app = self._services.app
        nonces = app.interfaces.get(NONCES_INTERFACE)(app.view_at())
        return result.nonce < int(nonces.get_next_nonce(result.sender))


def find_committed_receipt(db: Database, tx_hash: bytes) -> Receipt | None:
    location = db.find_tx(tx_hash)
    return None if location is None else db.load_receipt(location)


async def wait_for_futures(futures: Sequence[Future[Any]], timeout: float) -> None:
    """Return when every future is done or `timeout` seconds passed; never cancels them."""
    if not futures:
        return
    loop = asyncio.get_running_loop()
    all_done: asyncio.Future[None] = loop.create_future()
    remaining = [len(futures)]
    lock = threading.Lock()

    def count_done(_: Future[Any]) -> None:  # runs on whichever thread finished the future
        with lock:
            remaining[0] -= 1
            finished = remaining[0] == 0
        if finished:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_resolve, all_done)

    for future in futures:
        future.add_done_callback(count_done)
    try:
        await asyncio.wait_for(all_done, timeout)
    except TimeoutError:
        return


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
