"""The node's REST + WebSocket API (docs/api.md is the contract).

Owns: HTTP routes, JSON renderings, API error codes (`api/*`) and their HTTP mapping, WebSocket
subscriptions. Must never: execute transactions or write state itself; everything goes through
the engine (`submit`) or committed-state reads (`Application.query`, the store).

Concurrency: the event loop never blocks on the engine or RocksDB; those calls run in worker
threads, and engine callbacks reach the loop only through `call_soon_threadsafe`.
"""

from __future__ import annotations

from finchain.api.errors import ApiError
from finchain.api.server import create_api
from finchain.api.services import ApiSettings, NodeServices

__all__ = ["ApiError", "ApiSettings", "NodeServices", "create_api"]
