"""The app hash: a commitment to the previous app hash and the block's sorted write-set.

    app_hash(h) = H(encode(["finchain/app/v1", app_hash(h-1), H(write_set(h))]))
    write_set(h) = encode([[key, value] or [key] for a deletion, sorted by key])

so every node that agrees on the app hash agrees on every write ever made.
"""

from __future__ import annotations

from collections.abc import Mapping

from finchain.codec import Value, encode
from finchain.crypto import CryptoSuite

APP_HASH_DOMAIN = "finchain/app/v1"
GENESIS_PREV_APP_HASH = b""


def encode_write_set(writes: Mapping[bytes, bytes | None]) -> bytes:
    entries: list[Value] = []
    for key in sorted(writes):
        value = writes[key]
        entries.append([key] if value is None else [key, value])
    return encode(entries)


def compute_app_hash(
    suite: CryptoSuite, prev_app_hash: bytes, writes: Mapping[bytes, bytes | None]
) -> bytes:
    write_set_hash = suite.hash(encode_write_set(writes))
    return suite.hash(encode([APP_HASH_DOMAIN, prev_app_hash, write_set_hash]))
