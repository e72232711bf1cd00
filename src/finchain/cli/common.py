"""What every `finchain` command shares: options, error reporting, passwords, names -> addresses.

Shared options are declared once here (`HOME`, `NODE`, `JSON`, `MEMO`, `WAIT`, `AS`,
`LEGAL_BASIS`, `sender(...)`) and added to a command by `with_options`, which hands the command
one `Cli` value holding them (and runs it inside `guard_errors`):

    @query_app.command("assets")
    @with_options(HEIGHT, *READ_OPTIONS)
    def query_assets(cli: Cli) -> None:
        with cli.open_client() as client:
            ...

Error contract: a failure prints `error: <code>: <message>` on stderr and exits with status 1
(`guard_errors`); codes are the node's stable codes (`bank/insufficient_funds`) or the SDK's
(`sdk/node_unavailable`, `keystore/wrong_password`, `cli/bad_argument`).

Node URL resolution (`resolve_node_url`): `--node`, else `$FINCHAIN_NODE`, else the API address
in `HOME/node.json` if that home exists, else http://127.0.0.1:8600.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

from finchain.cli.render import print_tx_result, tx_result_to_json
from finchain.crypto import format_address, parse_address
from finchain.errors import FinchainError, InvalidTransaction
from finchain.keys import PASSWORD_REQUIRED, Keyring, KeystoreError
from finchain.node.config import CONFIG_FILE, NodeConfigError, load_node_config
from finchain.sdk import DEFAULT_URL, Client, SubmitMode, Wallet, parse_amount
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
MEMO_OPTION: Any = typer.Option("", "--memo", help="Free text attached to the transaction.")
ASYNC_OPTION: Any = typer.Option(
    False, "--async", help="Return once the node admits the transaction (do not wait for commit)."
)
AS_OPTION: Any = typer.Option(
    ..., "--as", help="Key name in HOME/keys that signs the read (a member's account)."
)
LEGAL_BASIS_OPTION: Any = typer.Option(
    "",
    "--legal-basis",
    envvar="FINCHAIN_LEGAL_BASIS",
    help="Why you read (a regulator must state it to read other members' data; it is logged).",
)
PASSWORD_ENV_OPTION: Any = typer.Option(
    PASSWORD_ENV,
    "--password-env",
    help="Environment variable holding the key password (prompted for if unset).",
)
UNSAFE_PLAINTEXT_OPTION: Any = typer.Option(
    False, "--unsafe-plaintext", help="Store keys unencrypted (throwaway keys and dev chains only)."
)
DEFAULT_FROM_HELP = "Key name in HOME/keys that signs."


# ---- shared options and the command context ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shared:
    """One shared option: the `Cli` field it fills, its type and its typer declaration."""

    name: str
    annotation: Any
    option: Any


HOME = Shared("home", Path, HOME_OPTION)
NODE = Shared("node", str | None, NODE_OPTION)
JSON = Shared("as_json", bool, JSON_OPTION)
MEMO = Shared("memo", str, MEMO_OPTION)
WAIT = Shared("no_wait", bool, ASYNC_OPTION)
AS = Shared("reader", str, AS_OPTION)
LEGAL_BASIS = Shared("legal_basis", str, LEGAL_BASIS_OPTION)
HEIGHT = Shared("height", int | None, HEIGHT_OPTION)

READ_OPTIONS = (HOME, NODE, JSON)  # a public read
SIGNED_READ_OPTIONS = (AS, LEGAL_BASIS, HOME, NODE, JSON)  # a read signed by --as
TX_OPTIONS = (MEMO, HOME, NODE, WAIT, JSON)  # a signed transaction (with `sender(...)` first)
COMMIT_OPTIONS = (MEMO, HOME, NODE, JSON)  # a transaction that always waits for commit


def sender(help_text: str = DEFAULT_FROM_HELP) -> Shared:
    """`--from KEY`, the key that signs, described for the command (who may send it)."""
    return Shared("sender", str, typer.Option(..., "--from", help=help_text))


@dataclass(frozen=True, slots=True)
class Cli:
    """The shared options of one command invocation, and what commands do with them."""

    home: Path = DEFAULT_HOME
    node: str | None = None
    as_json: bool = False
    memo: str = ""
    no_wait: bool = False
    sender: str = ""
    reader: str | None = None
    legal_basis: str = ""
    height: int | None = None
    title: str = ""

    @property
    def mode(self) -> SubmitMode:
        return "async" if self.no_wait else "commit"

    def open_client(self, reader: Wallet | None = None) -> Client:
        """A client of the node; its reads are signed by `reader`, else by the key `--as`
        names (if the command has one), citing `--legal-basis`."""
        if reader is None and self.reader is not None:
            reader = self.load_wallet(self.reader)
        url = resolve_node_url(self.node, self.home)
        return Client(url, reader=reader, legal_basis=self.legal_basis)

    def load_wallet(self, name: str | None = None) -> Wallet:
        """Key `name` (default: `--from`) of HOME/keys (see `load_wallet`)."""
        return load_wallet(name or self.sender, self.home)

    def resolve_address(self, text: str) -> str:
        return resolve_address(text, self.home)

    def convert_amount(self, client: Client, asset: str, amount: str) -> int:
        """Major units of a bank asset -> minor units, with its decimals from the node."""
        return parse_amount(amount, client.get_asset(asset).decimals)

    def submit(self, client: Client, msg: Any) -> None:
        """Sign `msg` with `--from`, submit it (`--async`: do not wait) and print the result;
        a failed receipt exits 1 with its code."""
        wallet = self.load_wallet()
        result = client.sign_and_submit(wallet, msg, memo=self.memo, mode=self.mode, check=False)
        self.show(tx_result_to_json(result), lambda: print_tx_result(result))
        if result.receipt is not None and not result.receipt.ok:
            fail(result.receipt.code, result.receipt.log or "transaction failed")

    def show(self, data: Any, render: Callable[[], object]) -> None:
        """`--json`: print `data` as JSON; else `render()` it for people."""
        if self.as_json:
            print_json(data)
        else:
            render()


def with_options(*shared: Shared) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorator: add the `shared` options to a command whose first parameter is a `Cli`, and
    run it inside `guard_errors`. Typer sees the command's own parameters, then the shared
    ones in the order given."""

    def wrap(command: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]
        added = [
            inspect.Parameter(
                s.name, inspect.Parameter.KEYWORD_ONLY, default=s.option, annotation=s.annotation
            )
            for s in shared
        ]

        @functools.wraps(command)
        def run(**values: Any) -> None:
            cli = Cli(**{s.name: values.pop(s.name) for s in shared})
            with guard_errors():
                command(cli, **values)

        parameters = [*own, *added]
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        del run.__wrapped__  # typer must read the new signature, not the command's
        return run

    return wrap


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
