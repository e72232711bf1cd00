"""The report functions: balances, flows and large-value transfers at a committed height."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from finchain.crypto import parse_address
from finchain.model import Event
from finchain.modules.bank.keeper import BankView
from finchain.modules.clearing.keeper import ClearingView
from finchain.modules.members import MembersView
from finchain.reports.envelope import Report
from finchain.state import StateReader
from finchain.store import Database

# PBOC Order 2016 No. 3: transfers by non-individuals of CNY 2,000,000.00 or more (in fen).
DEFAULT_THRESHOLDS = {"CNY": 200_000_000}
NO_ORG = "(none)"  # an account no member organisation holds any longer


Row = tuple[str, ...]
Table = tuple[Row, list[Row]]  # column names, rows


class ReportError(ValueError):
    """A report request that cannot be answered (unknown type, bad parameter)."""


@dataclass(frozen=True, slots=True)
class Movement:
    """One money movement of the ledger: a bank transfer or a settled clearing payment."""

    height: int
    tx_hash: str  # "" for an end-of-block settlement
    kind: str  # transfer | clearing
    from_org: str
    to_org: str
    asset: str
    amount: int
    reference: str  # a clearing payment's UETR


def generate_report(
    state: StateReader,
    db: Database,
    chain_id: str,
    height: int,
    report_type: str,
    org: str | None = None,
    thresholds: dict[str, int] | None = None,
) -> Report:
    """The report `report_type` of ledger state at `height` (`state` must be that view)."""
    builder = REPORT_TYPES.get(report_type)
    if builder is None:
        raise ReportError(
            f"unknown report type {report_type!r}; choose from {sorted(REPORT_TYPES)}"
        )
    params: dict[str, Any] = {"org": org or "*"}
    if report_type == "large_value_transfers":
        limits = DEFAULT_THRESHOLDS if thresholds is None else thresholds
        if any(type(v) is not int or v < 1 for v in limits.values()):
            raise ReportError("thresholds are integers of minor units >= 1")
        params["thresholds"] = dict(sorted(limits.items()))
    columns, rows = builder(state, db, height, params)
    return Report(report_type, chain_id, height, params, columns, tuple(rows))


def _balances(state: StateReader, _: Database, __: int, params: dict[str, Any]) -> Table:
    members = MembersView(state)
    totals: dict[tuple[str, str, str], int] = {}
    for address, asset, amount in BankView(state).list_all_balances():
        key = (members.find_org_of(address) or NO_ORG, asset, "bank")
        totals[key] = totals.get(key, 0) + amount
    clearing = ClearingView(state)
    for currency in clearing.list_currencies():
        for account in clearing.list_accounts(currency):
            totals[(account.participant, currency, "settlement")] = account.balance
    rows: list[Row] = [
        (org, asset, ledger, str(amount))
        for (org, asset, ledger), amount in sorted(totals.items())
        if _in_scope(params, org)
    ]
    columns: Row = ("org", "asset", "ledger", "amount")
    return columns, rows


def _flows(state: StateReader, db: Database, height: int, params: dict[str, Any]) -> Table:
    sums: dict[tuple[str, str], list[int]] = {}
    for move in iter_movements(state, db, height):
        for org, side in ((move.from_org, 1), (move.to_org, 0)):
            entry = sums.setdefault((org, move.asset), [0, 0, 0, 0])  # in, out, n_in, n_out
            entry[side] += move.amount
            entry[side + 2] += 1
    rows: list[Row] = [
        (org, asset, str(i), str(o), str(n_in), str(n_out))
        for (org, asset), (i, o, n_in, n_out) in sorted(sums.items())
        if _in_scope(params, org)
    ]
    columns: Row = ("org", "asset", "inflow", "outflow", "transfers_in", "transfers_out")
    return columns, rows


def _large_value(state: StateReader, db: Database, height: int, params: dict[str, Any]) -> Table:
    limits: dict[str, int] = params["thresholds"]
    rows: list[Row] = [
        (
            str(m.height),
            m.tx_hash,
            m.kind,
            m.from_org,
            m.to_org,
            m.asset,
            str(m.amount),
            m.reference,
        )
        for m in iter_movements(state, db, height)
        if m.asset in limits
        and m.amount >= limits[m.asset]
        and (_in_scope(params, m.from_org) or _in_scope(params, m.to_org))
    ]
    columns: Row = (
        "height",
        "tx_hash",
        "kind",
        "from_org",
        "to_org",
        "asset",
        "amount",
        "reference",
    )
    return columns, rows


def iter_movements(state: StateReader, db: Database, height: int) -> Iterator[Movement]:
    """Every transfer and settled clearing payment of blocks 1..height, in chain order, with
    accounts named by the organisation that holds them at `height`."""
    members = MembersView(state)

    def org_of(address_text: str) -> str:
        return members.find_org_of(parse_address(address_text)) or NO_ORG

    for h in range(1, height + 1):
        block = db.load_block(h)
        if block is None:
            continue
        located = [(r.tx_hash.hex(), r.events) for r in db.load_receipts(h) if r.ok]
        located.append(("", block.events))
        for tx_hash, events in located:
            for event in events:
                move = _movement(event, h, tx_hash, org_of)
                if move is not None:
                    yield move


def _movement(
    event: Event, height: int, tx_hash: str, org_of: Callable[[str], str]
) -> Movement | None:
    a = dict(event.attributes)
    if event.type == "bank.transfer":
        return Movement(
            height,
            tx_hash,
            "transfer",
            org_of(a["sender"]),
            org_of(a["recipient"]),
            a["asset"],
            int(a["amount"]),
            "",
        )
    if event.type == "clearing.payment_settled":
        return Movement(
            height,
            tx_hash,
            "clearing",
            a["sender"],
            a["receiver"],
            a["currency"],
            int(a["amount"]),
            a["uetr"],
        )
    return None


def _in_scope(params: dict[str, Any], org: str) -> bool:
    return params["org"] in ("*", org)


REPORT_TYPES = {
    "balances": _balances,
    "flows": _flows,
    "large_value_transfers": _large_value,
}
