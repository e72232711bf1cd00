"""Read view and keeper over the `bank/` key prefix."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from finchain.codec import decode, decode_uint, encode, encode_uint
from finchain.crypto import format_address
from finchain.errors import InvalidTransaction
from finchain.modules.bank import keys
from finchain.modules.bank.errors import ERR_INSUFFICIENT_FUNDS, ERR_UNKNOWN_ASSET
from finchain.state import StateReader, StateWriter


@dataclass(frozen=True, slots=True)
class Asset:
    symbol: str
    decimals: int
    issuer: str
    name: str

    def to_json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "decimals": self.decimals,
            "issuer": self.issuer,
            "name": self.name,
        }


class BankView:
    """Read-only: assets, supplies and balances."""

    def __init__(self, state: StateReader) -> None:
        self.state = state

    def find_asset(self, symbol: str) -> Asset | None:
        raw = self.state.get(keys.asset_key(symbol))
        return None if raw is None else _decode_asset(raw)

    def get_asset(self, symbol: str) -> Asset:
        asset = self.find_asset(symbol)
        if asset is None:
            raise InvalidTransaction(ERR_UNKNOWN_ASSET, f"no asset {symbol!r}", asset=symbol)
        return asset

    def list_assets(self) -> list[Asset]:
        return [_decode_asset(raw) for _, raw in self.state.iterate(keys.ASSET_PREFIX)]

    def get_balance(self, address: bytes, symbol: str) -> int:
        raw = self.state.get(keys.balance_key(address, symbol))
        return 0 if raw is None else decode_uint(raw)

    def get_balances(self, address: bytes) -> dict[str, int]:
        prefix = keys.BALANCE_PREFIX + address
        return {
            key[len(prefix) :].decode(): decode_uint(raw) for key, raw in self.state.iterate(prefix)
        }

    def list_all_balances(self) -> Iterator[tuple[bytes, str, int]]:
        """Every (address, asset, balance) in key order."""
        for key, raw in self.state.iterate(keys.BALANCE_PREFIX):
            address, symbol = keys.split_balance_key(key)
            yield address, symbol, decode_uint(raw)

    def get_supply(self, symbol: str) -> int:
        raw = self.state.get(keys.supply_key(symbol))
        return 0 if raw is None else decode_uint(raw)


class BankKeeper(BankView):
    """Moves, creates and destroys money. Callers have already authorised the operation."""

    state: StateWriter

    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.state = state

    def set_asset(self, asset: Asset) -> None:
        value = encode([asset.symbol, asset.decimals, asset.issuer, asset.name])
        self.state.set(keys.asset_key(asset.symbol), value)

    def send(self, sender: bytes, recipient: bytes, symbol: str, amount: int) -> None:
        """Move `amount` (> 0) from sender to recipient: G-1 double entry in one step."""
        self.debit(sender, symbol, amount)
        self.credit(recipient, symbol, amount)

    def debit(self, address: bytes, symbol: str, amount: int) -> None:
        balance = self.get_balance(address, symbol)
        if balance < amount:
            raise InvalidTransaction(
                ERR_INSUFFICIENT_FUNDS,
                f"{format_address(address)} holds {balance} {symbol}, needs {amount}",
                balance=str(balance),
                needed=str(amount),
                asset=symbol,
            )
        self.state.set(keys.balance_key(address, symbol), encode_uint(balance - amount))

    def credit(self, address: bytes, symbol: str, amount: int) -> None:
        balance = self.get_balance(address, symbol)
        self.state.set(keys.balance_key(address, symbol), encode_uint(balance + amount))

    def mint(self, recipient: bytes, symbol: str, amount: int) -> None:
        self.credit(recipient, symbol, amount)
        self._set_supply(symbol, self.get_supply(symbol) + amount)

    def burn(self, holder: bytes, symbol: str, amount: int) -> None:
        self.debit(holder, symbol, amount)
        self._set_supply(symbol, self.get_supply(symbol) - amount)

    def _set_supply(self, symbol: str, supply: int) -> None:
        self.state.set(keys.supply_key(symbol), encode_uint(supply))


def _decode_asset(raw: bytes) -> Asset:
    symbol, decimals, issuer, name = decode(raw)
    return Asset(symbol, decimals, issuer, name)


class BankTransfers:
    """The least-privilege interface other modules get: balances and transfers between existing
    accounts; no mint, no burn, no asset definitions."""

    def __init__(self, state: StateWriter) -> None:
        self._keeper = BankKeeper(state)

    def get_balance(self, address: bytes, symbol: str) -> int:
        return self._keeper.get_balance(address, symbol)

    def send(self, sender: bytes, recipient: bytes, symbol: str, amount: int) -> None:
        """Move `amount` from sender to recipient (bank/insufficient_funds if it holds less)."""
        self._keeper.send(sender, recipient, symbol, amount)
