"""`finchain query clearing`: signed reads of the clearing module and its ISO 20022 reports.

Clearing data is private, so every read but `directory` is signed with `--as KEY` (a key of
HOME/keys, password as for `--from`): the node shows a bank its own accounts, the payments it
sends or receives and its own net result of each netting cycle, and the central bank and the
regulator everything. Tables show amounts in major units (ISO 4217 digits of the currency);
`--json` prints the API's JSON (amounts as strings of minor units). The pacs.002 and camt.053
reports are printed as XML, or written with `--out FILE`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finchain.cli.common import (
    HOME_OPTION,
    JSON_OPTION,
    NODE_OPTION,
    guard_errors,
    load_wallet,
    print_json,
    resolve_node_url,
)
from finchain.cli.render import make_console, make_field_table
from finchain.iso20022 import CURRENCY_DECIMALS
from finchain.sdk import Client, format_amount

clearing_query_app = typer.Typer(
    help="Clearing module: accounts, payments, queue, cycles, days and ISO 20022 reports.",
    no_args_is_help=True,
)

AMOUNT_FIELDS = frozenset({"balance", "reserved_for_urgent", "amount"})
AMOUNTS_BY_PARTICIPANT_FIELDS = frozenset({"closing_balances", "net_changes"})
AS_OPTION: Any = typer.Option(
    ..., "--as", help="Key name in HOME/keys that signs the read (a member's account)."
)
CURRENCY_OPTION: Any = typer.Option(..., "--currency", help="ISO 4217 code, e.g. CNY.")
UETR_ARGUMENT: Any = typer.Argument(..., help="The payment's UETR.")
LEGAL_BASIS_OPTION: Any = typer.Option(
    "",
    "--legal-basis",
    envvar="FINCHAIN_LEGAL_BASIS",
    help="Why you read (a regulator must state it to read other members' data; it is logged).",
)
OUT_OPTION: Any = typer.Option(None, "--out", help="Write the XML to this file.")


@clearing_query_app.command("accounts")
def query_accounts(
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    currency: str = CURRENCY_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Settlement accounts you may see (a bank: its own)."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        accounts = client.clearing.accounts(currency)
        if as_json:
            print_json(accounts)
        else:
            columns = ("participant", "currency", "balance", "reserved_for_urgent")
            print_rows(f"{currency} settlement accounts", accounts, columns)


@clearing_query_app.command("payment")
def query_payment(
    uetr: str = UETR_ARGUMENT,
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A payment your bank sends or receives (not found otherwise)."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        payment = client.clearing.payment(uetr)
        if as_json:
            print_json(payment)
        else:
            table = make_field_table()
            for key, value in payment.items():
                table.add_row(key, format_field(key, value, payment))
            make_console().print(table)


@clearing_query_app.command("queue")
def query_queue(
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    currency: str = CURRENCY_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Queued and held payments you may see, in queue order."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        queue = client.clearing.queue(currency)
        if as_json:
            print_json(queue)
        else:
            columns = ("uetr", "sender", "receiver", "amount", "priority", "status")
            print_rows(f"{currency} queue", queue, columns)


@clearing_query_app.command("cycles")
def query_cycles(
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Netting cycles (a bank sees its own net result of each)."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        cycles = client.clearing.cycles()
        if as_json:
            print_json(cycles)
        else:
            rows = [dict(c, settled=len(c.get("settled", ()))) for c in cycles]
            columns = ("number", "height", "currency", "settled", "net_changes", "deadlock")
            print_rows("netting cycles", rows, columns)


@clearing_query_app.command("days")
def query_days(
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    currency: str = CURRENCY_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Closed business days (cut-offs) with the closing balances you may see."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        days = client.clearing.days(currency)
        if as_json:
            print_json(days)
        else:
            columns = ("day", "height", "currency", "closing_balances")
            print_rows(f"{currency} business days", days, columns)


@clearing_query_app.command("directory")
def query_directory(
    reader: str | None = typer.Option(None, "--as", help="Key that signs (optional: public)."),
    legal_basis: str = LEGAL_BASIS_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The BIC directory: which participant each BIC belongs to."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        directory = client.clearing.directory()
        if as_json:
            print_json(directory)
        else:
            print_rows("BIC directory", directory, ("bic", "participant"))


@clearing_query_app.command("status-report")
def query_status_report(
    uetr: str = UETR_ARGUMENT,
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    original: str = typer.Option(
        "pacs.008", "--original", help="The original message: pacs.008 or pacs.009."
    ),
    out: Path | None = OUT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
) -> None:
    """The payment's status as an ISO 20022 pacs.002 report (ACSC, PDNG, RJCT)."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        write_xml(client.clearing.status_report(uetr, original), out)


@clearing_query_app.command("statement")
def query_statement(
    participant: str = typer.Argument(..., help="Participant (organisation id)."),
    reader: str = AS_OPTION,
    legal_basis: str = LEGAL_BASIS_OPTION,
    currency: str = CURRENCY_OPTION,
    day: int = typer.Option(..., "--day", min=0, help="Closed business day number (from 0)."),
    out: Path | None = OUT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
) -> None:
    """A closed business day's ISO 20022 camt.053 end-of-day statement."""
    with guard_errors(), open_reading_client(reader, home, node, legal_basis) as client:
        write_xml(client.clearing.statement(participant, currency, day), out)


def open_reading_client(
    reader: str | None, home: Path, node: str | None, legal_basis: str = ""
) -> Client:
    """A client whose requests are signed reads by key `reader` (anonymous when None), citing
    `legal_basis`."""
    wallet = None if reader is None else load_wallet(reader, home)
    return Client(resolve_node_url(node, home), reader=wallet, legal_basis=legal_basis)


def write_xml(xml: bytes, out: Path | None) -> None:
    if out is None:
        typer.echo(xml.decode("utf-8"))
        return
    out.write_bytes(xml)
    typer.echo(f"wrote {len(xml)} bytes to {out}", err=True)


def print_rows(title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(format_field(column, row.get(column, ""), row) for column in columns))
    make_console().print(table)


def format_field(name: str, value: Any, row: Mapping[str, Any]) -> str:
    """Amounts in major units of the row's currency; mappings as `key=value` lines."""
    currency = str(row.get("currency", ""))
    if name in AMOUNT_FIELDS:
        return format_major_units(str(value), currency)
    if isinstance(value, Mapping):
        if name in AMOUNTS_BY_PARTICIPANT_FIELDS:
            value = {k: format_major_units(str(v), currency) for k, v in value.items()}
        return "\n".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def format_major_units(minor_units: str, currency: str) -> str:
    decimals = CURRENCY_DECIMALS.get(currency)
    if decimals is None or not minor_units.lstrip("-").isdigit():
        return minor_units
    return format_amount(int(minor_units), decimals)
