"""Signature pre-verification on a thread pool, shared by the solo and CometBFT engines.

A batch of submitted transactions is decoded and verified on worker threads (coincurve and the
SM2 bindings release the GIL); each success goes into the application's decode cache, so the
later `check_tx` finds it there. Failures are skipped here: `check_tx` reports them with their
stable code. Safe because `decode_and_verify` is a pure function of the bytes and the suite.

Must never: call the application without holding `lock`.
Concurrency: `preverify` may be called from several API threads; the pool is shared.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from finchain.app import Application
from finchain.app.ante import decode_and_verify
from finchain.errors import InvalidTransaction
from finchain.model.tx import SignedTransaction

PARALLEL_VERIFY_MIN_BATCH = 64  # smaller batches are verified inline by check_tx
DEFAULT_VERIFY_THREADS = max(2, os.cpu_count() or 2)


class SignatureVerifier:
    def __init__(self, threads: int = DEFAULT_VERIFY_THREADS) -> None:
        self.threads = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="verify")

    def preverify(self, app: Application, raws: list[bytes], lock: threading.RLock) -> None:
        """Verify `raws` in parallel (batches below PARALLEL_VERIFY_MIN_BATCH are left alone)."""
        if len(raws) < PARALLEL_VERIFY_MIN_BATCH:
            return
        suite, max_size = app.suite, app.max_tx_bytes

        def verify(chunk: list[bytes]) -> list[tuple[bytes, SignedTransaction]]:
            verified = []
            for raw in chunk:
                try:
                    verified.append((raw, decode_and_verify(raw, suite, max_size)))
                except InvalidTransaction:
                    continue
            return verified

        size = -(-len(raws) // self.threads)
        chunks = [raws[i : i + size] for i in range(0, len(raws), size)]
        for verified in self._pool.map(verify, chunks):
            with lock:
                for raw, stx in verified:
                    app.remember_verified(raw, stx)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
