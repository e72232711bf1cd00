"""Entry point of the `finchain` command: sub-command groups are registered here.

finchain init | dev | status
finchain node start | verify
finchain testnet up | status | stop [NODE] | restart NODE | down | reset
finchain keys new | list | show
finchain tx <module> <message> --field value ...   (generated from the message registry:)
finchain tx bank transfer | issue | redeem
finchain tx members add-account
finchain tx validators set-power
finchain tx clearing open-account | register-bic | pledge | redeem | set-urgent-reserve
    | submit-payment | hold | release | cancel | set-suspended | run-lsm | cut-off | submit-xml
finchain tx supervision anchor-audit-log
finchain query account | balances | tx | block | members | validators | assets
finchain query clearing accounts | payment | queue | cycles | days | directory | status-report
    | statement
finchain gov propose add-member | remove-member | grant-role | revoke-role
    | set-validator-power | set-weight | set-params | set-threshold
finchain gov open | vote | list | show | params
finchain reg directive freeze | suspend | lift
finchain reg directives | report | submit-report | reports | verify | review | reads
finchain contract deploy | call | query | events | abi | info | code | list | params
finchain bench transfers | ...
"""

from __future__ import annotations

import typer

from finchain import __version__
from finchain.cli.bench_cmd import bench_app
from finchain.cli.clearing_query_cmd import clearing_query_app
from finchain.cli.contract_cmd import contract_app
from finchain.cli.dev_cmd import dev, node_app
from finchain.cli.gov_cmd import gov_app
from finchain.cli.init_cmd import init
from finchain.cli.keys_cmd import keys_app
from finchain.cli.query_cmd import query_app, status
from finchain.cli.reg_cmd import reg_app
from finchain.cli.testnet_cmd import testnet_app
from finchain.cli.tx_cmd import tx_app

app = typer.Typer(
    name="finchain",
    help="finchain: a consortium blockchain platform for finance.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"finchain {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """finchain: signed transactions, BFT finality, built-in financial modules."""


app.command("init")(init)
app.command("dev")(dev)
app.command("status")(status)
app.add_typer(node_app, name="node")
app.add_typer(testnet_app, name="testnet")
app.add_typer(keys_app, name="keys")
query_app.add_typer(clearing_query_app, name="clearing")
app.add_typer(tx_app, name="tx")
app.add_typer(query_app, name="query")
app.add_typer(gov_app, name="gov")
app.add_typer(reg_app, name="reg")
app.add_typer(contract_app, name="contract")
app.add_typer(bench_app, name="bench")


if __name__ == "__main__":
    app()
