"""`GET /v1/status` `catching_up` and `lag_blocks`: always in sync on solo; under CometBFT from
its RPC (`status` and the peers' heights of `dump_consensus_state`), null when unknown."""

from __future__ import annotations

import socket
from typing import Any

from fastapi.testclient import TestClient

from finchain.api import NodeServices, create_api
from finchain.api.routes_query import SyncStatus
from finchain.engine.solo import SoloEngine
from finchain.node.sync_status import UNKNOWN, CometSyncReporter, compute_sync_status
from tests.helpers import Chain


def _status(height: int, catching_up: bool = False) -> dict[str, Any]:
    return {"sync_info": {"latest_block_height": str(height), "catching_up": catching_up}}


def _consensus(*deciding: int) -> dict[str, Any]:
    peers: list[dict[str, Any]] = [
        {"node_address": f"peer{i}", "peer_state": {"round_state": {"height": str(h)}}}
        for i, h in enumerate(deciding)
    ]
    peers.append({"node_address": "", "peer_state": None})  # a peer without a state yet
    return {"round_state": {}, "peers": peers}


def test_solo_status_is_always_in_sync(client: TestClient) -> None:
    status = client.get("/v1/status").json()

    assert status["catching_up"] is False and status["lag_blocks"] == 0


def test_status_reports_what_the_engine_reports(api_chain: Chain) -> None:
    class FollowingEngine(SoloEngine):
        def get_sync_status(self, app_height: int) -> SyncStatus:
            return SyncStatus(catching_up=True, lag_blocks=40 - app_height)

    engine = FollowingEngine(api_chain.app)
    services = NodeServices(api_chain.app, engine, api_chain.db, engine_name="cometbft")
    with TestClient(create_api(services)) as client:
        status = client.get("/v1/status").json()
        schema = client.get("/openapi.json").json()["components"]["schemas"]["StatusResponse"]

    assert status["catching_up"] is True and status["lag_blocks"] == 40
    assert {"catching_up", "lag_blocks"} <= set(schema["required"])
    assert schema["properties"]["catching_up"]["type"] == "boolean"


def test_lag_is_the_highest_height_seen_minus_the_apps() -> None:
    # this node's CometBFT stored 10; peers decide 13 and 9 (so committed 12 and 8)
    report = compute_sync_status(9, _status(10, catching_up=True), _consensus(13, 9))

    assert report == SyncStatus(catching_up=True, lag_blocks=3)


def test_no_peers_lag_is_behind_the_own_cometbft() -> None:
    assert compute_sync_status(7, _status(7), {"peers": []}) == SyncStatus(False, 0)
    assert compute_sync_status(6, _status(7), {"peers": []}) == SyncStatus(False, 1)
    assert compute_sync_status(8, _status(7), _consensus(8)) == SyncStatus(False, 0)  # never < 0


def test_unknown_network_height_is_null() -> None:
    assert compute_sync_status(5, None, None) == UNKNOWN == SyncStatus(True, None)
    assert compute_sync_status(5, _status(5), None) == SyncStatus(False, None)


def test_an_unreachable_cometbft_is_unknown() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])  # nothing listens once closed
    reporter = CometSyncReporter(f"http://127.0.0.1:{port}", timeout_s=1.0)
    try:
        assert reporter.get_sync_status(3) == UNKNOWN
    finally:
        reporter.close()
