"""`finchain query` and `finchain status`: read a node's committed state through its API.

Accounts may be named by `0x` address or by a key name of the home's keyring. Tables show
amounts in major units (asset decimals from the node); `--json` prints API-shaped JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import typer

from finchain.cli.common import HEIGHT, READ_OPTIONS, Cli, with_options
from finchain.cli.render import (
    account_to_json,
    asset_to_json,
    balances_to_json,
    member_to_json,
    print_account,
    print_assets,
    print_balances,
    print_block,
    print_members,
    print_status,
    print_tx_info,
    tx_info_to_json,
)
from finchain.sdk import Client

query_app = typer.Typer(help="Query committed chain state.", no_args_is_help=True)

ACCOUNT_ARGUMENT = typer.Argument(..., help="0x address, or a key name in HOME/keys.")


@query_app.command("account")
@with_options(HEIGHT, *READ_OPTIONS)
def query_account(cli: Cli, account: str = ACCOUNT_ARGUMENT) -> None:
    """Show an account: organisation, nonces and balances."""
    with cli.open_client() as client:
        view = client.get_account(cli.resolve_address(account), cli.height)
        decimals = {} if cli.as_json else get_decimals(client)
    cli.show(account_to_json(view), lambda: print_account(view, decimals))


@query_app.command("balances")
@with_options(HEIGHT, *READ_OPTIONS)
def query_balances(cli: Cli, account: str = ACCOUNT_ARGUMENT) -> None:
    """Show an account's balances (major units; --json gives minor units)."""
    with cli.open_client() as client:
        balances = client.get_balances(cli.resolve_address(account), cli.height)
        decimals = {} if cli.as_json else get_decimals(client)
    title = f"balances of {account}"
    cli.show(balances_to_json(balances), lambda: print_balances(balances, decimals, title=title))


@query_app.command("tx")
@with_options(*READ_OPTIONS)
def query_tx(cli: Cli, tx_hash: str = typer.Argument(..., help="Transaction hash (hex).")) -> None:
    """Show a committed transaction and its receipt."""
    with cli.open_client() as client:
        info = client.get_tx(tx_hash)
    cli.show(tx_info_to_json(info), lambda: print_tx_info(info))


@query_app.command("block")
@with_options(*READ_OPTIONS)
def query_block(
    cli: Cli,
    height: int | None = typer.Argument(None, min=0, help="Block height (default: latest)."),
) -> None:
    """Show a block with its transactions' results."""
    with cli.open_client() as client:
        block = client.get_block("latest" if height is None else height)
    cli.show(block, lambda: print_block(block))


# Lists read at a height: (what it lists, the call, its JSON form, its rendering).
LIST_READS: dict[str, tuple[str, Callable[[Client, int | None], Any], Any, Any]] = {
    "members": (
        "List member organisations, their roles and accounts.",
        lambda client, height: client.get_members(height),
        lambda members: [member_to_json(m) for m in members],
        print_members,
    ),
    "validators": (
        "List the validator set the application records (Ed25519 key, voting power).",
        lambda client, height: client.get_validators(height),
        lambda validators: validators,
        lambda validators: print_validators(validators),
    ),
    "assets": (
        "List assets with their issuer, decimals and supply.",
        lambda client, height: client.get_assets(height),
        lambda assets: [asset_to_json(a) for a in assets],
        print_assets,
    ),
}


def add_list_read(name: str) -> None:
    summary, read, to_json, render = LIST_READS[name]

    def query(cli: Cli) -> None:
        with cli.open_client() as client:
            items = read(client, cli.height)
        cli.show(to_json(items), lambda: render(items))

    query.__doc__ = summary
    query_app.command(name)(with_options(HEIGHT, *READ_OPTIONS)(query))


for _name in LIST_READS:
    add_list_read(_name)


@with_options(*READ_OPTIONS)
def status(cli: Cli) -> None:
    """Show the node's chain id, crypto suite, height and mempool size."""
    with cli.open_client() as client:
        chain = client.status()
    cli.show(asdict(chain), lambda: print_status(chain, client.url))


def print_validators(validators: list[dict[str, Any]]) -> None:
    for validator in validators:
        typer.echo(f"{validator['pub_key']}  power {validator['power']}")


def get_decimals(client: Client) -> dict[str, int]:
    return {asset.symbol: asset.decimals for asset in client.get_assets()}
