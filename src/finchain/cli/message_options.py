"""Options and values of the commands generated from the message registry (`tx`, `gov propose`).

A message type's fields (`finchain.model.message.message_fields`) become required options
(`--field-name`, or a name given per command), and their command-line text becomes what the
SDK's `build_message` takes: an `address` field resolves a key name of HOME/keys, and `amount`
is major units of the field `asset` (a bank asset: decimals from the node) or `currency` (a
clearing currency: ISO 4217 digits). Also the clearing currencies' unit conversion, which the
hand-written clearing commands use too.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

import typer

from finchain.cli.common import Cli, CliError
from finchain.iso20022 import CURRENCY_DECIMALS
from finchain.model.message import message_fields
from finchain.sdk import Client, parse_amount
from finchain.sdk.messages import MONEY_FIELDS

FIELD_HELP = {
    "to": "Recipient: 0x address or key name.",
    "address": "Account: 0x address or key name.",
    "asset": "Asset symbol, e.g. CNY.",
    "currency": "ISO 4217 code, e.g. CNY.",
    "amount": "Amount in major units, e.g. 12.34.",
    "participant": "Member organisation id.",
    "bic": "ISO 9362 BIC, 8 or 11 characters.",
    "org_id": "Member organisation id, e.g. bank-d.",
    "role": "Role: admin, central_bank, bank, payment_institution, regulator, ...",
    "weight": "Voting weight; 0: may not vote.",
    "orgs": 'Organisations the regulator supervises, comma-separated, or "*".',
}
PUB_KEY_OPTION: Any = typer.Option(
    ...,
    "--pub-key",
    help="Ed25519 consensus key: base64 (pub_key.value of priv_validator_key.json) or hex.",
)
KIND_HELP = {
    "address": "0x address or key name",
    "bytes": "hex text",
    "int": "an integer",
    "str": "text",
}


def make_field_parameters(
    type_name: str, option_names: Mapping[str, str] | None = None
) -> list[inspect.Parameter]:
    """One required keyword parameter (a typer option) per field of `type_name`, named
    `--field-name` unless `option_names` names it otherwise."""
    names = option_names or {}
    return [
        make_field_parameter(name, kind, names.get(name, f"--{name.replace('_', '-')}"))
        for name, kind in message_fields(type_name)
    ]


def make_field_parameter(name: str, kind: str, option_name: str) -> inspect.Parameter:
    help_text = FIELD_HELP.get(name, f"{name}: {KIND_HELP[kind]}.")
    if name in MONEY_FIELDS and kind == "int":
        help_text = FIELD_HELP["amount"]
    option = typer.Option(..., option_name, help=help_text)
    annotation = int if kind == "int" and name not in MONEY_FIELDS else str
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation
    )


def convert_field_values(
    cli: Cli, client: Client, type_name: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Command-line values as the message builder takes them (see the module docstring)."""
    converted = dict(values)
    for name, kind in message_fields(type_name):
        if kind == "address":
            converted[name] = cli.resolve_address(str(values[name]))
        elif name in MONEY_FIELDS:
            converted[name] = convert_money(cli, client, values, str(values[name]))
    return converted


def convert_money(cli: Cli, client: Client, values: Mapping[str, Any], amount: str) -> int:
    if "asset" in values:
        return cli.convert_amount(client, str(values["asset"]), amount)
    if "currency" in values:
        return convert_clearing_amount(str(values["currency"]), amount)
    return int(amount)  # no unit to scale by: minor units


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


def compute_command_name(message_name: str) -> str:
    """`SetUrgentReserve@1` -> `set-urgent-reserve` (the version is dropped)."""
    name = message_name.partition("@")[0]
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
