"""The only place that builds `validators/` store keys."""

PREFIX = b"validators/"
SET_PREFIX = b"validators/set/"
BOOTSTRAP_HEIGHT_KEY = b"validators/bootstrap_height"  # absent: 0 (governance only from genesis)
PUB_KEY_LENGTH = 32  # Ed25519


def validator_key(pub_key: bytes) -> bytes:
    return SET_PREFIX + pub_key


def split_validator_key(key: bytes) -> bytes:
    """The public key of a validator key."""
    return key[len(SET_PREFIX) :]
