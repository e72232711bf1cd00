"""Message types of the members module."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.crypto import Address
from finchain.model.message import message_type


@message_type("members/AddAccount@1")
@dataclass(frozen=True, slots=True)
class AddAccount:
    """Register `address` as another account of the sender's organisation."""

    address: Address

    def validate_basic(self) -> None:
        return None
