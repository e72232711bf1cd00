"""The two transports of the SDK: they perform a call's effects (`_core`) and nothing else.

`SyncDriver` sends over httpx.Client and sleeps with `time.sleep`; `AsyncDriver` sends over
httpx.AsyncClient and sleeps with `asyncio.sleep`. Both turn a `Request` into the same httpx
arguments (`build_send_arguments`, with the signed-read auth) and a broken connection into the
same NodeUnavailable (`describe_transport_error`), which is thrown into the call so it can
react (a wallet resyncs its nonce).

Must never: decide anything about the API (paths, bodies, errors of the node): that is `_core`.
Concurrency: as the httpx client under it (httpx.Client is thread-safe; one AsyncClient per loop).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Self, TypeVar

import httpx

from finchain.sdk._core import Call, Effect, Outcome, Request, Sleep, Stepper
from finchain.sdk.errors import NodeUnavailable
from finchain.sdk.read_signing import ReadAuth

T = TypeVar("T")
H = TypeVar("H", httpx.Client, httpx.AsyncClient)


class _Driver(Generic[H]):
    """What both transports hold: the httpx client (of type `http_type`) and the node's URL."""

    http_type: ClassVar[Callable[..., Any]]

    def __init__(self, http: H, url: str) -> None:
        self.http: H = http
        self.url = url

    @classmethod
    def open(cls, url: str, timeout: float, headers: Any, transport: Any) -> Self:
        """A driver over a new httpx client of `url` (`transport`: httpx's, or a mock)."""
        http: H = cls.http_type(base_url=url, timeout=timeout, headers=headers, transport=transport)
        return cls(http, url)


class HttpDriver(_Driver[httpx.Client]):
    """Runs calls over one httpx.Client, blocking."""

    http_type = httpx.Client

    def run(self, call: Call[T]) -> T:
        stepper = Stepper(call)
        while (effect := stepper.next_effect()) is not None:
            stepper.resume(self._perform(effect))
        return stepper.value

    def _perform(self, effect: Effect) -> Outcome:
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return Outcome()
        try:
            return Outcome(self.http.request(**build_send_arguments(effect)))
        except httpx.TransportError as exc:
            return Outcome(error=describe_transport_error(self.url, exc))


class AsyncHttpDriver(_Driver[httpx.AsyncClient]):
    """Runs calls over one httpx.AsyncClient, in its event loop."""

    http_type = httpx.AsyncClient

    async def run(self, call: Call[T]) -> T:
        stepper = Stepper(call)
        while (effect := stepper.next_effect()) is not None:
            stepper.resume(await self._perform(effect))
        return stepper.value

    async def _perform(self, effect: Effect) -> Outcome:
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return Outcome()
        arguments = build_send_arguments(effect)
        try:
            return Outcome(await self.http.request(**arguments))
        except httpx.TransportError as exc:
            return Outcome(error=describe_transport_error(self.url, exc))


def build_send_arguments(request: Request) -> dict[str, Any]:
    """The keyword arguments of `httpx.Client.request` for `request`; a signed read signs inside
    httpx's auth flow, from the final URL and body (so the signed target is the sent one)."""
    signer = request.signer
    auth = None if signer is None else ReadAuth(signer.wallet, signer.chain_id, signer.legal_basis)
    return {
        "method": request.method,
        "url": request.path,
        "params": None if request.params is None else dict(request.params),
        "json": request.json,
        "content": request.content,
        "headers": None if request.headers is None else dict(request.headers),
        "auth": auth,
    }


def describe_transport_error(url: str, exc: httpx.TransportError) -> NodeUnavailable:
    if isinstance(exc, httpx.TimeoutException):
        error = NodeUnavailable(url, f"no answer in time ({type(exc).__name__})")
    else:
        error = NodeUnavailable(url, str(exc) or type(exc).__name__)
    error.__cause__ = exc
    return error
