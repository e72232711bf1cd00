"""The body-size middleware on raw ASGI messages: declared lengths, lying and chunked clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from finchain.api.limits import BodyLimitMiddleware


def _run(
    chunks: list[bytes], content_length: int | None, limit: int = 10, path: str = "/x"
) -> tuple[list[Message], bytes]:
    received_by_app = bytearray()
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            received_by_app.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    scope: dict[str, Any] = {"type": "http", "path": path, "headers": headers}
    middleware = BodyLimitMiddleware(app, default_limit=limit, path_limits={"/big": 100})
    asyncio.run(middleware(scope, receive, send))
    return sent, bytes(received_by_app)


def _status_and_body(sent: list[Message]) -> tuple[int, Any]:
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, body


def test_within_limit_passes_through() -> None:
    sent, received = _run([b"12345", b"67890"], 10)
    assert _status_and_body(sent) == (200, b"ok") and received == b"1234567890"


def test_declared_length_over_limit_is_refused_unread() -> None:
    sent, received = _run([b"x" * 11], 11)
    status, body = _status_and_body(sent)
    assert status == 413 and received == b""
    assert json.loads(body)["code"] == "api/body_too_large"


def test_lying_content_length_is_cut_off() -> None:
    sent, _ = _run([b"x" * 8, b"x" * 8], 5)
    status, body = _status_and_body(sent)
    assert status == 413 and json.loads(body)["details"]["limit"] == 10
    assert len([m for m in sent if m["type"] == "http.response.start"]) == 1


def test_chunked_body_without_length_is_counted() -> None:
    sent, _ = _run([b"x" * 6, b"x" * 6], None)
    assert _status_and_body(sent)[0] == 413


def test_per_path_limit() -> None:
    sent, received = _run([b"x" * 50], 50, path="/big")
    assert _status_and_body(sent) == (200, b"ok") and len(received) == 50
