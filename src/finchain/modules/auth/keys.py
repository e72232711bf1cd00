"""The only place that builds `auth/` store keys."""

PREFIX = b"auth/"
NONCE_PREFIX = b"auth/nonce/"


def nonce_key(address: bytes) -> bytes:
    return NONCE_PREFIX + address
