"""Message builders with friendly argument types for the typed helpers (`client.bank.transfer`).

Addresses may be `0x…` text or 20 raw bytes; amounts are ints in minor units (use
`parse_amount` for "12.34"). Each builder returns the module's registered message and runs its
stateless `validate_basic()`, so a bad amount or symbol fails before anything is signed.
Clearing participants are organisation ids (`bank-a`), not addresses.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping
from typing import Any

from finchain.crypto import Address, parse_address
from finchain.modules.bank.messages import Issue, Redeem, Transfer
from finchain.modules.clearing import messages as clearing
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


# ---- clearing ---------------------------------------------------------------------------------

SUBMIT_PAYMENT_TYPE = "clearing/SubmitPayment@1"
_MINOR_UNITS_TEXT = re.compile(r"[0-9]+", re.ASCII)


def make_open_account(participant: str, currency: str) -> clearing.OpenAccount:
    msg = clearing.OpenAccount(participant, currency)
    msg.validate_basic()
    return msg


def make_register_bic(participant: str, bic: str) -> clearing.RegisterBic:
    msg = clearing.RegisterBic(participant, bic)
    msg.validate_basic()
    return msg


def make_pledge(participant: str, currency: str, amount: int) -> clearing.Pledge:
    msg = clearing.Pledge(participant, currency, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_clearing_redeem(participant: str, currency: str, amount: int) -> clearing.Redeem:
    """Clearing `Redeem` (settlement cash back to the reserve account), not the bank module's."""
    msg = clearing.Redeem(participant, currency, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_set_urgent_reserve(currency: str, amount: int) -> clearing.SetUrgentReserve:
    msg = clearing.SetUrgentReserve(currency, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_submit_payment(
    receiver: str,
    currency: str,
    amount: int,
    *,
    priority: str = "NORMAL",
    msg_id: str,
    end_to_end_id: str,
    uetr: str | None = None,
) -> clearing.SubmitPayment:
    """A payment to `receiver` (org id); `uetr` defaults to a fresh lowercase UUIDv4."""
    msg = clearing.SubmitPayment(
        receiver,
        currency,
        _validate_minor_units(amount),
        priority,
        msg_id,
        end_to_end_id,
        new_uetr() if uetr is None else uetr,
    )
    msg.validate_basic()
    return msg


def make_hold_payment(uetr: str) -> clearing.HoldPayment:
    msg = clearing.HoldPayment(uetr)
    msg.validate_basic()
    return msg


def make_release_payment(uetr: str) -> clearing.ReleasePayment:
    msg = clearing.ReleasePayment(uetr)
    msg.validate_basic()
    return msg


def make_cancel_payment(uetr: str) -> clearing.CancelPayment:
    msg = clearing.CancelPayment(uetr)
    msg.validate_basic()
    return msg


def make_set_suspended(participant: str, suspended: bool) -> clearing.SetSuspended:
    if not isinstance(suspended, bool):
        raise TypeError(f"suspended must be a bool, got {type(suspended).__name__}")
    msg = clearing.SetSuspended(participant, int(suspended))
    msg.validate_basic()
    return msg


def make_run_lsm(currency: str) -> clearing.RunLsm:
    msg = clearing.RunLsm(currency)
    msg.validate_basic()
    return msg


def make_cut_off(currency: str) -> clearing.CutOff:
    msg = clearing.CutOff(currency)
    msg.validate_basic()
    return msg


def make_mapped_payments(data: Mapping[str, Any]) -> list[clearing.SubmitPayment]:
    """The SubmitPayment messages of the node's ISO 20022 mapping
    (`POST /v1/clearing/iso20022/payments`: `{"messages": [{"type", "value"}]}`), validated."""
    payments = []
    for item in data.get("messages", ()):
        if item.get("type") != SUBMIT_PAYMENT_TYPE:
            raise ValueError(f"expected {SUBMIT_PAYMENT_TYPE} messages, got {item.get('type')!r}")
        value = item["value"]
        amount = str(value["amount"])
        if _MINOR_UNITS_TEXT.fullmatch(amount) is None:
            raise ValueError(f"amount must be a decimal string of minor units, got {amount!r}")
        payments.append(
            make_submit_payment(
                str(value["receiver"]),
                str(value["currency"]),
                int(amount),
                priority=str(value["priority"]),
                msg_id=str(value["msg_id"]),
                end_to_end_id=str(value["end_to_end_id"]),
                uetr=str(value["uetr"]),
            )
        )
    return payments


def new_uetr() -> str:
    """A fresh UETR: a random UUIDv4 in lowercase text, as the clearing module requires."""
    return str(uuid.uuid4())


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
