"""The signed-read format shared by API clients and the node (`api/auth.py` verifies it).

A client signs, with a member account's key and the chain's suite, the six lines
`finchain-api/1`, chain id, HTTP method, path with `?query`, timestamp in ms, and the SHA-256
hex of the body, joined by newlines; it sends the public key, the timestamp and the signature in
the three headers below.
"""

from __future__ import annotations

import hashlib

PUBLIC_KEY_HEADER = "x-finchain-public-key"
TIMESTAMP_HEADER = "x-finchain-timestamp"
SIGNATURE_HEADER = "x-finchain-signature"
SIGNING_DOMAIN = "finchain-api/1"


def read_signing_payload(
    chain_id: str, method: str, target: str, timestamp_ms: int, body: bytes
) -> bytes:
    """The bytes a client signs for one request (`target` is the path plus `?query` if any)."""
    digest = hashlib.sha256(body).hexdigest()
    lines = (SIGNING_DOMAIN, chain_id, method.upper(), target, str(timestamp_ms), digest)
    return "\n".join(lines).encode()
