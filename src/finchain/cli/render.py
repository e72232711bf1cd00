"""Rendering SDK results for people (rich tables) and programs (`--json`).

JSON output follows the API's conventions (docs/api.md): amounts as decimal strings of minor
units, hashes as hex without `0x`. Tables show amounts in major units using asset decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from finchain.sdk import (
    AccountView,
    AssetView,
    ChainStatus,
    EventView,
    MemberView,
    ReceiptView,
    TxInfo,
    TxResult,
    format_amount,
)


def make_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def make_field_table() -> Table:
    """Two columns, name and value; long values (hashes) wrap instead of being cut."""
    table = Table(show_header=False, box=None)
    table.add_column("field", no_wrap=True)
    table.add_column("value", overflow="fold")
    return table


# ---- to JSON ---------------------------------------------------------------------------------


def tx_result_to_json(result: TxResult) -> dict[str, Any]:
    data: dict[str, Any] = {"hash": result.hash, "status": result.status}
    if result.receipt is not None:
        data.update(receipt_to_json(result.receipt))
    if result.error is not None:
        data["error"] = {"code": result.error.code, "message": result.error.message}
    return data


def receipt_to_json(receipt: ReceiptView) -> dict[str, Any]:
    return {
        "height": receipt.height,
        "index": receipt.index,
        "code": receipt.code,
        "log": receipt.log,
        "gas_used": receipt.gas_used,
        "events": [event_to_json(e) for e in receipt.events],
    }


def event_to_json(event: EventView) -> dict[str, Any]:
    return {"type": event.type, "attributes": dict(event.attributes)}


def tx_info_to_json(info: TxInfo) -> dict[str, Any]:
    return {
        "hash": info.hash,
        "height": info.height,
        "index": info.index,
        "tx": dict(info.tx),
        "raw": info.raw,
        "receipt": receipt_to_json(info.receipt),
    }


def account_to_json(account: AccountView) -> dict[str, Any]:
    return {
        "address": account.address,
        "org": account.org,
        "nonce": account.nonce,
        "pending_nonce": account.pending_nonce,
        "balances": balances_to_json(account.balances),
    }


def balances_to_json(balances: Mapping[str, int]) -> dict[str, str]:
    return {asset: str(amount) for asset, amount in sorted(balances.items())}


def asset_to_json(asset: AssetView) -> dict[str, Any]:
    return dict(asdict(asset), supply=str(asset.supply))


def member_to_json(member: MemberView) -> dict[str, Any]:
    return {
        "id": member.id,
        "name": member.name,
        "roles": list(member.roles),
        "accounts": list(member.accounts),
    }


# ---- to tables -------------------------------------------------------------------------------


def print_tx_result(result: TxResult) -> None:
    console = make_console()
    table = make_field_table()
    table.add_row("hash", result.hash)
    table.add_row("status", result.status)
    if result.receipt is not None:
        _add_receipt_rows(table, result.receipt)
    if result.error is not None:
        table.add_row("error", f"{result.error.code}: {result.error.message}")
    console.print(table)
    if result.receipt is not None and result.receipt.events:
        console.print(make_events_table(result.receipt.events))


def print_tx_info(info: TxInfo) -> None:
    console = make_console()
    table = make_field_table()
    table.add_row("hash", info.hash)
    _add_receipt_rows(table, info.receipt)
    table.add_row("sender", str(info.tx.get("sender", "")))
    table.add_row("nonce", str(info.tx.get("nonce", "")))
    for msg in info.tx.get("msgs", ()):
        values = ", ".join(f"{k}={v}" for k, v in dict(msg.get("value", {})).items())
        table.add_row("msg", f"{msg.get('type')} {values}")
    console.print(table)
    if info.receipt.events:
        console.print(make_events_table(info.receipt.events))


def make_events_table(events: tuple[EventView, ...]) -> Table:
    table = Table("event", "attributes", title="events")
    for event in events:
        table.add_row(event.type, ", ".join(f"{k}={v}" for k, v in event.attributes.items()))
    return table


def print_balances(balances: Mapping[str, int], decimals: Mapping[str, int], title: str) -> None:
    table = Table("asset", "amount", "minor units", title=title)
    for asset, amount in sorted(balances.items()):
        table.add_row(asset, format_with_decimals(amount, asset, decimals), str(amount))
    make_console().print(table)


def print_account(account: AccountView, decimals: Mapping[str, int]) -> None:
    console = make_console()
    table = make_field_table()
    table.add_row("address", account.address)
    table.add_row("org", account.org or "-")
    table.add_row("nonce", str(account.nonce))
    table.add_row("pending nonce", str(account.pending_nonce))
    console.print(table)
    print_balances(account.balances, decimals, title="balances")


def print_assets(assets: list[AssetView]) -> None:
    table = Table("symbol", "name", "decimals", "issuer", "supply", title="assets")
    for asset in assets:
        supply = format_amount(asset.supply, asset.decimals)
        table.add_row(asset.symbol, asset.name, str(asset.decimals), asset.issuer, supply)
    make_console().print(table)


def print_members(members: list[MemberView]) -> None:
    table = Table("id", "name", "roles", "accounts", title="members")
    for member in members:
        table.add_row(member.id, member.name, ", ".join(member.roles), "\n".join(member.accounts))
    make_console().print(table)


def print_status(status: ChainStatus, url: str) -> None:
    table = make_field_table()
    table.add_row("node", url)
    for key, value in asdict(status).items():
        table.add_row(key, str(value))
    make_console().print(table)


def print_block(block: Mapping[str, Any]) -> None:
    console = make_console()
    table = make_field_table()
    for key in ("chain_id", "height", "time_ms", "hash", "proposer", "num_txs", "app_hash"):
        table.add_row(key, str(block.get(key, "")))
    console.print(table)
    receipts = {r.get("tx_hash"): r for r in block.get("receipts", []) if isinstance(r, Mapping)}
    if block.get("tx_hashes"):
        txs = Table("#", "tx hash", "code", title="transactions")
        for index, tx_hash in enumerate(block["tx_hashes"]):
            txs.add_row(str(index), str(tx_hash), str(receipts.get(tx_hash, {}).get("code", "")))
        console.print(txs)


def format_with_decimals(amount: int, asset: str, decimals: Mapping[str, int]) -> str:
    places = decimals.get(asset)
    return str(amount) if places is None else format_amount(amount, places)


def _add_receipt_rows(table: Table, receipt: ReceiptView) -> None:
    table.add_row("height", str(receipt.height))
    table.add_row("index", str(receipt.index))
    table.add_row("code", receipt.code)
    if receipt.log:
        table.add_row("log", receipt.log)
    table.add_row("gas used", str(receipt.gas_used))
