"""Ante checks run before any message: chain id, expiry, signature, membership, roles, nonce, fee.

They run on the transaction's ante branch; their writes (nonce increment, fee debit) are kept even
when a message later fails, exactly as a bank would expect a failed instruction still to count.
Nonces are strictly sequential per account, starting at 0. Membership and roles are checked before
the nonce, so a sender refused for either consumes nothing. Roles: every message type declares who
may send it (`@message_type(..., roles=...)`, table in docs/permissions.md); the sender's
organisation must hold one of those roles for every message of the transaction. The governance
authority's actions never pass through here (they run at the end of a block, after a vote).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from finchain.codec import decode_uint, encode_uint
from finchain.crypto import CryptoSuite
from finchain.errors import InvalidTransaction, register_error
from finchain.model.message import ANY_MEMBER, Msg, get_allowed_roles
from finchain.model.tx import SignedTransaction, decode_signed_tx
from finchain.state import StateReader, StateWriter

NONCE_PREFIX = b"auth/nonce/"

ERR_WRONG_CHAIN = register_error("tx", 20, "wrong_chain_id", "signed for another chain")
ERR_EXPIRED = register_error("tx", 21, "expired", "block height is past valid_until_height")
ERR_BAD_SIGNATURE = register_error("tx", 22, "bad_signature", "the signature does not verify")
ERR_SENDER_MISMATCH = register_error(
    "tx", 23, "sender_mismatch", "the public key does not derive the sender address"
)
ERR_NONCE_REUSED = register_error("tx", 24, "nonce_reused", "the nonce was already used")
ERR_NONCE_GAP = register_error("tx", 25, "nonce_gap", "the nonce is ahead of the next one")
ERR_FEE_TOO_LOW = register_error("tx", 26, "fee_too_low", "the fee is below the chain minimum")
ERR_NOT_A_MEMBER = register_error(
    "tx", 27, "not_a_member", "the sender is not an account of a member organisation"
)
ERR_TOO_LARGE = register_error("tx", 28, "too_large", "the transaction exceeds max_tx_bytes")
ERR_ACCOUNT_FROZEN = register_error(
    "tx",
    31,
    "account_frozen",
    "a supervisory directive froze the sender's account: it sends nothing",
)
ERR_ROLE_NOT_PERMITTED = register_error(
    "tx",
    29,
    "role_not_permitted",
    "the sender's organisation holds no role allowed to send this message type",
)


def nonce_key(address: bytes) -> bytes:
    return NONCE_PREFIX + address


def get_next_nonce(state: StateReader, address: bytes) -> int:
    raw = state.get(nonce_key(address))
    return 0 if raw is None else decode_uint(raw)


def validate_chain_and_expiry(stx: SignedTransaction, chain_id: str, height: int) -> None:
    tx = stx.tx
    if tx.chain_id != chain_id:
        raise InvalidTransaction(
            ERR_WRONG_CHAIN, f"signed for chain {tx.chain_id!r}, this is {chain_id!r}"
        )
    if tx.valid_until_height and height > tx.valid_until_height:
        raise InvalidTransaction(
            ERR_EXPIRED,
            f"valid until height {tx.valid_until_height}, block is {height}",
            valid_until_height=tx.valid_until_height,
            height=height,
        )


def validate_signature(stx: SignedTransaction, suite: CryptoSuite) -> None:
    if suite.address(stx.public_key) != stx.tx.sender:
        raise InvalidTransaction(ERR_SENDER_MISMATCH, "public key does not match the sender")
    if not suite.verify(stx.public_key, stx.sign_bytes, stx.signature):
        raise InvalidTransaction(ERR_BAD_SIGNATURE, f"signature does not verify ({suite.name})")


def decode_and_verify(raw: bytes, suite: CryptoSuite, max_size: int) -> SignedTransaction:
    """Decode an envelope and verify its signature: pure, thread-safe, state-independent."""
    if len(raw) > max_size:
        raise InvalidTransaction(
            ERR_TOO_LARGE, f"transaction is {len(raw)} bytes, limit {max_size}", limit=max_size
        )
    stx = decode_signed_tx(raw, suite, max_size)
    validate_signature(stx, suite)
    return stx


def validate_roles(sender_roles: Collection[str], msgs: Iterable[Msg]) -> None:
    """Refuse the transaction unless the sender's organisation, holding `sender_roles`, may send
    every message in `msgs` (pure: the caller reads the roles from state)."""
    for index, msg in enumerate(msgs):
        allowed = get_allowed_roles(msg.TYPE)
        if allowed is ANY_MEMBER or not allowed.isdisjoint(sender_roles):
            continue
        if allowed:
            held = ", ".join(sorted(sender_roles)) or "none"
            reason = (
                f"{msg.TYPE} needs the role {' or '.join(sorted(allowed))}; "
                f"the sender's organisation holds: {held}"
            )
        else:
            reason = (
                f"{msg.TYPE} is never sent by a member: it runs only after a governance vote "
                "(propose it with governance/Propose@1)"
            )
        raise InvalidTransaction(
            ERR_ROLE_NOT_PERMITTED,
            reason,
            message_type=msg.TYPE,
            message_index=index,
            allowed_roles=sorted(allowed),
            sender_roles=sorted(sender_roles),
        )


def apply_nonce(state: StateWriter, stx: SignedTransaction) -> None:
    sender = stx.tx.sender
    expected = get_next_nonce(state, sender)
    if stx.tx.nonce < expected:
        raise InvalidTransaction(
            ERR_NONCE_REUSED,
            f"nonce {stx.tx.nonce} already used; next is {expected}",
            expected=expected,
        )
    if stx.tx.nonce > expected:
        raise InvalidTransaction(
            ERR_NONCE_GAP, f"nonce {stx.tx.nonce} is ahead; next is {expected}", expected=expected
        )
    state.set(nonce_key(sender), encode_uint(expected + 1))
