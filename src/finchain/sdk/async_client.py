"""The asyncio client (httpx.AsyncClient) and the WebSocket event stream of `/v1/ws`.

Same surface as `Client`, with `await`; plus `subscribe()`:

    async with AsyncClient(url) as client:
        async with client.subscribe(("blocks", "events")) as stream:
            async for message in stream:          # {"type": "block", ...} / {"type": "event", ...}
                ...

The calls are the ones of `Client`, written once in the sans-I/O core (`_chain.ChainApi` and the
modules' `*Api` classes, see `_core`); this class only runs them over httpx.AsyncClient
(`_transport.AsyncHttpDriver`). With `reader=wallet`, requests (but `GET /v1/status`) and
subscriptions are signed reads by that member account (`read_signing`), as for `Client`.

Concurrency: one AsyncClient per event loop. A Subscription (`subscription.py`) owns one
WebSocket connection; entering it (`async with`) opens the connection, so messages sent after
that are not missed.
Must never: retry a submission on its own (resubmission is idempotent; the caller decides).
"""

from __future__ import annotations

from collections.abc import Sequence

from finchain.sdk._chain import ChainApi
from finchain.sdk._core import AsyncRunner, Call, api_call
from finchain.sdk._groups import AsyncBankCalls, AsyncMembersCalls, AsyncValidatorsCalls
from finchain.sdk._transport import AsyncHttpDriver
from finchain.sdk.read_signing import compute_read_target, now_ms, sign_read_headers
from finchain.sdk.subscription import Subscription
from finchain.sdk.wire import compute_ws_url

__all__ = [
    "DEFAULT_TOPICS",
    "AsyncBankCalls",
    "AsyncClient",
    "AsyncMembersCalls",
    "AsyncValidatorsCalls",
]

DEFAULT_TOPICS = ("blocks", "events")


class AsyncClient(AsyncRunner, ChainApi):
    """Talks to one node from asyncio code. Use `async with`, or `await aclose()`.

    `AsyncClient(url, *, timeout=60.0, headers=None, transport=None, reader=None,
    legal_basis="")`: see `ChainApi.__init__`."""

    _driver: AsyncHttpDriver
    _open_driver = AsyncHttpDriver.open

    async def aclose(self) -> None:
        await self._driver.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ---- events ---------------------------------------------------------------------------

    def subscribe(self, topics: Sequence[str] = DEFAULT_TOPICS) -> Subscription:
        """A stream of `/v1/ws` messages as dicts; `async with` it to connect before acting.
        With a reader, the handshake is signed and the node cuts messages for its organisation."""
        sign = None if self.reader is None else self.sign_handshake
        url = compute_ws_url(self.url, topics)
        return Subscription(url, open_timeout=self._timeout, sign_handshake=sign)

    @api_call
    def sign_handshake(self, target: str) -> Call[dict[str, str]]:
        """Headers signing the `/v1/ws` handshake (a GET of `target`) by the client's reader."""
        assert self.reader is not None
        chain_id = yield from self._get_reader_chain_id(self.reader)
        return sign_read_headers(
            self.reader,
            chain_id,
            "GET",
            compute_read_target(target),
            b"",
            now_ms(),
            self.legal_basis,
        )
