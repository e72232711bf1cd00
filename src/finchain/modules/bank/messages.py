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
# Who may send bank messages: every role except the supervisory ones. The regulator and the
# auditor never create or alter business transactions (DOMAIN REG-1); the handlers still check
# the asset's issuer for Issue and Redeem.
MONEY_HOLDER_ROLES = frozenset(
    {"admin", "validator_operator", "bank", "central_bank", "payment_institution", "corporate"}
)


def validate_amount(amount: int) -> None:
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidTransaction(
            ERR_INVALID_AMOUNT, f"amount must be 1 .. 2**63-1 minor units, got {amount}"
        )


def validate_symbol(symbol: str) -> None:
    if not _SYMBOL.fullmatch(symbol):
        raise InvalidTransaction(ERR_BAD_SYMBOL, f"bad asset symbol {symbol!r}")


@message_type("bank/Transfer@1", roles=MONEY_HOLDER_ROLES)
@dataclass(frozen=True, slots=True)
class Transfer:
    """Move `amount` minor units of `asset` from the sender's account to `to`."""

    to: Address
    asset: str
    amount: int

    def validate_basic(self) -> None:
        validate_symbol(self.asset)
        validate_amount(self.amount)


@message_type("bank/Issue@1", roles=MONEY_HOLDER_ROLES)
@dataclass(frozen=True, slots=True)
class Issue:
    """The asset's issuer creates `amount` minor units of `asset` in account `to`."""

    to: Address
    asset: str
    amount: int

    def validate_basic(self) -> None:
        validate_symbol(self.asset)
        validate_amount(self.amount)


@message_type("bank/Redeem@1", roles=MONEY_HOLDER_ROLES)
@dataclass(frozen=True, slots=True)
class Redeem:
    """The issuer takes `amount` minor units of `asset` out of its own account (supply falls)."""

    asset: str
    amount: int

    def validate_basic(self) -> None:
        validate_symbol(self.asset)
        validate_amount(self.amount)
