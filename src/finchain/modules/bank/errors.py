"""Stable error codes of the bank module."""

from finchain.errors import register_error
from finchain.modules.money import ERR_BAD_SYMBOL, ERR_INVALID_AMOUNT

__all__ = [
    "ERR_BAD_GENESIS",
    "ERR_BAD_SYMBOL",
    "ERR_INSUFFICIENT_FUNDS",
    "ERR_INVALID_AMOUNT",
    "ERR_SELF_TRANSFER",
    "ERR_UNAUTHORIZED_ISSUER",
    "ERR_UNKNOWN_ASSET",
    "ERR_UNKNOWN_RECIPIENT",
]

ERR_UNKNOWN_ASSET = register_error("bank", 1, "unknown_asset", "no such asset")
ERR_INSUFFICIENT_FUNDS = register_error(
    "bank", 2, "insufficient_funds", "the account balance is lower than the amount"
)
ERR_UNAUTHORIZED_ISSUER = register_error(
    "bank", 4, "unauthorized_issuer", "only the asset's issuer organisation may issue or redeem"
)
ERR_UNKNOWN_RECIPIENT = register_error(
    "bank", 5, "unknown_recipient", "the recipient is not an account of a member organisation"
)
ERR_SELF_TRANSFER = register_error("bank", 6, "self_transfer", "sender and recipient are equal")
ERR_BAD_GENESIS = register_error("bank", 8, "bad_genesis", "the bank genesis is invalid")
