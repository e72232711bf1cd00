"""Read-only queries of the clearing module (JSON-ready results), filtered by `ReadScope`.

With a scope, a participant bank sees only its own account, the payments it sends or receives,
and of each netting cycle its own net change; a supervisor sees the same of every organisation
it covers (all of them, unless a regulator's scope lists some: `ReadScope.may_read`). Without a
scope (the node operator) everything is returned.
"""

from __future__ import annotations

from typing import Any

from finchain.errors import NotFound
from finchain.modules.clearing.keeper import ClearingView, Payment
from finchain.modules.clearing.privacy import payment_parties, view_cycle
from finchain.modules.module import Query
from finchain.modules.query_params import find_scope_param, parse_text_param
from finchain.modules.scope import ReadScope
from finchain.state import StateReader


def query_accounts(
    state: StateReader, currency: str, scope: ReadScope | None = None
) -> list[dict[str, object]]:
    accounts = ClearingView(state).list_accounts(currency)
    return [a.to_json() for a in accounts if _covers(scope, a.participant)]


def query_payment(
    state: StateReader, uetr: str, scope: ReadScope | None = None
) -> dict[str, object]:
    payment = ClearingView(state).find_payment(uetr)
    if payment is None or not _may_see(scope, payment):
        # The same answer whether it does not exist or is not yours: existence is private too.
        raise NotFound(f"no payment with UETR {uetr} visible to this reader")
    return payment.to_json()


def query_queue(
    state: StateReader, currency: str, scope: ReadScope | None = None
) -> list[dict[str, object]]:
    return [p.to_json() for p in ClearingView(state).list_queue(currency) if _may_see(scope, p)]


def query_cycles(state: StateReader, scope: ReadScope | None = None) -> list[dict[str, object]]:
    view = ClearingView(state)
    cycles = view.list_cycles()
    if scope is None or scope.sees_everything:
        return cycles
    return [view_cycle(cycle, scope, view.find_payment) for cycle in cycles]


def query_directory(state: StateReader) -> list[dict[str, str]]:
    """The BIC directory (public within the consortium)."""
    return [
        {"bic": bic, "participant": participant}
        for bic, participant in ClearingView(state).list_directory()
    ]


def query_days(
    state: StateReader, currency: str, scope: ReadScope | None = None
) -> list[dict[str, object]]:
    """Closed business days of `currency`, with the closing balances the reader may see."""
    days = [day.to_json() for day in ClearingView(state).list_days(currency)]
    for day in days:
        balances = day["closing_balances"]
        assert isinstance(balances, dict)
        day["closing_balances"] = {p: b for p, b in balances.items() if _covers(scope, p)}
    return days


def _covers(scope: ReadScope | None, participant: str) -> bool:
    return scope is None or scope.covers(participant)


def _may_see(scope: ReadScope | None, payment: Payment) -> bool:
    return scope is None or scope.may_read(payment_parties(payment))


def _currency(params: dict[str, Any]) -> str:
    return parse_text_param(params, "currency")


QUERIES: dict[str, Query] = {
    "clearing/accounts": lambda q, p: query_accounts(q.state, _currency(p), find_scope_param(p)),
    "clearing/payment": lambda q, p: query_payment(
        q.state, parse_text_param(p, "uetr"), find_scope_param(p)
    ),
    "clearing/queue": lambda q, p: query_queue(q.state, _currency(p), find_scope_param(p)),
    "clearing/cycles": lambda q, p: query_cycles(q.state, find_scope_param(p)),
    "clearing/directory": lambda q, _: query_directory(q.state),
    "clearing/days": lambda q, p: query_days(q.state, _currency(p), find_scope_param(p)),
}
