"""The application in the ABCI 2.0 shape: info, init_chain, check_tx, prepare_proposal,
process_proposal, finalize_block, commit, query. Both engines (solo and CometBFT) drive it.

Must never: read the clock, use randomness or threads, or write the database outside `commit`.
Concurrency: not thread-safe; the engine serialises every call.
"""

from __future__ import annotations

from finchain.app.application import (
    Application,
    CheckTxResult,
    FinalizeResult,
    InfoResult,
    QueryResult,
)
from finchain.app.genesis import GenesisDoc, load_genesis
from finchain.model.params import ChainParams

__all__ = [
    "Application",
    "ChainParams",
    "CheckTxResult",
    "FinalizeResult",
    "GenesisDoc",
    "InfoResult",
    "QueryResult",
    "load_genesis",
]
