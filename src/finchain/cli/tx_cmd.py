"""`finchain tx`: sign with a key of HOME/keys and submit to a node (bank, members, validators).

Amounts are given in major units ("12.34") and converted exactly with the asset's decimals read
from the node. `--to`/`--address` take a `0x…` address or a key name of the home's keyring.
The key password comes from $FINCHAIN_PASSWORD, else a prompt (plaintext keys need none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from finchain.cli.common import (
    HOME_OPTION,
    JSON_OPTION,
    NODE_OPTION,
    fail,
    guard_errors,
    load_wallet,
    print_json,
    resolve_address,
    resolve_node_url,
)
from finchain.cli.render import print_tx_result, tx_result_to_json
from finchain.sdk import (
    Client,
    SubmitMode,
    make_add_account,
    make_issue,
    make_redeem,
    make_set_validator_power,
    make_transfer,
    parse_amount,
)

tx_app = typer.Typer(help="Sign and submit transactions.", no_args_is_help=True)
bank_app = typer.Typer(help="Bank module: issue, transfer and redeem assets.", no_args_is_help=True)
members_app = typer.Typer(
    help="Members module: accounts of your organisation.", no_args_is_help=True
)
tx_app.add_typer(bank_app, name="bank")
validators_app = typer.Typer(
    help="Validators module: change the consensus validator set (admin members).",
    no_args_is_help=True,
)
tx_app.add_typer(members_app, name="members")
tx_app.add_typer(validators_app, name="validators")

FROM_OPTION: Any = typer.Option(..., "--from", help="Key name in HOME/keys that signs.")
TO_OPTION: Any = typer.Option(..., "--to", help="Recipient: 0x address or key name.")
ASSET_OPTION: Any = typer.Option(..., "--asset", help="Asset symbol, e.g. CNY.")
AMOUNT_OPTION: Any = typer.Option(..., "--amount", help="Amount in major units, e.g. 12.34.")
ASYNC_OPTION: Any = typer.Option(
    False, "--async", help="Return once the node admits the transaction (do not wait for commit)."
)
MEMO_OPTION: Any = typer.Option("", "--memo", help="Free text attached to the transaction.")


@bank_app.command("transfer")
def transfer(
    sender: str = FROM_OPTION,
    to: str = TO_OPTION,
    asset: str = ASSET_OPTION,
    amount: str = AMOUNT_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Transfer an asset from --from to --to."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        minor_units = convert_amount(client, asset, amount)
        msg = make_transfer(resolve_address(to, home), asset, minor_units)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@bank_app.command("issue")
def issue(
    sender: str = typer.Option(..., "--from", help="Key name of the asset's issuer."),
    to: str = TO_OPTION,
    asset: str = ASSET_OPTION,
    amount: str = AMOUNT_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Issue new units of an asset to --to (only its issuer may)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        minor_units = convert_amount(client, asset, amount)
        msg = make_issue(resolve_address(to, home), asset, minor_units)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@bank_app.command("redeem")
def redeem(
    sender: str = FROM_OPTION,
    asset: str = ASSET_OPTION,
    amount: str = AMOUNT_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Redeem (destroy) units of an asset held by --from."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_redeem(asset, convert_amount(client, asset, amount))
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@members_app.command("add-account")
def add_account(
    sender: str = FROM_OPTION,
    address: str = typer.Option(..., "--address", help="New account: 0x address or key name."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register another account for the organisation of --from."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_add_account(resolve_address(address, home))
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@validators_app.command("set-power")
def set_validator_power(
    sender: str = FROM_OPTION,
    pub_key: str = typer.Option(
        ...,
        "--pub-key",
        help="Ed25519 consensus key: base64 (pub_key.value of priv_validator_key.json) or hex.",
    ),
    power: int = typer.Option(..., "--power", help="New voting power; 0 removes the validator."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add, re-weight or remove a validator (CometBFT applies it two blocks later)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_set_validator_power(pub_key, power)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


def convert_amount(client: Client, asset: str, amount: str) -> int:
    """Major units -> minor units with the asset's decimals from the node."""
    return parse_amount(amount, client.get_asset(asset).decimals)


def sign_submit_and_print(
    client: Client, sender: str, home: Path, msg: Any, memo: str, no_wait: bool, as_json: bool
) -> None:
    wallet = load_wallet(sender, home)
    mode: SubmitMode = "async" if no_wait else "commit"
    result = client.sign_and_submit(wallet, msg, memo=memo, mode=mode, check=False)
    if as_json:
        print_json(tx_result_to_json(result))
    else:
        print_tx_result(result)
    if result.receipt is not None and not result.receipt.ok:
        fail(result.receipt.code, result.receipt.log or "transaction failed")
