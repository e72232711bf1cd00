"""Durable storage in RocksDB (rocksdict, raw mode): committed state, blocks, receipts, indexes.

Everything a block changes (state writes with their per-height versions, the block record, raw
transactions, receipts, the tx/account indexes and the chain meta) is written in one synced batch,
so after a crash the store is at the end of some block, never in the middle of one.

Must never: be written to outside `commit_block`/`commit_genesis`.
"""

from __future__ import annotations

from finchain.store.database import ChainMeta, Database, HistoricalView, TxLocation

__all__ = ["ChainMeta", "Database", "HistoricalView", "TxLocation"]
