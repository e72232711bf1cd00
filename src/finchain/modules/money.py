"""Money rules every module shares: amounts, asset symbols and the roles that may hold money.

Amounts are integer minor units, 1 .. 2**63-1; asset symbols are 2-12 of A-Z and 0-9, starting
with a letter. The codes stay the bank's (`bank/invalid_amount`, `bank/bad_symbol`): a module that
takes an amount or a symbol in its messages (contracts, clearing) refuses it exactly as a transfer
would. Who may send money-moving messages: every role except the supervisory ones; the regulator
and the auditor never create or alter business transactions (DOMAIN REG-1).
"""

from __future__ import annotations

import re

from finchain.errors import InvalidTransaction, register_error

MAX_AMOUNT = 2**63 - 1
MONEY_HOLDER_ROLES = frozenset(
    {"admin", "validator_operator", "bank", "central_bank", "payment_institution", "corporate"}
)
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")

ERR_INVALID_AMOUNT = register_error(
    "bank", 3, "invalid_amount", "amounts are integers in minor units, 1 .. 2**63-1"
)
ERR_BAD_SYMBOL = register_error("bank", 7, "bad_symbol", "asset symbols are 2-12 of A-Z, 0-9")


def validate_amount(amount: int) -> None:
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidTransaction(
            ERR_INVALID_AMOUNT, f"amount must be 1 .. 2**63-1 minor units, got {amount}"
        )


def validate_symbol(symbol: str) -> None:
    if not _SYMBOL.fullmatch(symbol):
        raise InvalidTransaction(ERR_BAD_SYMBOL, f"bad asset symbol {symbol!r}")
