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

Definite and indefinite refusals (`is_definite_refusal`; the table is in docs/api.md): a refusal
is *definite* when the refused bytes can never commit, whatever any node does: the bytes alone
decide it (decoding, signature, chain id, size, message types), or the height, which only grows
(expired), or the committed state, which only moves forward (a nonce below the account's
committed nonce). Every other refusal is this node's view now: the retry-later codes above, and
the stateful ones (`tx/nonce_gap`, a nonce held by a pending transaction, funds, roles, module
rules) when another node may hold the same bytes, since that node's mempool state differs and
its copy may commit. The API answers definite refusals 4xx and indefinite ones 503.

Owns: the protocols, `BlockListeners`, `RejectedOnRecheck`, the codes above and the refusal
classification.
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
from finchain.app.ante import (
    ERR_BAD_SIGNATURE,
    ERR_EXPIRED,
    ERR_SENDER_MISMATCH,
    ERR_WRONG_CHAIN,
)
from finchain.app.ante import ERR_TOO_LARGE as ERR_TX_TOO_LARGE
from finchain.app.router import ERR_NO_HANDLER
from finchain.codec import ERR_FORBIDDEN_TYPE, ERR_MALFORMED, ERR_NON_CANONICAL
from finchain.codec import ERR_TOO_LARGE as ERR_ENCODING_TOO_LARGE
from finchain.errors import register_error
from finchain.model.block import BlockRecord
from finchain.model.message import ERR_BAD_MESSAGE, ERR_UNKNOWN_MESSAGE
from finchain.model.receipt import Receipt
from finchain.model.tx import ERR_BAD_ENVELOPE, ERR_BAD_FIELD, ERR_MEMO_TOO_LONG, ERR_NO_MESSAGES

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
# Refusals the bytes alone (or the height, which only grows) decide: they can never commit.
# Not `cometbft/tx_too_large`: CometBFT's `max_tx_bytes` is each node's own configuration.
STATELESS_REFUSAL_CODES = frozenset(
    str(code)
    for code in (
        ERR_MALFORMED,
        ERR_NON_CANONICAL,
        ERR_FORBIDDEN_TYPE,
        ERR_ENCODING_TOO_LARGE,
        ERR_BAD_ENVELOPE,
        ERR_NO_MESSAGES,
        ERR_MEMO_TOO_LONG,
        ERR_BAD_FIELD,
        ERR_UNKNOWN_MESSAGE,
        ERR_BAD_MESSAGE,
        ERR_WRONG_CHAIN,
        ERR_EXPIRED,
        ERR_BAD_SIGNATURE,
        ERR_SENDER_MISMATCH,
        ERR_TX_TOO_LARGE,
        ERR_NO_HANDLER,
    )
)
NONCE_REUSED_CODE = "tx/nonce_reused"

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


def is_definite_refusal(
    code: str, *, peers_may_hold_it: bool, nonce_below_committed: bool = False
) -> bool:
    """Whether a refusal means the refused bytes can never commit (see the module docstring).

    `peers_may_hold_it`: other nodes have mempools of their own (a CometBFT network), so the
    same bytes may be admitted elsewhere; false for the solo engine, the only mempool.
    `nonce_below_committed`: the transaction's nonce is below its sender's *committed* nonce
    (a `tx/nonce_reused` that no pending transaction can undo)."""
    if is_retry_later(code):
        return False
    if code in STATELESS_REFUSAL_CODES:
        return True
    if code == NONCE_REUSED_CODE and nonce_below_committed:
        return True
    return not peers_may_hold_it


def is_retry_later(code: str) -> bool:
    """Whether a refusal is the node's condition (retry the same bytes), not the transaction's."""
    return code in RETRY_LATER_CODES
