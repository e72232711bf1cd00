"""Message types of the bank module."""

from __future__ import annotations

import re
from dataclasses import dataclass

from finchain.crypto import Address
from finchain.errors import InvalidTransaction
from finchain.model.message import message_type
from finchain.modules.bank.errors import ERR_BAD_SYMBOL, ERR_INVALID_AMOUNT

MAX_AMOUNT = 2**63 - 1
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


def validate_amount(amount: int) -> None:
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidTransaction(
            ERR_INVALID_AMOUNT, f"amount must be 1 .. 2**63-1 minor units, got {amount}"
        )


def validate_symbol(symbol: str) -> None:
    if not _SYMBOL.fullmatch(symbol):
        raise InvalidTransaction(ERR_BAD_SYMBOL, f"bad asset symbol {symbol!r}")


@message_type("bank/Transfer@1")
@dataclass(frozen=True, slots=True)
class Transfer:
    to: Address
    asset: str
    amount: int

    def validate_basic(self) -> None:
        validate_symbol(self.asset)
        validate_amount(self.amount)


@message_type("bank/Issue@1")
@dataclass(frozen=True, slots=True)
class Issue:
    to: Address
    asset: str
    amount: int

    def validate_basic(self) -> None:
        validate_symbol(self.asset)
        validate_amount(self.amount)


@message_type("bank/Redeem@1")
@dataclass(frozen=True, slots=True)
class Redeem:
    asset: str
    amount: int

    def validate_basic(self) -> None:
        validate_symbol(self.asset)
        validate_amount(self.amount)
