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
ERR_UNAUTHORIZED = register_error(
    "clearing", 7, "unauthorized", "the sender's organisation lacks the role this operation needs"
)
ERR_NO_ACCOUNT = register_error(
    "clearing", 8, "no_account", "the participant has no settlement account in this currency"
)
ERR_ACCOUNT_EXISTS = register_error(
    "clearing", 9, "account_exists", "the participant already has an account in this currency"
)
ERR_NOT_ACTIVE = register_error(
    "clearing", 10, "participant_suspended", "a suspended participant can neither send nor receive"
)
ERR_INSUFFICIENT_BALANCE = register_error(
    "clearing",
    11,
    "insufficient_balance",
    "the settlement account balance is lower than the amount",
)
ERR_DUPLICATE_MESSAGE = register_error(
    "clearing", 12, "duplicate_message", "the sender already used this MsgId/EndToEndId or UETR"
)
ERR_UNKNOWN_PAYMENT = register_error("clearing", 13, "unknown_payment", "no such payment")
ERR_ILLEGAL_TRANSITION = register_error(
    "clearing", 14, "illegal_transition", "the payment's state does not allow this operation"
)
ERR_BAD_FIELD = register_error(
    "clearing", 15, "bad_field", "a currency, priority or identifier has the wrong form"
)
ERR_BIC_TAKEN = register_error(
    "clearing", 16, "bic_taken", "the BIC is already registered to another participant"
)
ERR_HELD_BY_DIRECTIVE = register_error(
    "clearing",
    17,
    "held_by_directive",
    "a regulator's directive keeps the participant suspended: it is lifted by the regulator",
)
