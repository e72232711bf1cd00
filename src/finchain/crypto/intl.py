"""The `intl` suite: secp256k1 ECDSA (recoverable, low-S) via coincurve, SHA-256.

Public keys are 33-byte compressed points; signatures are 65 bytes (r || s || recovery id) over
SHA-256(message), with s in the lower half of the group order (libsecp256k1 signs that way;
verification refuses the high-S twin so signatures are not malleable). Verification recovers the
key from the signature and compares it with the given public key, so a signature is valid for
exactly one key. Address = SHA-256(public key)[:20].
"""

from __future__ import annotations

import hashlib

import coincurve

from finchain.crypto.suite import ADDRESS_LENGTH, Address

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_ORDER = SECP256K1_ORDER // 2


class IntlPrivateKey:
    __slots__ = ("_key", "_public_key")

    def __init__(self, key: coincurve.PrivateKey) -> None:
        self._key = key
        self._public_key: bytes = key.public_key.format(compressed=True)

    @property
    def secret(self) -> bytes:
        return bytes(self._key.secret)

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        digest = hashlib.sha256(message).digest()
        return bytes(self._key.sign_recoverable(digest, hasher=None))


class IntlSuite:
    name = "intl"
    public_key_length = 33
    signature_length = 65

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def generate_private_key(self) -> IntlPrivateKey:
        return IntlPrivateKey(coincurve.PrivateKey())

    def load_private_key(self, secret: bytes) -> IntlPrivateKey:
        if len(secret) != 32:
            raise ValueError("a secp256k1 secret is 32 bytes")
        return IntlPrivateKey(coincurve.PrivateKey(secret))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        if len(signature) != self.signature_length or len(public_key) != self.public_key_length:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        # Low-S only: (r, n - s) would be a second valid signature of the same message.
        if not (1 <= r < SECP256K1_ORDER and 1 <= s <= SECP256K1_HALF_ORDER):
            return False
        digest = hashlib.sha256(message).digest()
        try:
            recovered = coincurve.PublicKey.from_signature_and_message(
                signature, digest, hasher=None
            )
        except (ValueError, TypeError):
            return False
        return bool(recovered.format(compressed=True) == public_key)

    def address(self, public_key: bytes) -> Address:
        return Address(hashlib.sha256(public_key).digest()[:ADDRESS_LENGTH])


INTL = IntlSuite()
