"""`finchain query` and `finchain status`: read a node's committed state through its API.

Accounts may be named by `0x` address or by a key name of the home's keyring. Tables show
amounts in major units (asset decimals from the node); `--json` prints API-shaped JSON.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from finchain.cli.common import (
    HEIGHT_OPTION,
    HOME_OPTION,
    JSON_OPTION,
    NODE_OPTION,
    guard_errors,
    print_json,
    resolve_address,
    resolve_node_url,
)
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
def query_account(
    account: str = ACCOUNT_ARGUMENT,
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show an account: organisation, nonces and balances."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        view = client.get_account(resolve_address(account, home), height)
        if as_json:
            print_json(account_to_json(view))
        else:
            print_account(view, get_decimals(client))


@query_app.command("balances")
def query_balances(
    account: str = ACCOUNT_ARGUMENT,
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show an account's balances (major units; --json gives minor units)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        address = resolve_address(account, home)
        balances = client.get_balances(address, height)
        if as_json:
            print_json(balances_to_json(balances))
        else:
            print_balances(balances, get_decimals(client), title=f"balances of {account}")


@query_app.command("tx")
def query_tx(
    tx_hash: str = typer.Argument(..., help="Transaction hash (hex)."),
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a committed transaction and its receipt."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        info = client.get_tx(tx_hash)
        if as_json:
            print_json(tx_info_to_json(info))
        else:
            print_tx_info(info)


@query_app.command("block")
def query_block(
    height: int | None = typer.Argument(None, min=0, help="Block height (default: latest)."),
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a block with its transactions' results."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        block = client.get_block("latest" if height is None else height)
        if as_json:
            print_json(block)
        else:
            print_block(block)


@query_app.command("members")
def query_members(
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List member organisations, their roles and accounts."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        members = client.get_members(height)
        if as_json:
            print_json([member_to_json(m) for m in members])
        else:
            print_members(members)


@query_app.command("validators")
def query_validators(
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List the validator set the application records (Ed25519 key, voting power)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        validators = client.get_validators(height)
        if as_json:
            print_json(validators)
        else:
            for validator in validators:
                typer.echo(f"{validator['pub_key']}  power {validator['power']}")


@query_app.command("assets")
def query_assets(
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List assets with their issuer, decimals and supply."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        assets = client.get_assets(height)
        if as_json:
            print_json([asset_to_json(a) for a in assets])
        else:
            print_assets(assets)


def status(
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the node's chain id, crypto suite, height and mempool size."""
    url = resolve_node_url(node, home)
    with guard_errors(), Client(url) as client:
        chain = client.status()
        if as_json:
            print_json(asdict(chain))
        else:
            print_status(chain, client.url)


def get_decimals(client: Client) -> dict[str, int]:
    return {asset.symbol: asset.decimals for asset in client.get_assets()}
