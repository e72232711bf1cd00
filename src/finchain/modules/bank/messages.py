"""Message types of the bank module."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.crypto import Address
from finchain.model.message import message_type
from finchain.modules.money import (
    MAX_AMOUNT,
    MONEY_HOLDER_ROLES,
    validate_amount,
    validate_symbol,
)

__all__ = ["MAX_AMOUNT", "Issue", "Redeem", "Transfer", "validate_amount", "validate_symbol"]


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
