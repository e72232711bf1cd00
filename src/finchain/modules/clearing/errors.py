"""Stable error codes of the clearing module (codespace `clearing`).

Numbers are part of the chain's results hash: never renumber; new codes take the next number.
All of these are raised as `finchain.errors.InvalidTransaction`.
"""

from finchain.errors import register_error

ERR_INVALID_AMOUNT = register_error(
    "clearing", 1, "invalid_amount", "payment amounts are integers in minor units, 1 .. 2**63-1"
)
ERR_SELF_PAYMENT = register_error(
    "clearing", 2, "self_payment", "the sender and the receiver of a payment are equal"
)
ERR_UNKNOWN_PARTICIPANT = register_error(
    "clearing", 3, "unknown_participant", "a bank named by a payment or reserve has no balance"
)
ERR_DUPLICATE_PAYMENT = register_error(
    "clearing", 4, "duplicate_payment", "a payment id or sequence number appears twice"
)
ERR_INVALID_BALANCE = register_error(
    "clearing", 5, "invalid_balance", "balances and urgent reserves are integers >= 0"
)
ERR_INVALID_SEQUENCE = register_error(
    "clearing",
    6,
    "invalid_sequence",
    "a sequence number is (block height, tx index, message index), each an integer >= 0",
)
