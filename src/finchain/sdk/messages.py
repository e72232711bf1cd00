"""Message builders with friendly argument types for the typed helpers (`client.bank.transfer`).

Addresses may be `0x…` text or 20 raw bytes; amounts are ints in minor units (use
`parse_amount` for "12.34"). Each builder returns the module's registered message and runs its
stateless `validate_basic()`, so a bad amount or symbol fails before anything is signed.
"""

from __future__ import annotations

import base64
import binascii

from finchain.crypto import Address, parse_address
from finchain.modules.bank.messages import Issue, Redeem, Transfer
from finchain.modules.members.messages import AddAccount
from finchain.modules.validators.messages import SetPower
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


def make_set_validator_power(pub_key: bytes | str, power: int) -> SetPower:
    """`pub_key`: the 32-byte Ed25519 consensus key, raw or as base64 (CometBFT's
    `priv_validator_key.json` `pub_key.value`) or hex text."""
    msg = SetPower(decode_validator_key(pub_key), power)
    msg.validate_basic()
    return msg


def decode_validator_key(pub_key: bytes | str) -> bytes:
    """A validator public key from raw bytes, 64 hex digits or base64 text."""
    if isinstance(pub_key, bytes | bytearray):
        return bytes(pub_key)
    text = pub_key.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(f"validator key {text!r} is neither hex nor base64") from None


def _validate_minor_units(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(
            f"amounts are ints in minor units, got {type(amount).__name__}; "
            "convert text with parse_amount('12.34', decimals)"
        )
    return amount
