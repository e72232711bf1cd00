"""`finchain keys`: create, list and show the keys of a home's keyring (HOME/keys).

Must never: print a secret; `show` prints the address, suite and public key only.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from finchain.cli.common import (
    HOME_OPTION,
    JSON_OPTION,
    PASSWORD_ENV_OPTION,
    UNSAFE_PLAINTEXT_OPTION,
    get_keyring,
    guard_errors,
    print_json,
    read_password,
)
from finchain.cli.init_cmd import validate_suite
from finchain.sdk import KeyInfo

keys_app = typer.Typer(help="Manage keys in HOME/keys (password-protected key files).")


@keys_app.command("new")
def new_key(
    name: str = typer.Argument(..., help="Name of the new key (letters, digits, '_', '.', '-')."),
    suite: str = typer.Option("intl", "--suite", help="Crypto suite of the key: intl or gm."),
    home: Path = HOME_OPTION,
    password_env: str = PASSWORD_ENV_OPTION,
    unsafe_plaintext: bool = UNSAFE_PLAINTEXT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate a new key and store it encrypted in HOME/keys/NAME.json."""
    with guard_errors():
        validate_suite(suite)
        keyring = get_keyring(home)
        keyring.path(name)  # rejects a bad name before asking for a password
        password = None
        if not unsafe_plaintext:
            password = read_password(
                password_env, prompt=f"Password for key {name!r}", confirm=True
            )
        info = keyring.new(name, suite, password, unsafe_plaintext=unsafe_plaintext)
        print_keys([info], as_json, title=f"New key in {keyring.directory}")


@keys_app.command("list")
def list_keys(home: Path = HOME_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List the keys in HOME/keys: name, suite and address."""
    with guard_errors():
        keyring = get_keyring(home)
        print_keys(keyring.list(), as_json, title=f"Keys in {keyring.directory}")


@keys_app.command("show")
def show_key(
    name: str = typer.Argument(..., help="Key name."),
    home: Path = HOME_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one key's address, suite and public key (never the secret)."""
    with guard_errors():
        info = get_keyring(home).info(name)
        if as_json:
            print_json(asdict(info))
            return
        console = Console(highlight=False, soft_wrap=True)
        console.print(f"name:       {info.name}")
        console.print(f"suite:      {info.suite}")
        console.print(f"address:    {info.address}")
        console.print(f"public key: {info.public_key}")


def print_keys(keys: list[KeyInfo], as_json: bool, *, title: str) -> None:
    if as_json:
        print_json([asdict(info) for info in keys])
        return
    table = Table("name", "suite", "address", title=title)
    for info in keys:
        table.add_row(info.name, info.suite, info.address)
    Console(highlight=False).print(table)
