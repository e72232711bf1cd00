"""The engine protocol: what the node and the API need from a consensus engine, whichever it is.

    TxEngine    admission and commit notification: `submit`/`submit_batch` run (or have the
                engine run) `check_tx` and return, per transaction, its result and, if admitted,
                a commit future; `subscribe` adds a block listener; pending-state reads.
    Engine      a `TxEngine` the node can `start` and `stop` (solo: the block thread; cometbft:
                the ABCI server CometBFT connects to).

Waiting for a commit is waiting on the admission's future: it resolves with the transaction's
`Receipt` once its block commits, or fails with `RejectedOnRecheck` when the transaction left the
mempool because it stopped passing `check_tx`. A caller that stops waiting (a timeout) must not
cancel it: other callers may wait on the same transaction.

Engine-neutral refusals (a `CheckTxResult` code, never raised): the node's condition, not the
transaction's fault, so the API answers 503 and the client re-sends the same bytes later. Their
codespace is `cometbft`, the names clients and docs/api.md already use; any engine may use them.

Owns: the protocols, `BlockListeners`, `RejectedOnRecheck` and the codes above.
Must never: import a concrete engine (`solo`, `cometbft`, `abci`); the API depends on this only.
Concurrency: `TxEngine` methods are thread-safe and may block (engine lock, signature checks, an
RPC round trip); the API calls them from worker threads. Listeners run on the engine's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol

from finchain.app import CheckTxResult
from finchain.errors import register_error
from finchain.model.block import BlockRecord
from finchain.model.receipt import Receipt

log = logging.getLogger(__name__)

ENGINE_CODESPACE = "cometbft"
ERR_MEMPOOL_FULL = register_error(ENGINE_CODESPACE, 2, "mempool_full", "the mempool is full; retry")
ERR_RPC_FAILED = register_error(
    ENGINE_CODESPACE, 4, "rpc_failed", "the local CometBFT node refused or failed the broadcast"
)
ERR_UNAVAILABLE = register_error(
    ENGINE_CODESPACE, 5, "unavailable", "the local CometBFT node is not reachable; is it running?"
)
ERR_OUTCOME_UNKNOWN = register_error(
    ENGINE_CODESPACE,
    6,
    "outcome_unknown",
    "the broadcast was sent but no answer came back: the transaction may be in the mempool; "
    "re-send the same bytes (never a new transaction with the same nonce) or look up its hash",
)
RETRY_LATER_CODES = frozenset(
    str(code) for code in (ERR_MEMPOOL_FULL, ERR_OUTCOME_UNKNOWN, ERR_RPC_FAILED, ERR_UNAVAILABLE)
)

BlockListener = Callable[[BlockRecord, list[Receipt]], None]
Admission = tuple[CheckTxResult, Future[Receipt] | None]


class TxEngine(Protocol):
    """Mempool admission, commit notification and pending-state reads of a consensus engine."""

    def submit(self, raw: bytes) -> Admission: ...

    def submit_batch(self, raws: list[bytes]) -> list[Admission]: ...

    def subscribe(self, listener: BlockListener) -> Callable[[], None]: ...

    def get_pending_nonce(self, address: bytes) -> int: ...

    def is_pending(self, tx_hash: bytes) -> bool: ...

    @property
    def mempool_size(self) -> int: ...


class Engine(TxEngine, Protocol):
    """A `TxEngine` with a lifecycle; only the node starts and stops it."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class RejectedOnRecheck(Exception):
    """A queued transaction stopped passing check_tx after a block (e.g. its funds were spent)."""

    def __init__(self, result: CheckTxResult) -> None:
        super().__init__(f"{result.code}: {result.log}")
        self.result = result


class BlockListeners:
    """The block listeners of one engine: `subscribe` from any thread, `notify` after a commit."""

    def __init__(self) -> None:
        self._listeners: list[BlockListener] = []

    def subscribe(self, listener: BlockListener) -> Callable[[], None]:
        """Call `listener(block, receipts)` after every commit; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def notify(self, record: BlockRecord, receipts: list[Receipt]) -> None:
        for listener in list(self._listeners):
            try:
                listener(record, receipts)
            except Exception:  # a listener must never stop the chain
                log.exception("block listener failed height=%d", record.header.height)


def is_retry_later(code: str) -> bool:
    """Whether a refusal is the node's condition (retry the same bytes), not the transaction's."""
    return code in RETRY_LATER_CODES
