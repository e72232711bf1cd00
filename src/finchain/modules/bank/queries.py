"""Read-only queries of the bank module. Amounts are decimal strings (they may exceed 2**53)."""

from __future__ import annotations

from typing import Any

from finchain.errors import NotFound
from finchain.modules.bank.keeper import BankView
from finchain.modules.module import QueryContext
from finchain.modules.query_params import parse_address_param, parse_text_param


def query_assets(q: QueryContext, _: dict[str, Any]) -> list[dict[str, object]]:
    view = BankView(q.state)
    return [dict(a.to_json(), supply=str(view.get_supply(a.symbol))) for a in view.list_assets()]


def query_asset(q: QueryContext, params: dict[str, Any]) -> dict[str, object]:
    """`asset {symbol}`."""
    symbol = parse_text_param(params, "symbol")
    view = BankView(q.state)
    asset = view.find_asset(symbol)
    if asset is None:
        raise NotFound(f"no asset {symbol!r}")
    return dict(asset.to_json(), supply=str(view.get_supply(symbol)))


def query_balances(q: QueryContext, params: dict[str, Any]) -> dict[str, str]:
    """`balances {address}`."""
    balances = BankView(q.state).get_balances(parse_address_param(params))
    return {k: str(v) for k, v in balances.items()}


QUERIES = {"assets": query_assets, "asset": query_asset, "balances": query_balances}
