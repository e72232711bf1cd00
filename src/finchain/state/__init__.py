"""Versioned key-value state seen by execution: read views, write overlays and the app hash.

Execution never touches the database directly: it reads through a `StateReader` and writes into an
`Overlay`. A block gets one overlay over the committed state; every transaction gets a branch
overlay over the block's; a branch is merged only if the whole transaction succeeded, so a failed
transaction leaves no write. The block's final write-set, sorted by key, is hashed into the app hash
chained to the previous one.

Must never: do I/O itself (the committed reader is supplied by the store), use the clock.
"""

from __future__ import annotations

from finchain.state.apphash import GENESIS_PREV_APP_HASH, compute_app_hash, encode_write_set
from finchain.state.overlay import Overlay, StateReader, StateWriter, run_on_branch

__all__ = [
    "GENESIS_PREV_APP_HASH",
    "Overlay",
    "StateReader",
    "StateWriter",
    "compute_app_hash",
    "encode_write_set",
    "run_on_branch",
]
