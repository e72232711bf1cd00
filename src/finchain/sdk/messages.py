"""Message builders with friendly argument types for the typed helpers (`client.bank.transfer`).

Addresses may be `0x…` text or 20 raw bytes; amounts are ints in minor units (use
`parse_amount` for "12.34"). Each builder returns the module's registered message and runs its
stateless `validate_basic()`, so a bad amount or symbol fails before anything is signed.
"""

from __future__ import annotations

from finchain.crypto import Address, parse_address
from finchain.modules.bank.messages import Issue, Redeem, Transfer
from finchain.modules.members.messages import AddAccount
from finchain.sdk.wire import AddressInput


def to_address(address: AddressInput) -> Address:
    """`0x…` text or 20 raw bytes -> Address (ValueError if it is not 20 bytes)."""
    if isinstance(address, bytes | bytearray):
        return parse_address(bytes(address).hex())
    return parse_address(address)


def make_transfer(to: AddressInput, asset: str, amount: int) -> Transfer:
    msg = Transfer(to_address(to), asset, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_issue(to: AddressInput, asset: str, amount: int) -> Issue:
    msg = Issue(to_address(to), asset, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_redeem(asset: str, amount: int) -> Redeem:
    msg = Redeem(asset, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_add_account(address: AddressInput) -> AddAccount:
    msg = AddAccount(to_address(address))
    msg.validate_basic()
    return msg


def _validate_minor_units(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(
            f"amounts are ints in minor units, got {type(amount).__name__}; "
            "convert text with parse_amount('12.34', decimals)"
        )
    return amount
