"""How far a CometBFT member node is behind its network (`GET /v1/status`: `catching_up`,
`lag_blocks`).

CometBFT's RPC (v0.38) gives:
  - `status`: `sync_info.catching_up` (block sync in progress) and `latest_block_height` (the
    height of this node's CometBFT block store);
  - `net_info`: the peers, but no heights;
  - `dump_consensus_state`: every peer's consensus round state, whose `height` is the height
    that peer is deciding (its last committed height + 1). The consensus reactor keeps these
    up to date even while the node block-syncs, so they are the network's heights as seen here.
The network height is the highest of this node's CometBFT height and every peer's committed
height; `lag_blocks` is that minus the application's committed height (0 or 1 while a block is
being committed, more while the node catches up). If `status` does not answer, the node cannot
tell that it is in sync: `catching_up` true, `lag_blocks` null; if only `dump_consensus_state`
fails, `lag_blocks` is null.

`compute_sync_status` is pure over the two RPC results; `CometSyncReporter` makes the calls;
`MemberEngine` is the CometBFT engine plus that report (the status route's `SyncReporter`).
Concurrency: `get_sync_status` is called from API worker threads; the httpx client is
thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from finchain.api.routes_query import SyncStatus
from finchain.app import Application
from finchain.engine.cometbft import CometConfig, CometEngine

__all__ = ["CometSyncReporter", "MemberEngine", "compute_sync_status"]

log = logging.getLogger(__name__)

RPC_TIMEOUT_S = 2.0
UNKNOWN = SyncStatus(catching_up=True, lag_blocks=None)


def compute_sync_status(
    app_height: int, status: Mapping[str, Any] | None, consensus: Mapping[str, Any] | None
) -> SyncStatus:
    """The report from CometBFT's `status` and `dump_consensus_state` results (None: no answer)."""
    if status is None:
        return UNKNOWN
    sync_info = status["sync_info"]
    catching_up = bool(sync_info["catching_up"])
    if consensus is None:
        return SyncStatus(catching_up, None)
    network_height = int(sync_info["latest_block_height"])
    for peer in consensus.get("peers") or []:
        round_state = (peer.get("peer_state") or {}).get("round_state") or {}
        deciding = int(round_state.get("height") or 0)
        network_height = max(network_height, deciding - 1)
    return SyncStatus(catching_up, max(0, network_height - app_height))


class CometSyncReporter:
    """Reads CometBFT's RPC for `compute_sync_status`."""

    def __init__(self, rpc_url: str, timeout_s: float = RPC_TIMEOUT_S) -> None:
        self.rpc_url = rpc_url
        self._http = httpx.Client(base_url=rpc_url, timeout=timeout_s)

    def get_sync_status(self, app_height: int) -> SyncStatus:
        status = self._call("status")
        consensus = self._call("dump_consensus_state") if status is not None else None
        try:
            return compute_sync_status(app_height, status, consensus)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # not CometBFT's shape
            log.warning("cometbft rpc answer not understood rpc=%s error=%r", self.rpc_url, exc)
            return UNKNOWN

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str) -> Mapping[str, Any] | None:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {}}
        try:
            reply = self._http.post("", json=body).json()
        except (httpx.HTTPError, ValueError) as exc:
            log.debug("cometbft rpc unavailable method=%s error=%s", method, exc)
            return None
        result = reply.get("result") if isinstance(reply, dict) else None
        return result if isinstance(result, dict) else None


class MemberEngine(CometEngine):
    """The CometBFT engine of a member node, which also reports its sync status."""

    def __init__(self, app: Application, config: CometConfig | None = None) -> None:
        super().__init__(app, config)
        self.sync_reporter = CometSyncReporter(self.config.rpc_url)

    def get_sync_status(self, app_height: int) -> SyncStatus:
        return self.sync_reporter.get_sync_status(app_height)

    def stop(self) -> None:
        super().stop()
        self.sync_reporter.close()
