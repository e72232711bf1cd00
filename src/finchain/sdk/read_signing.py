"""Signed reads: the three `X-Finchain-*` headers that authenticate a request as a member's.

The format is `finchain.model.read_auth` (the node verifies it in `api/auth.py`). The signed
`target` is the request target exactly as sent on the wire: the raw, still percent-encoded path
plus `?` and the query string if there is one. `ReadAuth` signs inside httpx's auth flow, from
the request's final URL and body, so query parameters, encoding and the base URL can never make
the signed target differ from the sent one.

Must never: sign `GET /v1/status` (the chain id comes from it, and it is public) or log a key.
Concurrency: stateless apart from the wallet, whose signing is thread-safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from urllib.parse import quote

import httpx

from finchain.model.read_auth import (
    LEGAL_BASIS_HEADER,
    PUBLIC_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    read_signing_payload,
)
from finchain.sdk.wallet import Wallet

STATUS_PATH = "/v1/status"
Clock = Callable[[], int]


def now_ms() -> int:
    """The client's wall clock in milliseconds (the node allows a few minutes of skew)."""
    return time.time_ns() // 1_000_000


def is_signed_request(method: str, path: str) -> bool:
    """Every request is signed except `GET /v1/status`."""
    return not (method.upper() == "GET" and path == STATUS_PATH)


def compute_read_target(raw_path: bytes | str) -> str:
    """The target the node verifies: the path-and-query bytes on the wire (an empty query and
    its `?` dropped, as the node sees no query then)."""
    text = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else raw_path
    path, separator, query = text.partition("?")
    return path + (f"?{query}" if separator and query else "")


def sign_read_headers(
    reader: Wallet,
    chain_id: str,
    method: str,
    target: str,
    body: bytes,
    timestamp_ms: int,
    legal_basis: str = "",
) -> dict[str, str]:
    """The headers that make `method target` with `body` a read by `reader`, citing
    `legal_basis` if given (sent percent-encoded, signed as text)."""
    payload = read_signing_payload(chain_id, method, target, timestamp_ms, body, legal_basis)
    headers = {
        PUBLIC_KEY_HEADER: reader.public_key.hex(),
        TIMESTAMP_HEADER: str(timestamp_ms),
        SIGNATURE_HEADER: reader.sign_bytes(payload).hex(),
    }
    if legal_basis:
        headers[LEGAL_BASIS_HEADER] = quote(legal_basis, safe="")
    return headers


class ReadAuth(httpx.Auth):
    """httpx auth that signs each request (but `GET /v1/status`) as a read by `reader`."""

    requires_request_body = True

    def __init__(
        self, reader: Wallet, chain_id: str, legal_basis: str = "", clock: Clock = now_ms
    ) -> None:
        self.reader = reader
        self.chain_id = chain_id
        self.legal_basis = legal_basis
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if is_signed_request(request.method, request.url.path):
            target = compute_read_target(request.url.raw_path)
            headers = sign_read_headers(
                self.reader,
                self.chain_id,
                request.method,
                target,
                request.content,
                self._clock(),
                self.legal_basis,
            )
            request.headers.update(headers)
        yield request
