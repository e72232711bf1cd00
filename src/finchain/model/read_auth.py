"""The signed-read format shared by API clients and the node (`api/auth.py` verifies it).

A client signs, with a member account's key and the chain's suite, the seven lines
`finchain-api/1`, chain id, HTTP method, the request target (path with `?query`, as sent),
timestamp in ms, the SHA-256 hex of the body, and the legal basis of the read (empty if none),
joined by newlines; it sends the public key, the timestamp and the signature in the three
headers below, and the legal basis, if any, in `x-finchain-legal-basis` (a regulator must give
one for every read of another party's data).
"""

from __future__ import annotations

import hashlib

PUBLIC_KEY_HEADER = "x-finchain-public-key"
TIMESTAMP_HEADER = "x-finchain-timestamp"
SIGNATURE_HEADER = "x-finchain-signature"
LEGAL_BASIS_HEADER = "x-finchain-legal-basis"
SIGNING_DOMAIN = "finchain-api/1"


def read_signing_payload(
    chain_id: str,
    method: str,
    target: str,
    timestamp_ms: int,
    body: bytes,
    legal_basis: str = "",
) -> bytes:
    """The bytes a client signs for one request (`target` is the path plus `?query` if any)."""
    digest = hashlib.sha256(body).hexdigest()
    lines = (
        SIGNING_DOMAIN,
        chain_id,
        method.upper(),
        target,
        str(timestamp_ms),
        digest,
        legal_basis,
    )
    return "\n".join(lines).encode()
