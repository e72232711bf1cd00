"""What the auth module needs from other modules (the wiring supplies them)."""

from __future__ import annotations

from typing import Protocol

from finchain.model.params import ChainParams


class FeeTransfers(Protocol):
    """Moves money between accounts (bank's transfer-only interface: no mint, no burn)."""

    def send(self, sender: bytes, recipient: bytes, asset: str, amount: int) -> None: ...


class Balances(Protocol):
    def get_balances(self, address: bytes) -> dict[str, int]: ...


class Membership(Protocol):
    def find_org_of(self, address: bytes) -> str | None: ...


class ChainParamsReader(Protocol):
    def get(self) -> ChainParams: ...
