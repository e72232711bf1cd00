"""Read-only queries of the clearing module (JSON-ready results)."""

from __future__ import annotations

from finchain.errors import NotFound
from finchain.modules.clearing.keeper import ClearingView
from finchain.state import StateReader


def query_accounts(state: StateReader, currency: str) -> list[dict[str, object]]:
    return [a.to_json() for a in ClearingView(state).list_accounts(currency)]


def query_payment(state: StateReader, uetr: str) -> dict[str, object]:
    payment = ClearingView(state).find_payment(uetr)
    if payment is None:
        raise NotFound(f"no payment with UETR {uetr}")
    return payment.to_json()


def query_queue(state: StateReader, currency: str) -> list[dict[str, object]]:
    return [p.to_json() for p in ClearingView(state).list_queue(currency)]


def query_cycles(state: StateReader) -> list[dict[str, object]]:
    return ClearingView(state).list_cycles()
