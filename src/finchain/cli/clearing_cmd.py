"""`finchain tx clearing`: the clearing module's transactions, signed with a key of HOME/keys.

Participants and receivers are member organisation ids (`bank-a`). Amounts are given in major
units ("12.34") and converted exactly with the currency's ISO 4217 minor-unit digits
(`finchain.iso20022.CURRENCY_DECIMALS`, the table the ISO 20022 edge uses): clearing balances
are settlement cash per currency, not bank-module assets, so the asset list is not consulted.
`submit-xml` maps a pacs.008/pacs.009 file at the node and signs one payment per instruction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from finchain.cli.common import (
    HOME_OPTION,
    JSON_OPTION,
    NODE_OPTION,
    CliError,
    fail,
    guard_errors,
    load_wallet,
    print_json,
    resolve_node_url,
)
from finchain.cli.render import print_tx_result, tx_result_to_json
from finchain.cli.tx_cmd import ASYNC_OPTION, MEMO_OPTION, sign_submit_and_print
from finchain.iso20022 import CURRENCY_DECIMALS
from finchain.sdk import (
    Client,
    SubmitMode,
    TxResult,
    make_cancel_payment,
    make_clearing_redeem,
    make_cut_off,
    make_hold_payment,
    make_open_account,
    make_pledge,
    make_register_bic,
    make_release_payment,
    make_run_lsm,
    make_set_suspended,
    make_set_urgent_reserve,
    make_submit_payment,
    parse_amount,
)

clearing_tx_app = typer.Typer(
    help="Clearing module: settlement accounts, liquidity and interbank payments.",
    no_args_is_help=True,
)

PARTICIPANT_OPTION: Any = typer.Option(..., "--participant", help="Member organisation id.")
CURRENCY_OPTION: Any = typer.Option(..., "--currency", help="ISO 4217 code, e.g. CNY.")
AMOUNT_OPTION: Any = typer.Option(..., "--amount", help="Amount in major units, e.g. 12.34.")
UETR_ARGUMENT: Any = typer.Argument(..., help="The payment's UETR (lowercase UUIDv4).")
XML_FILE_ARGUMENT: Any = typer.Argument(..., help="A pacs.008.001.08 or pacs.009.001.08 file.")


@clearing_tx_app.command("open-account")
def open_account(
    sender: str = typer.Option(..., "--from", help="Key name of a central-bank account."),
    participant: str = PARTICIPANT_OPTION,
    currency: str = CURRENCY_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Open a participant's settlement account (central bank)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_open_account(participant, currency)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@clearing_tx_app.command("register-bic")
def register_bic(
    sender: str = typer.Option(..., "--from", help="Key name of a central-bank account."),
    participant: str = PARTICIPANT_OPTION,
    bic: str = typer.Option(..., "--bic", help="ISO 9362 BIC, 8 or 11 characters."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List a participant under a BIC in the directory of the ISO 20022 edge (central bank)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_register_bic(participant, bic)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@clearing_tx_app.command("pledge")
def pledge(
    sender: str = typer.Option(..., "--from", help="Key name of a central-bank account."),
    participant: str = PARTICIPANT_OPTION,
    currency: str = CURRENCY_OPTION,
    amount: str = AMOUNT_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Credit settlement cash backed by the participant's reserve account (central bank)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_pledge(participant, currency, convert_clearing_amount(currency, amount))
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@clearing_tx_app.command("redeem")
def redeem(
    sender: str = typer.Option(..., "--from", help="Key name of a central-bank account."),
    participant: str = PARTICIPANT_OPTION,
    currency: str = CURRENCY_OPTION,
    amount: str = AMOUNT_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Debit settlement cash back to the participant's reserve account (central bank)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        minor_units = convert_clearing_amount(currency, amount)
        msg = make_clearing_redeem(participant, currency, minor_units)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@clearing_tx_app.command("set-urgent-reserve")
def set_urgent_reserve(
    sender: str = typer.Option(..., "--from", help="Key name of a bank's account."),
    currency: str = CURRENCY_OPTION,
    amount: str = typer.Option(..., "--amount", help="Reserve in major units (0 clears it)."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Keep part of your bank's balance for URGENT payments only."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_set_urgent_reserve(currency, convert_clearing_amount(currency, amount))
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@clearing_tx_app.command("submit-payment")
def submit_payment(
    sender: str = typer.Option(..., "--from", help="Key name of the paying bank's account."),
    receiver: str = typer.Option(..., "--receiver", help="Receiving bank (organisation id)."),
    currency: str = CURRENCY_OPTION,
    amount: str = AMOUNT_OPTION,
    priority: str = typer.Option("NORMAL", "--priority", help="URGENT, HIGH or NORMAL."),
    msg_id: str = typer.Option(..., "--msg-id", help="Message id (ISO 20022 MsgId)."),
    end_to_end_id: str = typer.Option(..., "--end-to-end-id", help="End-to-end id."),
    uetr: str | None = typer.Option(None, "--uetr", help="UETR (default: a fresh UUIDv4)."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Pay another bank: settles gross at once or is queued (the events show the UETR)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_submit_payment(
            receiver,
            currency,
            convert_clearing_amount(currency, amount),
            priority=priority.upper(),
            msg_id=msg_id,
            end_to_end_id=end_to_end_id,
            uetr=uetr,
        )
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


def _register_payment_change(name: str, build: Callable[[str], Any], summary: str) -> None:
    """`hold`, `release` and `cancel`: the sending bank changes one of its open payments."""

    def change(
        uetr: str = UETR_ARGUMENT,
        sender: str = typer.Option(..., "--from", help="Key name of the paying bank's account."),
        memo: str = MEMO_OPTION,
        home: Path = HOME_OPTION,
        node: str | None = NODE_OPTION,
        no_wait: bool = ASYNC_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        with guard_errors(), Client(resolve_node_url(node, home)) as client:
            sign_submit_and_print(client, sender, home, build(uetr), memo, no_wait, as_json)

    change.__doc__ = summary
    clearing_tx_app.command(name)(change)


_register_payment_change(
    "hold", make_hold_payment, "Take one of your queued payments out of settlement (ON_HOLD)."
)
_register_payment_change(
    "release",
    make_release_payment,
    "Put one of your held payments back in the queue, in its original place.",
)
_register_payment_change(
    "cancel", make_cancel_payment, "Cancel one of your queued or held payments (final)."
)


@clearing_tx_app.command("set-suspended")
def set_suspended(
    sender: str = typer.Option(..., "--from", help="Key of a central-bank or regulator account."),
    participant: str = PARTICIPANT_OPTION,
    suspended: bool = typer.Option(
        ..., "--suspend/--unsuspend", help="Suspend the participant, or lift its suspension."
    ),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Suspend a participant (it can neither send nor receive) or lift the suspension."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_set_suspended(participant, suspended)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@clearing_tx_app.command("run-lsm")
def run_lsm(
    sender: str = typer.Option(..., "--from", help="Key name of a central-bank account."),
    currency: str = CURRENCY_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Retry the queue gross, then run one netting cycle (central bank)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        sign_submit_and_print(client, sender, home, make_run_lsm(currency), memo, no_wait, as_json)


@clearing_tx_app.command("cut-off")
def cut_off(
    sender: str = typer.Option(..., "--from", help="Key name of a central-bank account."),
    currency: str = CURRENCY_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Close the business day: every queued or held payment is rejected (central bank)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        sign_submit_and_print(client, sender, home, make_cut_off(currency), memo, no_wait, as_json)


@clearing_tx_app.command("submit-xml")
def submit_xml(
    xml_file: Path = XML_FILE_ARGUMENT,
    sender: str = typer.Option(..., "--from", help="Key name of the debtor agent's account."),
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Submit an ISO 20022 payment message: one signed payment per instruction."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        xml = xml_file.read_bytes()
        wallet = load_wallet(sender, home)
        mode: SubmitMode = "async" if no_wait else "commit"
        results = client.clearing.submit_iso20022(wallet, xml, mode)
        if as_json:
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


def convert_clearing_amount(currency: str, amount: str) -> int:
    """Major units -> minor units with the currency's ISO 4217 digits."""
    return parse_amount(amount, get_currency_decimals(currency))


def get_currency_decimals(currency: str) -> int:
    decimals = CURRENCY_DECIMALS.get(currency)
    if decimals is None:
        raise CliError(
            "cli/unsupported_currency",
            f"clearing currency {currency!r} is not one of {sorted(CURRENCY_DECIMALS)}",
        )
    return decimals
