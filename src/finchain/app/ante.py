"""The ante: one ordered chain of checks before any message of a transaction runs.

decode → chain id and expiry → signature, here (stateless, pure, safe in a verifier thread), then
the stateful steps the modules contribute in their declared order (`Module.ante`): membership and
roles (members, 10) → frozen (supervision, 20) → nonce (auth, 30) → fee (auth, 40). The stateful
steps run on the transaction's ante branch; their writes (nonce increment, fee debit) are kept even
when a message later fails, as a bank expects a failed instruction still to count. A step that
refuses consumes nothing: the branch is dropped. The governance authority's actions never pass
through here (they run at the end of a block, after a vote).
"""

from __future__ import annotations

from collections.abc import Sequence

from finchain.crypto import CryptoSuite
from finchain.errors import InvalidTransaction, register_error
from finchain.model.tx import SignedTransaction, decode_signed_tx
from finchain.modules.module import AnteContext, AnteStep

ERR_WRONG_CHAIN = register_error("tx", 20, "wrong_chain_id", "signed for another chain")
ERR_EXPIRED = register_error("tx", 21, "expired", "block height is past valid_until_height")
ERR_BAD_SIGNATURE = register_error("tx", 22, "bad_signature", "the signature does not verify")
ERR_SENDER_MISMATCH = register_error(
    "tx", 23, "sender_mismatch", "the public key does not derive the sender address"
)
ERR_TOO_LARGE = register_error("tx", 28, "too_large", "the transaction exceeds max_tx_bytes")


def decode_and_verify(raw: bytes, suite: CryptoSuite, max_size: int) -> SignedTransaction:
    """Decode an envelope and verify its signature: pure, thread-safe, state-independent."""
    if len(raw) > max_size:
        raise InvalidTransaction(
            ERR_TOO_LARGE, f"transaction is {len(raw)} bytes, limit {max_size}", limit=max_size
        )
    stx = decode_signed_tx(raw, suite, max_size)
    validate_signature(stx, suite)
    return stx


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


def apply_stateful_steps(steps: Sequence[AnteStep], ctx: AnteContext) -> None:
    """Run the modules' steps in order on `ctx.state` (the ante branch); the first refusal
    raises InvalidTransaction and the caller drops the branch."""
    for step in steps:
        step.apply(ctx)
