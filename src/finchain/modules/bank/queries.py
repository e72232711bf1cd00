"""Read-only queries of the bank module. Amounts are decimal strings (they may exceed 2**53)."""

from __future__ import annotations

from finchain.errors import NotFound
from finchain.modules.bank.keeper import BankView
from finchain.state import StateReader


def query_assets(state: StateReader) -> list[dict[str, object]]:
    view = BankView(state)
    return [dict(a.to_json(), supply=str(view.get_supply(a.symbol))) for a in view.list_assets()]


def query_asset(state: StateReader, symbol: str) -> dict[str, object]:
    view = BankView(state)
    asset = view.find_asset(symbol)
    if asset is None:
        raise NotFound(f"no asset {symbol!r}")
    return dict(asset.to_json(), supply=str(view.get_supply(symbol)))


def query_balances(state: StateReader, address: bytes) -> dict[str, str]:
    return {k: str(v) for k, v in BankView(state).get_balances(address).items()}
