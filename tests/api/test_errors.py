"""Error conventions: every error body is {code, message, details} with the documented status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from finchain.api import NodeServices, create_api
from finchain.app import Application
from finchain.engine.solo import SoloEngine
from finchain.node.wiring import MODULES
from finchain.store import Database
from tests.api.support import snapshot, transfer
from tests.helpers import Chain

MIB = 1024 * 1024


def _assert_error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code and body["message"]
    return dict(body)


def test_invalid_json_is_400(client: TestClient, api_chain: Chain) -> None:
    before = snapshot(client, api_chain)
    response = client.post(
        "/v1/txs", content=b'{"tx": "00"', headers={"content-type": "application/json"}
    )
    _assert_error(response, 400, "api/invalid_json")
    assert snapshot(client, api_chain) == before


def test_json_without_content_type_is_still_parsed(client: TestClient) -> None:
    response = client.post("/v1/txs", content=b'{"tx": "c1"}')
    _assert_error(response, 400, "codec/malformed")


def test_non_hex_tx_is_422(client: TestClient, api_chain: Chain) -> None:
    before = snapshot(client, api_chain)
    for bad in ("xyz", "abc", "", 12, None):
        body = _assert_error(client.post("/v1/txs", json={"tx": bad}), 422, "api/invalid_request")
        assert body["details"]["errors"][0]["loc"] == ["body", "tx"]  # type: ignore[index]
    assert snapshot(client, api_chain) == before


def test_unknown_mode_missing_tx_and_extra_fields_are_422(client: TestClient) -> None:
    for body in ({"tx": "00", "mode": "sync"}, {"mode": "commit"}, {"tx": "00", "extra": 1}, []):
        _assert_error(client.post("/v1/txs", json=body), 422, "api/invalid_request")


def test_oversized_body_is_413_by_content_length(client: TestClient, api_chain: Chain) -> None:
    before = snapshot(client, api_chain)
    big = b'{"tx": "' + b"00" * MIB + b'"}'
    response = client.post("/v1/txs", content=big, headers={"content-type": "application/json"})
    body = _assert_error(response, 413, "api/body_too_large")
    assert body["details"] == {"limit": MIB, "received_at_least": len(big)}
    assert snapshot(client, api_chain) == before


def test_oversized_streamed_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"tx": "'
        for _ in range(40):
            yield b"00" * 32 * 1024
        yield b'"}'

    response = client.post(
        "/v1/txs", content=chunks(), headers={"content-type": "application/json"}
    )
    _assert_error(response, 413, "api/body_too_large")


def test_batch_route_has_the_larger_body_limit(client: TestClient) -> None:
    txs = ["00" * 1000] * 1500  # ~3 MB: over the default limit, under the batch limit
    response = client.post("/v1/txs/batch", json={"txs": txs})
    assert response.status_code == 200
    assert response.json()["results"][0]["error"]["code"] == "codec/malformed"


def test_unknown_tx_hash_is_404(client: TestClient) -> None:
    _assert_error(client.get("/v1/txs/" + "ab" * 32), 404, "api/not_found")


def test_non_hex_tx_hash_is_422(client: TestClient) -> None:
    _assert_error(client.get("/v1/txs/not-a-hash"), 422, "api/invalid_request")


def test_unknown_path_is_404_and_wrong_method_405(client: TestClient) -> None:
    _assert_error(client.get("/v1/nothing-here"), 404, "api/not_found")
    _assert_error(client.delete("/v1/txs"), 405, "api/method_not_allowed")


def test_unhandled_error_is_500_without_a_trace(api_chain: Chain) -> None:
    class BrokenEngine:
        def __getattr__(self, name: str) -> object:
            return getattr(api_chain.engine, name)

        @property
        def mempool_size(self) -> int:
            raise RuntimeError("secret internal detail /etc/passwd")

    services = NodeServices(api_chain.app, BrokenEngine(), api_chain.db)  # type: ignore[arg-type]
    with TestClient(create_api(services), raise_server_exceptions=False) as client:
        response = client.get("/v1/status")

    body = _assert_error(response, 500, "api/internal")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert body["details"] == {}


def test_errors_endpoint_lists_every_stable_code(client: TestClient) -> None:
    codes = {e["code"]: e for e in client.get("/v1/errors").json()}

    for expected in (
        "api/not_found",
        "api/invalid_json",
        "api/invalid_request",
        "api/body_too_large",
        "api/timeout",
        "api/not_ready",
        "api/internal",
        "tx/bad_signature",
        "codec/malformed",
        "bank/insufficient_funds",
        "query/bad_request",
    ):
        assert expected in codes and codes[expected]["description"]
    assert codes["bank/insufficient_funds"]["codespace"] == "bank"


def test_rejection_details_carry_the_tx_hash(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 10**12)
    body = _assert_error(
        client.post("/v1/txs", json={"tx": raw.hex()}), 400, "bank/insufficient_funds"
    )
    assert body["details"]["hash"] == api_chain.suite.hash(raw).hex()  # type: ignore[index]


def test_node_without_genesis_is_503_not_ready(tmp_path: Path) -> None:
    db = Database(tmp_path / "empty")
    app = Application(db, MODULES)
    engine = SoloEngine(app)
    try:
        with TestClient(create_api(NodeServices(app, engine, db))) as client:
            _assert_error(client.get("/v1/status"), 503, "api/not_ready")
            _assert_error(client.post("/v1/txs", json={"tx": "c1"}), 503, "api/not_ready")
    finally:
        engine.stop()
        db.close()
