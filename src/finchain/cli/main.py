"""Entry point of the `finchain` command: sub-command groups are registered here."""

from __future__ import annotations

import typer

from finchain import __version__

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
