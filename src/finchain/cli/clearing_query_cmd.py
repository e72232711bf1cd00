"""`finchain query clearing`: signed reads of the clearing module and its ISO 20022 reports.

Clearing data is private, so every read but `directory` is signed with `--as KEY` (a key of
HOME/keys, password as for `--from`): the node shows a bank its own accounts, the payments it
sends or receives and its own net result of each netting cycle, and the central bank and the
regulator everything. Tables show amounts in major units (ISO 4217 digits of the currency);
`--json` prints the API's JSON (amounts as strings of minor units). The pacs.002 and camt.053
reports are printed as XML, or written with `--out FILE`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finchain.cli.common import (
    AS,
    HOME,
    LEGAL_BASIS,
    NODE,
    READ_OPTIONS,
    SIGNED_READ_OPTIONS,
    Cli,
    Shared,
    with_options,
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
CURRENCY_OPTION: Any = typer.Option(..., "--currency", help="ISO 4217 code, e.g. CNY.")
UETR_ARGUMENT: Any = typer.Argument(..., help="The payment's UETR.")
OUT_OPTION: Any = typer.Option(None, "--out", help="Write the XML to this file.")
OPTIONAL_AS = Shared(
    "reader", str | None, typer.Option(None, "--as", help="Key that signs (optional: public).")
)
Rows = list[dict[str, Any]]


# Reads of one currency shown as a table: (what it lists, the call, its title, its columns).
CURRENCY_READS: dict[str, tuple[str, Callable[[Client, str], Rows], str, tuple[str, ...]]] = {
    "accounts": (
        "Settlement accounts you may see (a bank: its own).",
        lambda client, currency: client.clearing.accounts(currency),
        "settlement accounts",
        ("participant", "currency", "balance", "reserved_for_urgent"),
    ),
    "queue": (
        "Queued and held payments you may see, in queue order.",
        lambda client, currency: client.clearing.queue(currency),
        "queue",
        ("uetr", "sender", "receiver", "amount", "priority", "status"),
    ),
    "days": (
        "Closed business days (cut-offs) with the closing balances you may see.",
        lambda client, currency: client.clearing.days(currency),
        "business days",
        ("day", "height", "currency", "closing_balances"),
    ),
}


def add_currency_read(name: str) -> None:
    summary, read, title, columns = CURRENCY_READS[name]

    def query(cli: Cli, currency: str = CURRENCY_OPTION) -> None:
        with cli.open_client() as client:
            rows = read(client, currency)
        cli.show(rows, lambda: print_rows(f"{currency} {title}", rows, columns))

    query.__doc__ = summary
    clearing_query_app.command(name)(with_options(*SIGNED_READ_OPTIONS)(query))


for _name in CURRENCY_READS:
    add_currency_read(_name)


@clearing_query_app.command("payment")
@with_options(*SIGNED_READ_OPTIONS)
def query_payment(cli: Cli, uetr: str = UETR_ARGUMENT) -> None:
    """A payment your bank sends or receives (not found otherwise)."""
    with cli.open_client() as client:
        payment = client.clearing.payment(uetr)
    cli.show(payment, lambda: print_fields(payment))


@clearing_query_app.command("cycles")
@with_options(*SIGNED_READ_OPTIONS)
def query_cycles(cli: Cli) -> None:
    """Netting cycles (a bank sees its own net result of each)."""
    with cli.open_client() as client:
        cycles = client.clearing.cycles()
    rows = [dict(c, settled=len(c.get("settled", ()))) for c in cycles]
    columns = ("number", "height", "currency", "settled", "net_changes", "deadlock")
    cli.show(cycles, lambda: print_rows("netting cycles", rows, columns))


@clearing_query_app.command("directory")
@with_options(OPTIONAL_AS, LEGAL_BASIS, *READ_OPTIONS)
def query_directory(cli: Cli) -> None:
    """The BIC directory: which participant each BIC belongs to."""
    with cli.open_client() as client:
        directory = client.clearing.directory()
    cli.show(directory, lambda: print_rows("BIC directory", directory, ("bic", "participant")))


@clearing_query_app.command("status-report")
@with_options(AS, LEGAL_BASIS, HOME, NODE)
def query_status_report(
    cli: Cli,
    uetr: str = UETR_ARGUMENT,
    original: str = typer.Option(
        "pacs.008", "--original", help="The original message: pacs.008 or pacs.009."
    ),
    out: Path | None = OUT_OPTION,
) -> None:
    """The payment's status as an ISO 20022 pacs.002 report (ACSC, PDNG, RJCT)."""
    with cli.open_client() as client:
        write_xml(client.clearing.status_report(uetr, original), out)


@clearing_query_app.command("statement")
@with_options(AS, LEGAL_BASIS, HOME, NODE)
def query_statement(
    cli: Cli,
    participant: str = typer.Argument(..., help="Participant (organisation id)."),
    currency: str = CURRENCY_OPTION,
    day: int = typer.Option(..., "--day", min=0, help="Closed business day number (from 0)."),
    out: Path | None = OUT_OPTION,
) -> None:
    """A closed business day's ISO 20022 camt.053 end-of-day statement."""
    with cli.open_client() as client:
        write_xml(client.clearing.statement(participant, currency, day), out)


def write_xml(xml: bytes, out: Path | None) -> None:
    if out is None:
        typer.echo(xml.decode("utf-8"))
        return
    out.write_bytes(xml)
    typer.echo(f"wrote {len(xml)} bytes to {out}", err=True)


def print_fields(row: Mapping[str, Any]) -> None:
    table = make_field_table()
    for key, value in row.items():
        table.add_row(key, format_field(key, value, row))
    make_console().print(table)


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
