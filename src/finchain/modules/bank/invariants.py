"""Invariants of the bank module: functions that return violations (empty list = holds)."""

from __future__ import annotations

from collections import defaultdict

from finchain.codec import decode_uint
from finchain.modules.bank import keys
from finchain.modules.bank.keeper import BankView
from finchain.state import StateReader


def check_supply_equals_balances(state: StateReader) -> list[str]:
    """G-2: for every asset, total supply = sum of all balances."""
    totals: dict[str, int] = defaultdict(int)
    for key, raw in state.iterate(keys.BALANCE_PREFIX):
        _, symbol = keys.split_balance_key(key)
        totals[symbol] += decode_uint(raw)
    view = BankView(state)
    violations = []
    for asset in view.list_assets():
        supply = view.get_supply(asset.symbol)
        if supply != totals.get(asset.symbol, 0):
            violations.append(
                f"{asset.symbol}: supply {supply} != sum of balances {totals.get(asset.symbol, 0)}"
            )
    for symbol in sorted(set(totals) - {a.symbol for a in view.list_assets()}):
        violations.append(f"balances held in unknown asset {symbol}")
    return violations


INVARIANTS = [check_supply_equals_balances]
