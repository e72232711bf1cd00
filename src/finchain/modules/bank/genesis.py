"""Genesis of the bank module: assets and initial balances (supply = sum of balances)."""

from __future__ import annotations

from typing import Any

from finchain.crypto import format_address, parse_address
from finchain.errors import InvalidTransaction
from finchain.modules.bank.errors import ERR_BAD_GENESIS
from finchain.modules.bank.expected import Membership
from finchain.modules.bank.keeper import Asset, BankKeeper, BankView
from finchain.modules.bank.messages import validate_amount, validate_symbol
from finchain.modules.module import GenesisContext
from finchain.state import StateReader, StateWriter


def init_bank_genesis(state: StateWriter, section: dict[str, Any], env: GenesisContext) -> None:
    members: Membership = env.interfaces.get("members.membership")(state)
    bank = BankKeeper(state)
    for entry in section.get("assets", []):
        symbol = str(entry["symbol"])
        validate_symbol(symbol)
        decimals = int(entry.get("decimals", 2))
        issuer = str(entry["issuer"])
        if not members.org_exists(issuer) or not 0 <= decimals <= 18:
            raise InvalidTransaction(ERR_BAD_GENESIS, f"asset {symbol}: bad issuer or decimals")
        if bank.find_asset(symbol) is not None:
            raise InvalidTransaction(ERR_BAD_GENESIS, f"asset {symbol} defined twice")
        bank.set_asset(Asset(symbol, decimals, issuer, str(entry.get("name", symbol))))
    for entry in section.get("balances", []):
        address = parse_address(str(entry["address"]))
        symbol = str(entry["asset"])
        amount = int(str(entry["amount"]))
        bank.get_asset(symbol)
        validate_amount(amount)
        bank.mint(address, symbol, amount)


def export_bank_genesis(state: StateReader) -> dict[str, Any]:
    """The section that rebuilds today's assets and balances."""
    view = BankView(state)
    return {
        "assets": [asset.to_json() for asset in view.list_assets()],
        "balances": [
            {"address": format_address(address), "asset": symbol, "amount": str(amount)}
            for address, symbol, amount in view.list_all_balances()
        ],
    }
