"""Stable error codes of the bank module."""

from finchain.errors import register_error

ERR_UNKNOWN_ASSET = register_error("bank", 1, "unknown_asset", "no such asset")
ERR_INSUFFICIENT_FUNDS = register_error(
    "bank", 2, "insufficient_funds", "the account balance is lower than the amount"
)
ERR_INVALID_AMOUNT = register_error(
    "bank", 3, "invalid_amount", "amounts are integers in minor units, 1 .. 2**63-1"
)
ERR_UNAUTHORIZED_ISSUER = register_error(
    "bank", 4, "unauthorized_issuer", "only the asset's issuer organisation may issue or redeem"
)
ERR_UNKNOWN_RECIPIENT = register_error(
    "bank", 5, "unknown_recipient", "the recipient is not an account of a member organisation"
)
ERR_SELF_TRANSFER = register_error("bank", 6, "self_transfer", "sender and recipient are equal")
ERR_BAD_SYMBOL = register_error("bank", 7, "bad_symbol", "asset symbols are 2-12 of A-Z, 0-9")
ERR_BAD_GENESIS = register_error("bank", 8, "bad_genesis", "the bank genesis is invalid")
