"""`finchain contract`: deploy, call and query smart contracts; read their ABI, code and events.

    finchain contract deploy examples/contracts/token.py --from bank-a --arg TOK --arg 1000
    finchain contract call 0x… transfer 0x… 10 --from bank-a
    finchain contract call 0x… fund --from bank-a --asset CNY --amount 12.50
    finchain contract query 0x… balance_of 0x…
    finchain contract events 0x… --from-height 1
    finchain contract abi 0x… | info 0x… | code 0x… | list | params

Arguments (`--arg` of deploy, the positional ones of call and query) are `@name` for the address
of key `name` in HOME/keys, else JSON if they parse as JSON, else strings: `10` is an int,
`true` a bool, `[1,2]` a list, `0xab…` and `TOK` strings, `'"10"'` the string "10". A `bytes`
parameter takes hex text. Put `--` before an argument that starts with `-` (a negative number).
`call` checks its arguments against the contract's ABI before signing; `--amount` is in major
units of `--asset` (converted with the asset's decimals), paid to the contract before the
function runs. `--fee` must cover `--compute-limit` at the
chain's compute price (`finchain contract params`).

Keys are names in HOME/keys (password from $FINCHAIN_PASSWORD, else a prompt). `query` prints
the function's value as JSON on stdout and the compute it used on stderr; other reads print
tables for people, `--json` for the API's JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finchain.cli.common import (
    COMMIT_OPTIONS,
    HEIGHT,
    READ_OPTIONS,
    Cli,
    CliError,
    print_json,
    resolve_address,
    sender,
    with_options,
)
from finchain.cli.render import make_console, make_field_table, print_tx_result, tx_result_to_json
from finchain.sdk import ContractEvent
from finchain.sdk.contracts import (
    DEFAULT_COMPUTE_LIMIT,
    MAX_EVENT_BLOCKS,
    convert_json_args,
    parse_abi,
)

contract_app = typer.Typer(
    help="Smart contracts: deploy, call, query; read their ABI, code and events.",
    no_args_is_help=True,
)

ADDRESS_ARGUMENT: Any = typer.Argument(..., help="The contract's 0x address.")
FUNCTION_ARGUMENT: Any = typer.Argument(..., help="An exported function of the contract.")
ARGS_ARGUMENT: Any = typer.Argument(
    None, help="The function's arguments: each is JSON if it parses, else a string."
)
COMPUTE_LIMIT_OPTION: Any = typer.Option(
    DEFAULT_COMPUTE_LIMIT, "--compute-limit", min=1, help="Compute units the call may use."
)
SOURCE_ARGUMENT: Any = typer.Argument(
    ..., exists=True, dir_okay=False, help="The contract's Python source file."
)
INIT_ARG_OPTION: Any = typer.Option(
    None, "--arg", help="An argument of the contract's init (repeat, in order; JSON or text)."
)
FEE_OPTION: Any = typer.Option(
    0, "--fee", min=0, help="Fee in minor units (covers the compute limit at its price)."
)


# ---- transactions -------------------------------------------------------------------------------


@contract_app.command("deploy")
@with_options(sender(), *COMMIT_OPTIONS)
def deploy(
    cli: Cli,
    source: Path = SOURCE_ARGUMENT,
    init_args: list[str] | None = INIT_ARG_OPTION,
    compute_limit: int = COMPUTE_LIMIT_OPTION,
    fee: int = FEE_OPTION,
) -> None:
    """Deploy a contract; prints its address, code hash and the compute its deploy used."""
    with cli.open_client() as client:
        code = source.read_text(encoding="utf-8")
        args = [parse_cli_value(text, cli.home) for text in init_args or ()]
        wallet = cli.load_wallet()
        deployed = client.contracts.deploy(
            wallet, code, *args, compute_limit=compute_limit, fee=fee, memo=cli.memo
        )
        fields = {
            "address": deployed.address,
            "code_hash": deployed.code_hash,
            "compute_used": deployed.compute_used,
        }
        if cli.as_json:
            print_json({**tx_result_to_json(deployed.tx), **fields})
            return
        print_tx_result(deployed.tx)
        print_fields(fields)


@contract_app.command("call")
@with_options(sender(), *COMMIT_OPTIONS)
def call(
    cli: Cli,
    address: str = ADDRESS_ARGUMENT,
    function: str = FUNCTION_ARGUMENT,
    args: list[str] | None = ARGS_ARGUMENT,
    asset: str = typer.Option("", "--asset", help="Asset to pay the contract, e.g. CNY."),
    amount: str = typer.Option("", "--amount", help="Amount to pay, major units (needs --asset)."),
    compute_limit: int = COMPUTE_LIMIT_OPTION,
    fee: int = FEE_OPTION,
) -> None:
    """Call a function as a transaction (arguments checked against the ABI first)."""
    with cli.open_client() as client:
        if bool(asset) != bool(amount):
            raise CliError("cli/bad_argument", "--asset and --amount go together")
        values = [parse_cli_value(text, cli.home) for text in args or ()]
        abi_function = parse_abi(client.contracts.info(address)).get(function)
        if abi_function is not None:  # an unknown function is the node's to refuse, by code
            values = convert_json_args(abi_function, values)
        minor_units = cli.convert_amount(client, asset, amount) if asset else 0
        result = client.contracts.call(
            cli.load_wallet(),
            address,
            function,
            *values,
            compute_limit=compute_limit,
            asset=asset,
            amount=minor_units,
            fee=fee,
            memo=cli.memo,
        )
        if cli.as_json:
            print_json({**tx_result_to_json(result.tx), "compute_used": result.compute_used})
            return
        print_tx_result(result.tx)
        print_fields({"compute_used": result.compute_used})


# ---- reads --------------------------------------------------------------------------------------


@contract_app.command("query")
@with_options(HEIGHT, *READ_OPTIONS)
def query(
    cli: Cli,
    address: str = ADDRESS_ARGUMENT,
    function: str = FUNCTION_ARGUMENT,
    args: list[str] | None = ARGS_ARGUMENT,
    caller: str | None = typer.Option(
        None, "--caller", help="`ctx.caller` of the call, a 0x address (default all zeros)."
    ),
) -> None:
    """Run a function read-only (no transaction, no fee); prints its value as JSON."""
    with cli.open_client() as client:
        values = [parse_cli_value(text, cli.home) for text in args or ()]
        answer = client.contracts.query(
            address, function, *values, caller=caller, height=cli.height
        )
        if cli.as_json:
            print_json(
                {
                    "result": answer.result,
                    "compute_used": answer.compute_used,
                    "height": answer.height,
                }
            )
            return
        typer.echo(json.dumps(answer.result, indent=2))
        typer.echo(f"compute used {answer.compute_used} at height {answer.height}", err=True)


@contract_app.command("events")
@with_options(*READ_OPTIONS)
def events(
    cli: Cli,
    address: str = ADDRESS_ARGUMENT,
    from_height: int | None = typer.Option(
        None,
        "--from-height",
        min=1,
        help=f"First block (default: the last {MAX_EVENT_BLOCKS:,} blocks up to --to-height).",
    ),
    to_height: int | None = typer.Option(
        None, "--to-height", min=1, help="Last block (default: the latest)."
    ),
) -> None:
    """The contract's own events (`contract.*`) in committed blocks, oldest first."""
    with cli.open_client() as client:
        found = client.contracts.events(address, from_height, to_height)
        if cli.as_json:
            print_json([event_to_json(e) for e in found])
            return
        table = Table("height", "tx", "event", "attributes", title="events")
        for event in found:
            attributes = {k: v for k, v in event.attributes.items() if k != "contract"}
            table.add_row(
                str(event.height),
                event.tx_hash[:16],
                event.name,
                ", ".join(f"{k}={v}" for k, v in attributes.items()),
            )
        make_console().print(table)


@with_options(HEIGHT, *READ_OPTIONS)
def show_info(cli: Cli, address: str = ADDRESS_ARGUMENT) -> None:
    """The contract's record (deployer, code hash, heights) and its ABI."""
    with cli.open_client() as client:
        info = client.contracts.info(address, cli.height)
        if cli.as_json:
            print_json(info)
            return
        print_fields({k: v for k, v in info.items() if k != "abi"})
        abi = dict(info["abi"])
        table = Table("function", "returns", "doc", title="functions")
        constructor = abi.get("constructor")
        for function in [*abi["functions"], *([constructor] if constructor else [])]:
            name = format_signature(function)
            if function is constructor:
                name += "  (deploy only)"
            table.add_row(name, str(function.get("returns") or "-"), str(function.get("doc", "")))
        make_console().print(table)


contract_app.command("abi")(show_info)
contract_app.command("info")(show_info)


@contract_app.command("code")
@with_options(HEIGHT, *READ_OPTIONS)
def show_code(
    cli: Cli,
    address: str = ADDRESS_ARGUMENT,
) -> None:
    """The contract's Python source."""
    with cli.open_client() as client:
        code = client.contracts.code(address, cli.height)
        if cli.as_json:
            print_json({"address": address, "code": code})
        else:
            typer.echo(code, nl=not code.endswith("\n"))


@contract_app.command("list")
@with_options(HEIGHT, *READ_OPTIONS)
def list_contracts(cli: Cli) -> None:
    """Every deployed contract."""
    with cli.open_client() as client:
        contracts = client.contracts.list(cli.height)
        if cli.as_json:
            print_json(contracts)
            return
        table = Table("address", "org", "deployed at", "code hash", title="contracts")
        for record in contracts:
            table.add_row(
                str(record["address"]),
                str(record["org"] or "-"),
                str(record["height"]),
                str(record["code_hash"])[:16],
            )
        make_console().print(table)


@contract_app.command("params")
@with_options(HEIGHT, *READ_OPTIONS)
def show_params(cli: Cli) -> None:
    """Who may deploy, the compute cap per call and the compute price."""
    with cli.open_client() as client:
        params = client.contracts.params(cli.height)
        if cli.as_json:
            print_json(params)
            return
        print_fields({**params, "deployer_roles": ", ".join(params["deployer_roles"])})


# ---- helpers ------------------------------------------------------------------------------------


def parse_cli_value(text: str, home: Path) -> Any:
    """A command-line argument: `@name` is the address of key `name` in HOME/keys; otherwise its
    JSON value if it parses as JSON, else the text itself."""
    if text.startswith("@") and len(text) > 1:
        return resolve_address(text[1:], home)
    try:
        return json.loads(text)
    except ValueError:
        return text


def format_signature(function: Mapping[str, Any]) -> str:
    params = ", ".join(f"{p['name']}: {p['type']}" for p in function.get("params", ()))
    return f"{function['name']}({params})"


def event_to_json(event: ContractEvent) -> dict[str, Any]:
    return {
        "height": event.height,
        "index": event.index,
        "tx_hash": event.tx_hash,
        "type": event.type,
        "attributes": dict(event.attributes),
    }


def print_fields(fields: Mapping[str, Any]) -> None:
    table = make_field_table()
    for name, value in fields.items():
        table.add_row(name.replace("_", " "), "-" if value is None else str(value))
    make_console().print(table)
