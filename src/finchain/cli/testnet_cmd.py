"""`finchain testnet`: a local network of N CometBFT validators, each with a finchain app.

    finchain testnet up --validators 4 --dir .finchain-testnet
    finchain testnet status --dir .finchain-testnet
    finchain testnet down --dir .finchain-testnet     (alias: stop without a node)
    finchain testnet stop node2 --dir .finchain-testnet     (one node; the others go on)
    finchain testnet restart node2 --dir .finchain-testnet  (stop if running, start, catch up)
    finchain testnet reset --dir .finchain-testnet    (down, then delete the directory)

Needs bin/cometbft (`bash scripts/install_cometbft.sh`). Failures print
`error: testnet/failed: <message>` on stderr and exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from finchain.cli.common import fail, print_json
from finchain.errors import FinchainError
from finchain.node import testnet
from finchain.node.testnet_config import DEFAULT_BASE_PORT, DEFAULT_CHAIN_ID

DEFAULT_DIR = Path(".finchain-testnet")
ERROR_CODE = "testnet/failed"

testnet_app = typer.Typer(
    help="Run a local network of CometBFT validators with finchain apps (127.0.0.1).",
    no_args_is_help=True,
)

DIR_OPTION: Any = typer.Option(
    DEFAULT_DIR, "--dir", help="Directory of the network (configs, data, logs).", show_default=True
)
JSON_OPTION: Any = typer.Option(False, "--json", help="Print machine-readable JSON.")


@testnet_app.command("up")
def up(
    validators: int = typer.Option(4, "--validators", "-n", min=1, help="Number of validators."),
    directory: Path = DIR_OPTION,
    base_port: int = typer.Option(
        DEFAULT_BASE_PORT,
        "--base-port",
        help="Node i uses base+10i (p2p), +1 rpc, +2 abci, +3 api.",
    ),
    chain_id: str = typer.Option(DEFAULT_CHAIN_ID, "--chain-id"),
    crypto_suite: str = typer.Option("intl", "--suite", help="intl or gm (new networks only)."),
    users: int = typer.Option(8, "--users", min=0, help="Funded test accounts user0..userN-1."),
    timeout_commit: str = typer.Option("200ms", "--timeout-commit"),
    api: bool = typer.Option(True, "--api/--no-api", help="Serve each node's REST API."),
) -> None:
    """Create the network on first use (or reuse DIR), start it and wait for blocks."""
    try:
        layout = testnet.up(
            directory,
            validators,
            base_port=base_port,
            chain_id=chain_id,
            crypto_suite=crypto_suite,
            users=users,
            timeout_commit=timeout_commit,
            api=api,
        )
    except FinchainError as err:
        fail(ERROR_CODE, str(err))
    typer.echo(f"testnet {layout.chain_id} is up: {len(layout.nodes)} validators in {directory}")
    for node in layout.nodes:
        api_text = f"  api {node.api_url}" if api else ""
        typer.echo(f"  {node.name}  rpc {node.rpc_url}{api_text}  abci {node.abci_address}")
    typer.echo(f"keys (unsafe, test only): {Path(layout.directory) / 'keys'}")
    typer.echo(f"stop with: finchain testnet down --dir {directory}")


@testnet_app.command("status")
def status(directory: Path = DIR_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Processes, height and app hash of every node."""
    try:
        statuses = testnet.status(directory)
    except FinchainError as err:
        fail(ERROR_CODE, str(err))
    if as_json:
        print_json(
            [
                {
                    "name": s.name,
                    "rpc": s.rpc_url,
                    "api": s.api_url,
                    "app_running": s.app_running,
                    "cometbft_running": s.cometbft_running,
                    "height": s.height,
                    "app_hash": s.app_hash,
                }
                for s in statuses
            ]
        )
        return
    for s in statuses:
        running = "up" if s.app_running and s.cometbft_running else "DOWN"
        parts = [] if running == "up" else [f"app={s.app_running} cometbft={s.cometbft_running}"]
        typer.echo(
            f"{s.name}  {running:4}  height {s.height:>6}  app_hash {s.app_hash[:16] or '-'}  "
            f"rpc {s.rpc_url}  api {s.api_url}  {' '.join(parts)}".rstrip()
        )


@testnet_app.command("down")
def down(directory: Path = DIR_OPTION) -> None:
    """Stop exactly the processes `up` started (SIGTERM, then SIGKILL); data stays."""
    try:
        stopped = testnet.down(directory)
    except FinchainError as err:
        fail(ERROR_CODE, str(err))
    typer.echo(f"stopped {stopped} processes")


@testnet_app.command("stop")
def stop(
    node: str | None = typer.Argument(
        None, help="The node to stop (e.g. node2); without it, the whole network (= down)."
    ),
    directory: Path = DIR_OPTION,
) -> None:
    """Stop one node's app and CometBFT processes (the others go on), or the whole network."""
    if node is None:
        down(directory)
        return
    try:
        stopped = testnet.stop_node(directory, node)
    except FinchainError as err:
        fail(ERROR_CODE, str(err))
    typer.echo(
        f"stopped {node} ({stopped} processes); start it with: finchain testnet restart "
        f"{node} --dir {directory}"
    )


@testnet_app.command("restart")
def restart(
    node: str = typer.Argument(..., help="The node to restart (e.g. node2)."),
    directory: Path = DIR_OPTION,
    api: bool = typer.Option(True, "--api/--no-api", help="Serve the node's REST API."),
    timeout_s: float = typer.Option(
        testnet.CATCH_UP_TIMEOUT_S, "--timeout", help="Seconds to wait for it to catch up."
    ),
) -> None:
    """Stop one node (if it runs), start it again and wait until it has caught up."""
    try:
        result = testnet.restart_node(directory, node, api=api, timeout_s=timeout_s)
    except FinchainError as err:
        fail(ERROR_CODE, str(err))
    verb = "restarted" if result.was_running else "started"
    typer.echo(
        f"{verb} {node}: at height {result.height} (network at {result.target_height} when it "
        f"started), caught up in {result.seconds:.1f}s"
    )


@testnet_app.command("reset")
def reset(
    directory: Path = DIR_OPTION,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Stop the network and delete its directory (chain data, keys, configs)."""
    if not yes:
        typer.confirm(f"Delete the testnet in {directory}?", abort=True)
    try:
        testnet.reset(directory)
    except FinchainError as err:
        fail(ERROR_CODE, str(err))
    typer.echo(f"removed {directory}")
