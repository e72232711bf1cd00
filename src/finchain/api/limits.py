"""Request body size limits, as a pure ASGI middleware (413 `api/body_too_large`).

The limit is enforced twice: a declared `Content-Length` over the limit is refused before any of
the body is read, and the bytes actually received are counted, so a chunked or lying client is
cut off as soon as it passes the limit. When that happens mid-body the middleware answers 413
itself and tells the application the client went away; anything the application still tries to
send afterwards is dropped.

Concurrency: per-request state only; safe on any number of concurrent connections.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finchain.api.errors import ERR_BODY_TOO_LARGE, render_error


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, default_limit: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.default_limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_too_large(send, limit, declared)
            return
        received = 0
        response_started = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] != "http.request" or answered:
                return message
            received += len(message.get("body", b""))
            if received <= limit:
                return message
            if not response_started:
                answered = True
                await _send_too_large(send, limit, received)
            return {"type": "http.disconnect"}

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if answered:
                return  # the 413 already went out
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Send, limit: int, size: int) -> None:
    body = json.dumps(
        render_error(
            ERR_BODY_TOO_LARGE,
            f"request body is over the limit of {limit} bytes",
            {"limit": limit, "received_at_least": size},
        )
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
