"""Stable error codes of the auth module (in the `tx` namespace: they refuse a transaction)."""

from finchain.errors import register_error

ERR_NONCE_REUSED = register_error("tx", 24, "nonce_reused", "the nonce was already used")
ERR_NONCE_GAP = register_error("tx", 25, "nonce_gap", "the nonce is ahead of the next one")
ERR_FEE_TOO_LOW = register_error("tx", 26, "fee_too_low", "the fee is below the chain minimum")
