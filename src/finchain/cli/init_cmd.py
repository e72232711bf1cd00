"""`finchain init`: create a node home with dev organisation keys, genesis.json and node.json.

Home layout: HOME/genesis.json, HOME/node.json, HOME/keys/<org>.json (keys of pboc, bank-a,
bank-b, regulator), HOME/data/ (created by the node). An existing home is only replaced with
`--force`, and only if it looks like a finchain home (so `--force` never wipes an unrelated
directory).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from finchain.app import load_genesis
from finchain.cli.common import (
    HOME_OPTION,
    PASSWORD_ENV_OPTION,
    UNSAFE_PLAINTEXT_OPTION,
    CliError,
    get_keyring,
    guard_errors,
    read_password,
)
from finchain.crypto import parse_address, suite_names
from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.wiring import MODULES
from finchain.sdk import KeyInfo

DEFAULT_CHAIN_ID = "finchain-dev"
DEFAULT_API_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8600
GENESIS_FILE = "genesis.json"
HOME_MARKERS = ("genesis.json", "node.json", "keys", "data")


def init(
    home: Path = HOME_OPTION,
    chain_id: str = typer.Option(DEFAULT_CHAIN_ID, "--chain-id", help="Chain id of the genesis."),
    suite: str = typer.Option("intl", "--suite", help="Crypto suite of the chain: intl or gm."),
    port: int = typer.Option(DEFAULT_API_PORT, "--port", help="API port written to node.json."),
    password_env: str = PASSWORD_ENV_OPTION,
    unsafe_plaintext: bool = UNSAFE_PLAINTEXT_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace an existing home (wipes it)."),
    voting_period_blocks: int | None = typer.Option(
        None,
        "--voting-period-blocks",
        min=1,
        help="Governance votes last this many blocks (default 10).",
    ),
) -> None:
    """Create a node home: keys for pboc, bank-a, bank-b, bank-c and regulator, genesis and
    node config."""
    with guard_errors():
        validate_suite(suite)
        validate_home_is_free(home, force)
        password = None
        if not unsafe_plaintext:
            password = read_password(password_env, prompt="Password for the new keys", confirm=True)
        governance = (
            {} if voting_period_blocks is None else {"voting_period_blocks": voting_period_blocks}
        )
        keys = initialise_home(
            home,
            chain_id=chain_id,
            suite_name=suite,
            password=password,
            api_port=port,
            force=force,
            governance=governance,
        )
        print_home_summary(home, chain_id, suite, keys, port)


def initialise_home(
    home: Path,
    *,
    chain_id: str,
    suite_name: str,
    password: str | None,
    api_port: int = DEFAULT_API_PORT,
    force: bool = False,
    governance: dict[str, Any] | None = None,
) -> list[KeyInfo]:
    """Write a complete dev home; `password` None stores the keys in clear. Returns the keys."""
    validate_suite(suite_name)
    validate_home_is_free(home, force)
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    keyring = get_keyring(home)
    keys = [
        keyring.new(org_id, suite_name, password, unsafe_plaintext=password is None)
        for org_id, _, _ in DEV_ORGS
    ]
    org_accounts = {info.name: bytes(parse_address(info.address)) for info in keys}
    genesis = make_dev_genesis(
        chain_id, suite_name, org_accounts, genesis_time_ms=time.time_ns() // 1_000_000
    )
    if governance:
        genesis = genesis.with_section("governance", governance)
    checked = load_genesis(genesis.to_json(), MODULES)  # a bad chain id fails before anything runs
    text = json.dumps(checked.to_json(), indent=2, sort_keys=True) + "\n"
    (home / GENESIS_FILE).write_text(text, encoding="utf-8")
    save_node_config(home, NodeConfig(api_host=DEFAULT_API_HOST, api_port=api_port))
    return keys


def validate_suite(suite_name: str) -> None:
    if suite_name not in suite_names():
        raise CliError(
            "cli/bad_argument", f"unknown crypto suite {suite_name!r}; choose {suite_names()}"
        )


def validate_home_is_free(home: Path, force: bool) -> None:
    """Raise unless `home` is absent or empty, or `force` is set and it is a finchain home."""
    if not home.exists():
        return
    if not home.is_dir():
        raise CliError("cli/home_exists", f"{home} exists and is not a directory")
    entries = list(home.iterdir())
    if not entries:
        return
    if not force:
        raise CliError(
            "cli/home_exists", f"{home} already exists; pass --force to wipe and recreate it"
        )
    if not any((home / marker).exists() for marker in HOME_MARKERS):
        raise CliError(
            "cli/home_exists",
            f"{home} is not a finchain home (no genesis.json, node.json, keys/ or data/); "
            "refusing to wipe it even with --force",
        )


def print_home_summary(
    home: Path, chain_id: str, suite_name: str, keys: list[KeyInfo], port: int
) -> None:
    console = Console(highlight=False)
    console.print(f"Initialised [bold]{home}[/] (chain {chain_id}, suite {suite_name})")
    table = Table("key", "address", title="Keys in " + str(home / "keys"))
    for info in keys:
        table.add_row(info.name, info.address)
    console.print(table)
    console.print(f"Start the node with: finchain node start --home {home}  (API port {port})")
