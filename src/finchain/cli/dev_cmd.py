"""`finchain dev` (one-command development chain) and `finchain node start` (run a node home).

`dev` creates HOME on first use (dev organisation keys encrypted with the dev password
"finchain-dev", or $FINCHAIN_PASSWORD), prints the keys, the password, the API URL and a curl
example, then serves the node in the foreground until Ctrl-C. `--reset` wipes HOME first.

Concurrency: the node runs in this process; `serve()` blocks until the server stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from finchain.cli.common import (
    HOME_OPTION,
    PASSWORD_ENV,
    CliError,
    fail,
    get_keyring,
    guard_errors,
)
from finchain.cli.init_cmd import (
    DEFAULT_API_PORT,
    DEFAULT_CHAIN_ID,
    initialise_home,
    validate_home_is_free,
    validate_suite,
)
from finchain.node.config import GENESIS_FILE, load_node_config, save_node_config
from finchain.node.node import CometbftExited, Node, configure_logging
from finchain.sdk import KeyInfo

DEV_PASSWORD = "finchain-dev"

node_app = typer.Typer(help="Run a node.", no_args_is_help=True)


def dev(
    home: Path = HOME_OPTION,
    suite: str = typer.Option("intl", "--suite", help="Crypto suite of a new chain: intl or gm."),
    port: int | None = typer.Option(
        None, "--port", help=f"API port (default {DEFAULT_API_PORT}, or the home's node.json)."
    ),
    chain_id: str = typer.Option(DEFAULT_CHAIN_ID, "--chain-id", help="Chain id of a new chain."),
    reset: bool = typer.Option(False, "--reset", help="Wipe HOME and start a fresh chain."),
) -> None:
    """Start a one-node development chain (creates HOME with dev keys on first use)."""
    with guard_errors():
        validate_suite(suite)
        if reset and home.exists():
            validate_home_is_free(home, force=True)
            shutil.rmtree(home)
        password_from_env = os.environ.get(PASSWORD_ENV)
        password = password_from_env or DEV_PASSWORD
        created = not (home / GENESIS_FILE).is_file()
        if created:
            initialise_home(
                home,
                chain_id=chain_id,
                suite_name=suite,
                password=password,
                api_port=DEFAULT_API_PORT if port is None else port,
            )
        elif port is not None:
            set_api_port(home, port)
        config = load_node_config(home)
        url = f"http://{config.api_host}:{config.api_port}"
        keys = get_keyring(home).list()
        shown_password = f"from ${PASSWORD_ENV}" if password_from_env else DEV_PASSWORD
        print_dev_banner(home, keys, shown_password if created else None, url)
        configure_logging(config.log_level)
        node = Node.open(home)
    run_until_interrupted(node)


@node_app.command("start")
def start(
    home: Path = HOME_OPTION,
    port: int | None = typer.Option(None, "--port", help="Override the API port of node.json."),
) -> None:
    """Run the node of an initialised HOME in the foreground (Ctrl-C to stop).

    With `"engine": "cometbft"` in HOME/node.json this is one member's consortium node: the
    application for its CometBFT node (started as a child when `cometbft_home` is set)."""
    with guard_errors():
        if port is not None:
            set_api_port(home, port)
        config = load_node_config(home)
        if config.engine == "cometbft":
            typer.echo(
                f"finchain member node: home {home}, API http://{config.api_host}:"
                f"{config.api_port}, ABCI {config.abci_address}, CometBFT RPC "
                f"{config.cometbft_rpc_url}"
            )
        elif not (home / GENESIS_FILE).is_file():
            raise CliError(
                "cli/no_home",
                f"{home} has no {GENESIS_FILE}; create it with `finchain init --home {home}`",
            )
        else:
            typer.echo(
                f"finchain node: home {home}, API http://{config.api_host}:{config.api_port}"
            )
        configure_logging(config.log_level)
        node = Node.open(home)
    run_until_interrupted(node)


def set_api_port(home: Path, port: int) -> None:
    config = load_node_config(home)
    if config.api_port != port:
        save_node_config(home, dataclasses.replace(config, api_port=port))


def run_until_interrupted(node: Node) -> None:
    with guard_errors(), contextlib.suppress(KeyboardInterrupt):
        try:
            node.serve()
        except CometbftExited as exc:
            fail("node/cometbft_exited", str(exc))
    typer.echo("finchain node stopped")


def print_dev_banner(home: Path, keys: list[KeyInfo], password: str | None, url: str) -> None:
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]finchain dev chain[/] home={home}")
    table = Table("key", "suite", "address", title=f"Keys in {home / 'keys'}")
    for info in keys:
        table.add_row(info.name, info.suite, info.address)
    console.print(table)
    if password == DEV_PASSWORD:
        console.print(f"key password: {password}  (export {PASSWORD_ENV}={password})")
    elif password is not None:
        console.print(f"key password: {password}")
    else:
        console.print(f"key password: the one set when {home} was created (${PASSWORD_ENV})")
    console.print(f"API:          {url}   (OpenAPI docs at {url}/docs)")
    console.print(f"try:          curl {url}/v1/status")
    first = next((k for k in keys if k.name == "bank-a"), keys[0] if keys else None)
    if first is not None:
        console.print(f"              curl {url}/v1/accounts/{first.address}")
        console.print(
            f"              finchain tx bank issue --home {home} --from pboc "
            f"--to {first.name} --asset CNY --amount 100.00"
        )
    console.print("Ctrl-C stops the node.")
