"""A real node (uvicorn on 127.0.0.1) keeps a client's keep-alive connection open across every
error answer, including the 500 of an unexpected failure (issue 15: a 500 used to reset the
connection, so the client's next request on it failed)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.sdk.nodes import run_node


def test_unhandled_error_is_500_and_keeps_the_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: str) -> bytes:
        raise RuntimeError("secret internal detail /etc/passwd")

    with (
        run_node(tmp_path / "home", "intl") as running,
        httpx.Client(base_url=running.url) as client,
    ):
        assert client.get("/v1/errors").status_code == 200
        monkeypatch.setattr("finchain.api.routes_tx.decode_hex", broken)
        response = client.get("/v1/txs/00")
        monkeypatch.undo()
        assert response.status_code == 500
        assert response.json() == {
            "code": "api/internal",
            "message": "internal error",
            "details": {},
        }
        assert "secret" not in response.text and "connection" not in response.headers
        assert client.get("/v1/txs/00").status_code == 404  # same connection, still open


def test_every_error_answer_keeps_the_connection(tmp_path: Path) -> None:
    with (
        run_node(tmp_path / "home", "intl") as running,
        httpx.Client(base_url=running.url) as client,
    ):
        answers = [
            client.get("/v1/blocks/18446744073709551616").status_code,
            client.get("/v1/blocks/18446744073709551615").status_code,
            client.get("/v1/accounts/nope").status_code,
            client.get("/v1/clearing/cycles").status_code,
            client.post("/v1/txs", content=b"{").status_code,
            client.post(
                "/v1/txs", content=b"[" * 5000, headers={"content-type": "application/json"}
            ).status_code,
            client.delete("/v1/txs").status_code,
        ]
        assert answers == [422, 404, 400, 401, 400, 400, 405]
        assert client.get("/v1/errors").status_code == 200
