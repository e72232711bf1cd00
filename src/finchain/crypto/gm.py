"""The `gm` suite (Chinese national cryptography): SM2 signatures with SM3, per GB/T 32918.

Signing follows GB/T 32918.2 with the default user ID `1234567812345678` (Z_A is mixed into the
digest by the Tongsuo library). Public keys are 33-byte compressed SM2 points; signatures are the
fixed 64-byte form r || s (each big-endian, 32 bytes), converted to DER only at the library edge.
Hash = SM3. Address = SM3(public key)[:20]. SM4 for payload encryption lives in `keystore`.

Binding: tongsuopy (the Tongsuo project's Python SDK, native code). Cross-checked in the tests
against gmalg, an independent pure-Python implementation, and against the GB/T 32918 example.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

from finchain.crypto.suite import ADDRESS_LENGTH, Address

DEFAULT_USER_ID = b"1234567812345678"
SM2_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def sm3(data: bytes) -> bytes:
    """SM3 digest (GB/T 32905)."""
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # an OpenSSL without SM3: use Tongsuo's
        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return bytes(digest.finalize())


class GmPrivateKey:
    __slots__ = ("_key", "_public_key")

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self._public_key: bytes = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )

    @property
    def secret(self) -> bytes:
        value: int = self._key.private_numbers().private_value
        return value.to_bytes(32, "big")

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        der = self._key.sign(message, ec.ECDSA(hashes.SM3()))
        r, s = decode_dss_signature(der)
        return int(r).to_bytes(32, "big") + int(s).to_bytes(32, "big")


class GmSuite:
    name = "gm"
    public_key_length = 33
    signature_length = 64

    def hash(self, data: bytes) -> bytes:
        return sm3(data)

    def generate_private_key(self) -> GmPrivateKey:
        return GmPrivateKey(ec.generate_private_key(ec.SM2()))

    def load_private_key(self, secret: bytes) -> GmPrivateKey:
        if len(secret) != 32:
            raise ValueError("an SM2 secret is 32 bytes")
        value = int.from_bytes(secret, "big")
        if not 1 <= value < SM2_ORDER - 1:
            raise ValueError("SM2 secret out of range")
        return GmPrivateKey(ec.derive_private_key(value, ec.SM2()))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        if len(signature) != self.signature_length or len(public_key) != self.public_key_length:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (1 <= r < SM2_ORDER and 1 <= s < SM2_ORDER):
            return False
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), public_key)
            key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SM3()))
        except (InvalidSignature, ValueError):
            return False
        return True

    def address(self, public_key: bytes) -> Address:
        return Address(sm3(public_key)[:ADDRESS_LENGTH])


GM = GmSuite()
