"""The WebSocket event stream of `/v1/ws`: one connection, an async iterator of message dicts.

A subscription of a client with a reader signs its handshake like a GET of the same URL
(`read_signing`), so the node cuts every message for that reader's organisation; without one it
is anonymous and sees public data only.

Concurrency: one Subscription per task; entering it (`async with`) opens the connection, so
messages sent after that are not missed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidStatus,
    WebSocketException,
)
from websockets.uri import parse_uri

from finchain.sdk.errors import FinchainApiError, NodeUnavailable
from finchain.sdk.wire import decode_error

DEFAULT_OPEN_TIMEOUT_S = 60.0
CLOSE_POLICY_VIOLATION = 1008  # the node refused the subscription (e.g. an unknown topic)
ERR_BAD_SUBSCRIPTION = "api/invalid_request"
# A block message carries every receipt (~400 bytes a transfer) and blocks may hold 10,000
# transactions; websockets' default 1 MiB limit would cut the stream at ~2,600.
MAX_WS_MESSAGE_BYTES = 64 * 1024 * 1024

HandshakeSigner = Callable[[str], Awaitable[dict[str, str]]]
"""Given the handshake's path and query as sent, the headers that sign it."""


class Subscription:
    """One WebSocket connection to `/v1/ws`; an async iterator of message dicts.

    Iteration ends when the node closes the connection normally; a broken connection raises
    NodeUnavailable. Iterating without `async with` connects on the first message and leaves
    closing to `aclose()`.
    """

    def __init__(
        self,
        url: str,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT_S,
        *,
        sign_handshake: HandshakeSigner | None = None,
    ) -> None:
        self.url = url
        self._open_timeout = open_timeout
        self._sign_handshake = sign_handshake
        self._connection: ClientConnection | None = None

    async def open(self) -> None:
        if self._connection is not None:
            return
        headers: dict[str, str] = {}
        if self._sign_handshake is not None:
            headers = await self._sign_handshake(parse_uri(self.url).resource_name)
        try:
            self._connection = await connect(
                self.url,
                open_timeout=self._open_timeout,
                max_size=MAX_WS_MESSAGE_BYTES,
                additional_headers=headers,
            )
        except InvalidStatus as exc:
            # The node answered the handshake with an HTTP error, e.g. 403 when its read
            # signature does not verify: the node is there, so this is not NodeUnavailable.
            raise decode_error(exc.response.status_code, bytes(exc.response.body or b"")) from exc
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise NodeUnavailable(self.url, str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def __aenter__(self) -> Subscription:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        await self.open()
        assert self._connection is not None
        try:
            message = await self._connection.recv()
        except ConnectionClosedOK:
            await self.aclose()
            raise StopAsyncIteration from None
        except ConnectionClosed as exc:
            await self.aclose()
            if exc.rcvd is not None and exc.rcvd.code == CLOSE_POLICY_VIOLATION:
                raise FinchainApiError(400, ERR_BAD_SUBSCRIPTION, exc.rcvd.reason) from None
            raise NodeUnavailable(self.url, f"event stream broke: {exc}") from exc
        except WebSocketException as exc:
            await self.aclose()
            raise NodeUnavailable(self.url, f"event stream broke: {exc}") from exc
        data = json.loads(message)
        if not isinstance(data, dict):
            raise NodeUnavailable(self.url, "event stream sent a message that is not an object")
        return data
