"""Anchoring the node's read audit log on chain (REG-2: tamper-evident, anchored per block).

`AuditAnchorer` watches the API's `AuditLog`. After every committed block (and every
`interval_s` while the chain is idle), if the log has grown since its last anchor, it signs a
`supervision/AnchorAuditLog(log_id, entries, head)` with the node's anchoring key and submits it
through the engine. The chain then holds, per organisation and log, the number of lines and the
hash of the last one; `verify_audit_log(path, anchor)` proves the file still matches.

Concurrency: the engine calls `on_block` on its own thread; the signing and submitting happen
on the anchorer's worker thread, never inside the engine's callback.
Must never: block or fail block production; a refused anchor is logged and retried later.
"""

from __future__ import annotations

import logging
import threading

from finchain.api.audit import AuditLog
from finchain.app import Application
from finchain.crypto import PrivateKey
from finchain.engine.base import TxEngine
from finchain.model import BlockRecord, Receipt, Transaction, sign_transaction
from finchain.modules.supervision.messages import AnchorAuditLog

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_S = 5.0


class AuditAnchorer:
    def __init__(
        self,
        app: Application,
        engine: TxEngine,
        audit_log: AuditLog,
        key: PrivateKey,
        log_id: str,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.app = app
        self.engine = engine
        self.audit_log = audit_log
        self.key = key
        self.log_id = log_id
        self.interval_s = interval_s
        self.anchored = 0  # entries covered by the last anchor this node submitted
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.engine.subscribe(self.on_block)
        self._thread = threading.Thread(target=self._run, name="audit-anchor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def on_block(self, _: BlockRecord, __: list[Receipt]) -> None:
        """Engine listener: wake the worker (it decides whether an anchor is due)."""
        self._wake.set()

    def anchor_now(self) -> bool:
        """Submit an anchor if the log grew since the last one; whether one was admitted."""
        entries, head = self.audit_log.head()
        if entries <= self.anchored:
            return False
        suite = self.app.suite
        sender = suite.address(self.key.public_key)
        tx = Transaction(
            chain_id=self.app.genesis.chain_id,
            sender=sender,
            nonce=self.engine.get_pending_nonce(sender),
            fee=0,
            msgs=(AnchorAuditLog(self.log_id, entries, bytes.fromhex(head)),),
            memo="",
            valid_until_height=0,
        )
        result, _ = self.engine.submit(sign_transaction(tx, self.key, suite).raw)
        if not result.ok:
            log.warning("audit anchor refused: %s %s", result.code, result.log)
            return False
        self.anchored = entries
        log.info("audit anchor submitted log=%s entries=%d head=%s", self.log_id, entries, head)
        return True

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.anchor_now()
            except Exception:  # an anchor must never take the node down; retried next time
                log.exception("audit anchoring failed")
