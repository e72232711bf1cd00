"""What every `finchain` command shares: options, error reporting, passwords, names -> addresses.

Error contract: a failure prints `error: <code>: <message>` on stderr and exits with status 1
(`guard_errors`); codes are the node's stable codes (`bank/insufficient_funds`) or the SDK's
(`sdk/node_unavailable`, `keystore/wrong_password`, `cli/bad_argument`).

Node URL resolution (`resolve_node_url`): `--node`, else `$FINCHAIN_NODE`, else the API address
in `HOME/node.json` if that home exists, else http://127.0.0.1:8600.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

from finchain.crypto import format_address, parse_address
from finchain.errors import FinchainError, InvalidTransaction
from finchain.node.config import CONFIG_FILE, NodeConfigError, load_node_config
from finchain.sdk import DEFAULT_URL, Keyring, KeystoreError, Wallet
from finchain.sdk.keystore import PASSWORD_REQUIRED
from finchain.sdk.wallet import DEFAULT_HOME

PASSWORD_ENV = "FINCHAIN_PASSWORD"
HOME_ENV = "FINCHAIN_HOME"
NODE_ENV = "FINCHAIN_NODE"
KEYS_DIR = "keys"

F = TypeVar("F", bound=Callable[..., Any])

HOME_OPTION: Any = typer.Option(
    DEFAULT_HOME,
    "--home",
    envvar=HOME_ENV,
    help="Node home directory (genesis.json, node.json, data/, keys/).",
    show_default=True,
)
NODE_OPTION: Any = typer.Option(
    None,
    "--node",
    help=(
        "API URL of the node. Default: $FINCHAIN_NODE, else the API address in HOME/node.json, "
        f"else {DEFAULT_URL}."
    ),
)
JSON_OPTION: Any = typer.Option(False, "--json", help="Print machine-readable JSON.")
HEIGHT_OPTION: Any = typer.Option(
    None, "--height", min=1, help="Read state as committed at this height (default: latest)."
)


class CliError(FinchainError):
    """A user mistake found by the CLI itself (bad argument, unknown name)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def fail(code: str, message: str) -> NoReturn:
    """Print `error: <code>: <message>` on stderr and exit 1."""
    typer.echo(f"error: {code}: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def guard_errors() -> Iterator[None]:
    """Turn every expected failure into the `error: <code>: <message>` line and exit status 1."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except InvalidTransaction as err:
        fail(str(err.code), err.message)
    except FinchainError as err:
        code = getattr(err, "code", "cli/error")
        message = getattr(err, "message", str(err))
        fail(str(code), str(message))
    except NodeConfigError as err:
        fail("node/bad_config", str(err))
    except ValueError as err:
        fail("cli/bad_argument", str(err))
    except OSError as err:
        fail("cli/os_error", str(err))


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


# ---- homes, keys and addresses -------------------------------------------------------------


def get_keyring(home: Path) -> Keyring:
    return Keyring(home / KEYS_DIR)


def resolve_address(text: str, home: Path) -> str:
    """`0x…` addresses pass through (normalised); anything else is a key name in HOME/keys."""
    if text.lower().startswith("0x"):
        return format_address(parse_address(text))
    keyring = get_keyring(home)
    try:
        return keyring.info(text).address
    except KeystoreError as err:
        raise CliError(
            "cli/unknown_account",
            f"{text!r} is neither a 0x address nor a key in {keyring.directory} ({err.message})",
        ) from None


def resolve_node_url(node: str | None, home: Path | None = None) -> str:
    """See the module docstring for the order of sources."""
    if node:
        return node
    from_env = os.environ.get(NODE_ENV)
    if from_env:
        return from_env
    if home is not None and (home / CONFIG_FILE).is_file():
        try:
            config = load_node_config(home)
        except NodeConfigError:
            return DEFAULT_URL
        if config.api_port:
            return f"http://{_connectable_host(config.api_host)}:{config.api_port}"
    return DEFAULT_URL


def read_password(env_var: str = PASSWORD_ENV, *, prompt: str, confirm: bool = False) -> str:
    """The password from `$env_var`, else asked on the terminal (hidden input)."""
    value = os.environ.get(env_var)
    if value:
        return value
    answer: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return answer


def load_wallet(name: str, home: Path) -> Wallet:
    """Load key `name` from HOME/keys: plaintext keys need no password; else $FINCHAIN_PASSWORD,
    else a prompt."""
    keyring = get_keyring(home)
    password = os.environ.get(PASSWORD_ENV) or None
    if password is None:
        try:
            suite, key = keyring.load(name, None)
            return Wallet(suite, key, name)
        except KeystoreError as err:
            if err.code != PASSWORD_REQUIRED:
                raise
        password = read_password(prompt=f"Password for key {name!r}")
    suite, key = keyring.load(name, password)
    return Wallet(suite, key, name)


def _connectable_host(host: str) -> str:
    """A wildcard listen address is reached through loopback; IPv6 literals need brackets."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
