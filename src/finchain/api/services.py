"""What the API needs from the node (`NodeServices`) and how it is tuned (`ApiSettings`).

The API owns no chain objects: the node builds the application, engine and database and hands
them over here. The engine is seen only through `engine.base.TxEngine` (admission, commit
futures, block listeners): the API never imports a concrete engine and never starts or stops one.

Concurrency: `TxEngine` methods are thread-safe and may block (they take the engine lock), so the
API calls them from worker threads, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from finchain.app import Application
from finchain.engine.base import TxEngine
from finchain.store import Database

MIB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = MIB
DEFAULT_MAX_BATCH_BODY_BYTES = 8 * MIB
DEFAULT_COMMIT_TIMEOUT_S = 30.0
MAX_BATCH_TXS = 10_000
DEFAULT_WS_MAX_BACKLOG = 10_000


@dataclass(frozen=True, slots=True)
class NodeServices:
    """The running node's parts the API reads and submits through."""

    app: Application
    engine: TxEngine
    db: Database
    engine_name: str = "solo"


@dataclass(frozen=True, slots=True)
class ApiSettings:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # A full batch (10,000 hex transfers) is ~4 MB, so the batch route gets its own limit.
    max_batch_body_bytes: int = DEFAULT_MAX_BATCH_BODY_BYTES
    commit_timeout_s: float = DEFAULT_COMMIT_TIMEOUT_S
    max_batch_txs: int = MAX_BATCH_TXS
    ws_max_backlog: int = DEFAULT_WS_MAX_BACKLOG
    # Where supervisory reads are logged (G-5); None logs to the `finchain.audit` logger only.
    audit_log_path: Path | None = None
