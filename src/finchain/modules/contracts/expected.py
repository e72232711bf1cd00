"""What the contracts module needs from other modules (the application wires them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from finchain.state import StateWriter


class Membership(Protocol):
    def find_org_of(self, address: bytes) -> str | None: ...

    def is_member_account(self, address: bytes) -> bool: ...

    def has_role(self, address: bytes, role: str) -> bool: ...


class Money(Protocol):
    """Bank's transfer-only interface: balances and transfers, never mint or burn."""

    def get_balance(self, address: bytes, symbol: str) -> int: ...

    def send(self, sender: bytes, recipient: bytes, symbol: str, amount: int) -> None: ...


MoneyFactory = Callable[[StateWriter], Money]
