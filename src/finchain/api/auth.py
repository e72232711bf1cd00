"""Authentication of API clients: a read request signed with a member account's key.

A client that wants to read private data (clearing payments, balances, ...) signs each request
with the key of an account that a member organisation registered on chain:

    X-Finchain-Public-Key: hex public key of the account (its address derives from it)
    X-Finchain-Timestamp:  the client's clock, milliseconds since the Unix epoch
    X-Finchain-Signature:  hex signature, by the chain's crypto suite, over the six lines
        finchain-api/1, chain id, METHOD, path?query, timestamp_ms, sha256(body) hex
    joined by newlines (`finchain.model.read_auth`, shared with the SDK).

An optional `X-Finchain-Legal-Basis` (percent-encoded UTF-8, covered by the signature) states
why a supervisory reader reads; the audit log records it, and a regulator must give one to read
another party's data (`readers.py`).

The node checks the timestamp against its own clock (within `MAX_CLOCK_SKEW_MS`), the
signature, and that the address belongs to a member organisation at the latest committed
height; the reader then has that organisation's roles (`ReadScope`). A request without the
headers is anonymous: it sees public data only and private items redacted. A bad header set is
401 `api/unauthenticated`, never a silent downgrade to anonymous.

The signature binds the exact request, so a captured header set can only replay the same read
within the skew window; the API never changes state through these headers (transactions carry
their own signatures).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import unquote

from finchain.api.errors import ApiError
from finchain.app import Application
from finchain.crypto import format_address
from finchain.errors import register_error
from finchain.model.read_auth import (
    LEGAL_BASIS_HEADER,
    PUBLIC_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    read_signing_payload,
)
from finchain.modules.scope import REGULATOR_ROLE, ReadScope

ERR_UNAUTHENTICATED = register_error(
    "api", 9, "unauthenticated", "the request's signature headers are missing or do not verify"
)
MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
MAX_LEGAL_BASIS = 256


@dataclass(frozen=True, slots=True)
class Viewer:
    """The reader of one request: anonymous (`address` None) or a member account's holder."""

    address: str | None
    scope: ReadScope
    legal_basis: str = ""  # what the reader cites for a supervisory read (signed)

    @property
    def is_anonymous(self) -> bool:
        return self.address is None


ANONYMOUS = Viewer(None, ReadScope(None))


def authenticate(
    app: Application,
    headers: dict[str, str],
    method: str,
    target: str,
    body: bytes,
    now_ms: int | None = None,
) -> Viewer:
    """The request's viewer, or `ApiError` 401 when its signature headers are incomplete or bad.

    `headers` has lowercase names."""
    values = [headers.get(h) for h in (PUBLIC_KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)]
    if not any(values):
        return ANONYMOUS
    public_hex, timestamp_text, signature_hex = values
    if not (public_hex and timestamp_text and signature_hex):
        raise _refuse("send all three X-Finchain-Public-Key/-Timestamp/-Signature headers")
    try:
        public_key = bytes.fromhex(public_hex)
        signature = bytes.fromhex(signature_hex)
        timestamp_ms = int(timestamp_text)
    except ValueError:
        raise _refuse("public key and signature must be hex, the timestamp an integer") from None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now_ms - timestamp_ms) > MAX_CLOCK_SKEW_MS:
        raise _refuse(
            f"timestamp is more than {MAX_CLOCK_SKEW_MS // 1000} s from the node's clock",
            node_time_ms=now_ms,
        )
    suite = app.suite
    if len(public_key) != suite.public_key_length:
        raise _refuse(f"a {suite.name} public key has {suite.public_key_length} bytes")
    legal_basis = unquote(headers.get(LEGAL_BASIS_HEADER, ""))
    if len(legal_basis) > MAX_LEGAL_BASIS:
        raise _refuse(f"the legal basis is at most {MAX_LEGAL_BASIS} characters")
    chain_id = app.genesis.chain_id
    payload = read_signing_payload(chain_id, method, target, timestamp_ms, body, legal_basis)
    if not suite.verify(public_key, payload, signature):
        raise _refuse("the signature does not verify for this request")
    address = format_address(suite.address(public_key))
    org = app.query("org_of", {"address": address}).value["org"]
    roles: frozenset[str] = frozenset()
    supervised: frozenset[str] | None = None
    if org is not None:
        roles = frozenset(app.query("member", {"id": org}).value["roles"])
        if REGULATOR_ROLE in roles:  # its jurisdiction (REG-5); None: every organisation
            scope = app.query("supervision/scope", {"org": org}).value["supervised"]
            supervised = None if scope is None else frozenset(scope)
    return Viewer(address, ReadScope(org, roles, supervised), legal_basis)


def _refuse(message: str, **details: object) -> ApiError:
    return ApiError(401, ERR_UNAUTHENTICATED, message, **details)
