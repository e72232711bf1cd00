"""`finchain dev` (one-command development chain), `finchain node start` (run a node home) and
`finchain node verify` (replay a stopped node's chain from genesis).

`dev` creates HOME on first use (dev organisation keys encrypted with the dev password
"finchain-dev", or $FINCHAIN_PASSWORD), prints the keys, the password, the API URL and a curl
example, then serves the node in the foreground until Ctrl-C. `--reset` wipes HOME first (never
while a node runs on it).

`--port` of `dev` and `node start` applies to this run only: node.json is never rewritten (a new
dev home is created with it, as `finchain init --port` does). Operator mistakes end in one
`error: <code>: <message>` line and exit status 1: `node/home_in_use` (a node already runs on
HOME), `node/port_in_use` (the API port is taken), `node/bad_config`.

`verify` takes the home lock, replays every stored block into a fresh store in a temporary
directory (`node/verify.py`) and prints a summary; a difference is `node/replay_differs` naming
the first height that differs.

Concurrency: the node runs in this process; `serve()` blocks until the server stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from finchain.cli.common import (
    HOME_OPTION,
    JSON_OPTION,
    PASSWORD_ENV,
    CliError,
    fail,
    get_keyring,
    guard_errors,
    print_json,
)
from finchain.cli.init_cmd import (
    DEFAULT_API_PORT,
    DEFAULT_CHAIN_ID,
    initialise_home,
    validate_home_is_free,
    validate_suite,
)
from finchain.node.config import (
    ERR_REPLAY_DIFFERS,
    GENESIS_FILE,
    NodeConfig,
    NodeConfigError,
    data_dir,
    load_node_config,
)
from finchain.node.home_lock import acquire_home_lock, validate_home_not_in_use
from finchain.node.node import CometbftExited, Node, configure_logging, open_database
from finchain.node.verify import ReplayReport, replay_chain
from finchain.sdk import KeyInfo
from finchain.store import Database

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
            validate_home_not_in_use(home)
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
        config = with_port_override(load_node_config(home), port)
        url = f"http://{config.api_host}:{config.api_port}"
        keys = get_keyring(home).list()
        shown_password = f"from ${PASSWORD_ENV}" if password_from_env else DEV_PASSWORD
        print_dev_banner(home, keys, shown_password if created else None, url)
        configure_logging(config.log_level)
        node = Node.open(home, config)
    run_until_interrupted(node)


@node_app.command("start")
def start(
    home: Path = HOME_OPTION,
    port: int | None = typer.Option(
        None, "--port", help="API port for this run (node.json is not changed)."
    ),
) -> None:
    """Run the node of an initialised HOME in the foreground (Ctrl-C to stop).

    With `"engine": "cometbft"` in HOME/node.json this is one member's consortium node: the
    application for its CometBFT node (started as a child when `cometbft_home` is set)."""
    with guard_errors():
        config = with_port_override(load_node_config(home), port)
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
        node = Node.open(home, config)
    run_until_interrupted(node)


@node_app.command("verify")
def verify(home: Path = HOME_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Replay every stored block from genesis into a fresh store and compare each app hash,
    receipt and the final state (the node must be stopped). Exit 1 on the first difference."""
    with guard_errors():
        report, elapsed_s = verify_home(home)
        if as_json:
            print_json(report_to_json(report, elapsed_s))
        else:
            print_verify_summary(home, report, elapsed_s)
        if report.difference is not None:
            diff = report.difference
            fail(str(ERR_REPLAY_DIFFERS), f"height {diff.height}: {diff.kind}: {diff.message}")


def with_port_override(config: NodeConfig, port: int | None) -> NodeConfig:
    """node.json's config with `--port` applied, for this run only."""
    return config if port is None else dataclasses.replace(config, api_port=port)


def verify_home(home: Path) -> tuple[ReplayReport, float]:
    """Replay HOME's stored chain into a temporary store; returns the report and the seconds
    it took. Holds the home lock throughout, so no node writes the store meanwhile."""
    config = load_node_config(home)
    path = data_dir(home, config)
    if not path.is_dir():
        raise NodeConfigError(f"no database at {path}; nothing to verify")
    lock = acquire_home_lock(home)
    try:
        stored = open_database(path)
        try:
            if stored.load_genesis() is None:
                raise NodeConfigError(f"the database {path} holds no chain; nothing to verify")
            with tempfile.TemporaryDirectory(prefix="finchain-verify-") as scratch:
                replica = Database(Path(scratch) / "replica")
                try:
                    started = time.monotonic()
                    report = replay_chain(stored, replica)
                    elapsed_s = time.monotonic() - started
                finally:
                    replica.close()
        finally:
            stored.close()
    finally:
        lock.release()
    return report, elapsed_s


def report_to_json(report: ReplayReport, elapsed_s: float) -> dict[str, object]:
    diff = report.difference
    return {
        "chain_id": report.chain_id,
        "heights": [1, report.last_height] if report.last_height else [],
        "blocks_replayed": report.blocks_replayed,
        "txs_replayed": report.txs_replayed,
        "seconds": round(elapsed_s, 3),
        "ok": report.ok,
        "difference": None
        if diff is None
        else {"height": diff.height, "kind": diff.kind, "message": diff.message},
    }


def print_verify_summary(home: Path, report: ReplayReport, elapsed_s: float) -> None:
    console = Console(highlight=False, soft_wrap=True)
    rate = report.blocks_replayed / elapsed_s if elapsed_s > 0 else 0.0
    table = Table("chain", "heights", "blocks", "txs", "time", "blocks/s", "result")
    table.add_row(
        report.chain_id or "-",
        f"1..{report.last_height}" if report.last_height else "-",
        str(report.blocks_replayed),
        str(report.txs_replayed),
        f"{elapsed_s:.2f}s",
        f"{rate:.1f}",
        "ok" if report.ok else "DIFFERS",
    )
    table.title = f"Replay of {home} from genesis"
    console.print(table)
    diff = report.difference
    if diff is None:
        console.print(
            f"every app hash, receipt and the final state reproduced up to height "
            f"{report.last_height}"
        )
    else:
        console.print(f"first difference at height {diff.height} ({diff.kind}): {diff.message}")


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
