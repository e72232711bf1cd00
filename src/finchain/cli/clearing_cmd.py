"""`finchain tx clearing`: the clearing module's transactions, signed with a key of HOME/keys.

The mechanical ones (`open-account`, `register-bic`, `pledge`, `redeem`, `set-urgent-reserve`,
`run-lsm`, `cut-off`) are generated from the message registry (`tx_cmd.py`); here are those that
add something: `submit-payment` (a fresh UETR by default, any-case priority), `hold`, `release`
and `cancel` of a payment by its UETR, `set-suspended` as a flag pair, and `submit-xml`, which
maps a pacs.008/pacs.009 file at the node and signs one payment per instruction.

Participants and receivers are member organisation ids (`bank-a`). Amounts are given in major
units ("12.34") and converted exactly with the currency's ISO 4217 minor-unit digits
(`finchain.iso20022.CURRENCY_DECIMALS`, the table the ISO 20022 edge uses): clearing balances
are settlement cash per currency, not bank-module assets, so the asset list is not consulted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from finchain.cli.common import (
    HOME,
    JSON,
    NODE,
    TX_OPTIONS,
    WAIT,
    Cli,
    fail,
    print_json,
    sender,
    with_options,
)
from finchain.cli.message_options import convert_clearing_amount
from finchain.cli.render import print_tx_result, tx_result_to_json
from finchain.sdk import (
    TxResult,
    make_cancel_payment,
    make_hold_payment,
    make_release_payment,
    make_set_suspended,
    make_submit_payment,
)

clearing_tx_app = typer.Typer(
    help="Clearing module: settlement accounts, liquidity and interbank payments.",
    no_args_is_help=True,
)

PAYING_BANK = sender("Key name of the paying bank's account.")
UETR_ARGUMENT: Any = typer.Argument(..., help="The payment's UETR (lowercase UUIDv4).")
XML_FILE_ARGUMENT: Any = typer.Argument(..., help="A pacs.008.001.08 or pacs.009.001.08 file.")
PAYMENT_CHANGES: dict[str, tuple[Callable[[str], Any], str]] = {
    "hold": (make_hold_payment, "Take one of your queued payments out of settlement (ON_HOLD)."),
    "release": (
        make_release_payment,
        "Put one of your held payments back in the queue, in its original place.",
    ),
    "cancel": (make_cancel_payment, "Cancel one of your queued or held payments (final)."),
}


@clearing_tx_app.command("submit-payment")
@with_options(PAYING_BANK, *TX_OPTIONS)
def submit_payment(
    cli: Cli,
    receiver: str = typer.Option(..., "--receiver", help="Receiving bank (organisation id)."),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code, e.g. CNY."),
    amount: str = typer.Option(..., "--amount", help="Amount in major units, e.g. 12.34."),
    priority: str = typer.Option("NORMAL", "--priority", help="URGENT, HIGH or NORMAL."),
    msg_id: str = typer.Option(..., "--msg-id", help="Message id (ISO 20022 MsgId)."),
    end_to_end_id: str = typer.Option(..., "--end-to-end-id", help="End-to-end id."),
    uetr: str | None = typer.Option(None, "--uetr", help="UETR (default: a fresh UUIDv4)."),
) -> None:
    """Pay another bank: settles gross at once or is queued (the events show the UETR)."""
    with cli.open_client() as client:
        msg = make_submit_payment(
            receiver,
            currency,
            convert_clearing_amount(currency, amount),
            priority=priority.upper(),
            msg_id=msg_id,
            end_to_end_id=end_to_end_id,
            uetr=uetr,
        )
        cli.submit(client, msg)


def register_payment_change(name: str) -> None:
    """`hold`, `release` and `cancel`: the sending bank changes one of its open payments."""
    build, summary = PAYMENT_CHANGES[name]

    def change(cli: Cli, uetr: str = UETR_ARGUMENT) -> None:
        with cli.open_client() as client:
            cli.submit(client, build(uetr))

    change.__doc__ = summary
    clearing_tx_app.command(name)(with_options(PAYING_BANK, *TX_OPTIONS)(change))


for _name in PAYMENT_CHANGES:
    register_payment_change(_name)


@clearing_tx_app.command("set-suspended")
@with_options(sender("Key of a central-bank or regulator account."), *TX_OPTIONS)
def set_suspended(
    cli: Cli,
    participant: str = typer.Option(..., "--participant", help="Member organisation id."),
    suspended: bool = typer.Option(
        ..., "--suspend/--unsuspend", help="Suspend the participant, or lift its suspension."
    ),
) -> None:
    """Suspend a participant (it can neither send nor receive) or lift the suspension."""
    with cli.open_client() as client:
        cli.submit(client, make_set_suspended(participant, suspended))


@clearing_tx_app.command("submit-xml")
@with_options(sender("Key name of the debtor agent's account."), HOME, NODE, WAIT, JSON)
def submit_xml(cli: Cli, xml_file: Path = XML_FILE_ARGUMENT) -> None:
    """Submit an ISO 20022 payment message: one signed payment per instruction."""
    with cli.open_client() as client:
        xml = xml_file.read_bytes()
        results = client.clearing.submit_iso20022(cli.load_wallet(), xml, cli.mode)
        if cli.as_json:
            print_json([tx_result_to_json(result) for result in results])
        else:
            for result in results:
                print_tx_result(result)
        failures = [f for f in map(describe_failure, results) if f is not None]
        if failures:
            code, message = failures[0]
            fail(code, f"{message} ({len(failures)} of {len(results)} payments failed)")


def describe_failure(result: TxResult) -> tuple[str, str] | None:
    """(code, message) of a rejected or failed submission; None if it succeeded or is pending."""
    if result.error is not None:
        return result.error.code, result.error.message
    if result.receipt is not None and not result.receipt.ok:
        return result.receipt.code, result.receipt.log or "transaction failed"
    return None
