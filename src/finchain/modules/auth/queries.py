"""Queries of the auth module."""

from __future__ import annotations

from typing import Any

from finchain.crypto import format_address
from finchain.modules.auth.expected import Balances, Membership
from finchain.modules.auth.keeper import AuthView
from finchain.modules.module import QueryContext
from finchain.modules.query_params import parse_address_param


def query_account(q: QueryContext, params: dict[str, Any]) -> Any:
    """`account {address}`: the next nonce, the organisation and the balances."""
    address = parse_address_param(params)
    members: Membership = q.interfaces.get("members.membership")(q.state)
    balances: Balances = q.interfaces.get("bank.balances")(q.state)
    return {
        "address": format_address(address),
        "nonce": AuthView(q.state).get_next_nonce(address),
        "org": members.find_org_of(address),
        "balances": {asset: str(v) for asset, v in balances.get_balances(address).items()},
    }
