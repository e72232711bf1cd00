"""Transactions: the signed envelope, sign-bytes, hashing and strict decoding.

Wire form (canonical codec):
    [1, [chain_id, sender, nonce, fee, [msg, ...], memo, valid_until_height], public_key, signature]
Sign-bytes: encode(["finchain/tx/v1", chain_id, body]); the chain id is signed twice on purpose
(domain separation between chains even if the body layout changes). The transaction hash is the
chain suite's hash of the whole envelope. `valid_until_height` 0 means no expiry.

A decoded envelope is canonical, so its body's encoding is the slice of the envelope between
the version and the public key: `decode_signed_tx` builds the sign-bytes from that slice instead
of encoding the body again (`compute_sign_bytes` is the plain definition; the tests check both
agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finchain.codec import Value, decode, encode
from finchain.crypto import ADDRESS_LENGTH, Address, CryptoSuite, PrivateKey
from finchain.errors import InvalidTransaction, register_error
from finchain.model.message import decode_msg, encode_msg

SIGN_DOMAIN = "finchain/tx/v1"
ENVELOPE_VERSION = 1
_ENVELOPE_HEAD = b"\x94" + encode(ENVELOPE_VERSION)  # a 4-item list, then the version
_SIGN_HEAD = b"\x93" + encode(SIGN_DOMAIN)  # a 3-item list, then the domain
MAX_MSGS_PER_TX = 64
MAX_MEMO_BYTES = 256

ERR_BAD_ENVELOPE = register_error("tx", 1, "bad_envelope", "the transaction envelope is malformed")
ERR_NO_MESSAGES = register_error("tx", 2, "no_messages", "a transaction needs 1..64 messages")
ERR_MEMO_TOO_LONG = register_error("tx", 3, "memo_too_long", "memo is longer than 256 bytes")
ERR_BAD_FIELD = register_error("tx", 4, "bad_field", "a transaction field is out of range")


@dataclass(frozen=True, slots=True)
class Transaction:
    chain_id: str
    sender: Address
    nonce: int
    fee: int
    msgs: tuple[Any, ...]
    memo: str = ""
    valid_until_height: int = 0

    def encode_body(self) -> list[Value]:
        return [
            self.chain_id,
            bytes(self.sender),
            self.nonce,
            self.fee,
            [encode_msg(m) for m in self.msgs],
            self.memo,
            self.valid_until_height,
        ]

    def validate_basic(self) -> None:
        """Stateless checks of the body and every message."""
        if not 1 <= len(self.msgs) <= MAX_MSGS_PER_TX:
            raise InvalidTransaction(ERR_NO_MESSAGES, f"{len(self.msgs)} messages; allowed 1..64")
        if len(self.memo.encode()) > MAX_MEMO_BYTES:
            raise InvalidTransaction(ERR_MEMO_TOO_LONG, "memo exceeds 256 bytes")
        if len(self.sender) != ADDRESS_LENGTH:
            raise InvalidTransaction(ERR_BAD_FIELD, "sender must be a 20-byte address")
        if self.nonce < 0 or self.fee < 0 or self.valid_until_height < 0:
            raise InvalidTransaction(ERR_BAD_FIELD, "nonce, fee and expiry must be non-negative")
        for msg in self.msgs:
            msg.validate_basic()


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    tx: Transaction
    public_key: bytes
    signature: bytes
    raw: bytes
    hash: bytes
    sign_bytes: bytes  # what the signature covers: `compute_sign_bytes(tx)`


def compute_sign_bytes(tx: Transaction) -> bytes:
    return encode([SIGN_DOMAIN, tx.chain_id, tx.encode_body()])


def sign_transaction(tx: Transaction, key: PrivateKey, suite: CryptoSuite) -> SignedTransaction:
    """Sign `tx` and return the envelope; the caller owns choosing the right nonce."""
    sign_bytes = compute_sign_bytes(tx)
    signature = key.sign(sign_bytes)
    raw = encode([ENVELOPE_VERSION, tx.encode_body(), key.public_key, signature])
    return SignedTransaction(tx, key.public_key, signature, raw, suite.hash(raw), sign_bytes)


def decode_signed_tx(raw: bytes, suite: CryptoSuite, max_size: int) -> SignedTransaction:
    """Decode and shape-check an envelope (no signature or state checks here)."""
    value = decode(raw, max_size=max_size)
    if type(value) is not list or len(value) != 4 or value[0] != ENVELOPE_VERSION:
        raise InvalidTransaction(ERR_BAD_ENVELOPE, "expected [1, body, public_key, signature]")
    _, body, public_key, signature = value
    if type(body) is not list or len(body) != 7:
        raise InvalidTransaction(ERR_BAD_ENVELOPE, "transaction body has 7 fields")
    if type(public_key) is not bytes or type(signature) is not bytes:
        raise InvalidTransaction(ERR_BAD_ENVELOPE, "public key and signature are bytes")
    chain_id, sender, nonce, fee, msgs, memo, valid_until = body
    shapes = (
        (chain_id, str),
        (sender, bytes),
        (nonce, int),
        (fee, int),
        (msgs, list),
        (memo, str),
        (valid_until, int),
    )
    for field_value, kind in shapes:
        if type(field_value) is not kind:
            raise InvalidTransaction(ERR_BAD_ENVELOPE, "transaction body field has the wrong type")
    tx = Transaction(
        chain_id=chain_id,
        sender=Address(sender),
        nonce=nonce,
        fee=fee,
        msgs=tuple(decode_msg(m) for m in msgs),
        memo=memo,
        valid_until_height=valid_until,
    )
    tx.validate_basic()
    body_end = len(raw) - len(encode(public_key)) - len(encode(signature))
    sign_bytes = _SIGN_HEAD + encode(chain_id) + raw[len(_ENVELOPE_HEAD) : body_end]
    return SignedTransaction(tx, public_key, signature, raw, suite.hash(raw), sign_bytes)
