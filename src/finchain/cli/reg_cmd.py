"""`finchain reg`: supervision. The regulator's directives, members' reports and their review, and
the audit of supervisory reads.

    finchain reg directive freeze --from regulator --account user0 --legal-basis "AML Law art. 37"
    finchain reg directive lift 0 --from regulator --legal-basis "case closed"
    finchain reg report large_value_transfers --as bank-b --threshold CNY:500.00 --format csv
    finchain reg submit-report large_value_transfers --from bank-b --height 7 [--hash <sha256>]
    finchain reg verify 0 --as regulator --legal-basis "PBOC Law art. 32" --threshold CNY:500.00
    finchain reg review 0 --from regulator --decision ACKNOWLEDGED --note "recomputed: equal"
    finchain reg directives | reports | reads --as bank-a

Directives and reviews are the regulator's (anyone else is refused with `tx/role_not_permitted`);
any member submits reports. `directives` and `reports` are public reads; `report`, `verify` and
`reads` are signed with `--as KEY`, and a regulator reading other members' data must give
`--legal-basis` (it is logged). Keys are names in HOME/keys (password from $FINCHAIN_PASSWORD,
else a prompt); `--account` takes a `0x` address or a key name. `--threshold` amounts are major
units ("500.00"), converted exactly with the asset's decimals from the node (else its ISO 4217
digits). Tables for people, `--json` for the API's JSON (amounts in minor units).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finchain.cli.clearing_query_cmd import print_rows
from finchain.cli.common import (
    AS,
    COMMIT_OPTIONS,
    HEIGHT,
    LEGAL_BASIS,
    READ_OPTIONS,
    SIGNED_READ_OPTIONS,
    TX_OPTIONS,
    Cli,
    CliError,
    fail,
    print_json,
    sender,
    with_options,
)
from finchain.cli.render import make_console, make_field_table, print_tx_result, tx_result_to_json
from finchain.iso20022 import CURRENCY_DECIMALS
from finchain.sdk import (
    Client,
    DirectiveResult,
    ReportVerification,
    format_amount,
    make_lift_directive,
    make_review_report,
    parse_amount,
)

reg_app = typer.Typer(
    help="Supervision: directives, supervisory reports and their review, audited reads.",
    no_args_is_help=True,
)
directive_app = typer.Typer(
    help="Issue or lift a directive (regulators); prints the directive's id.",
    no_args_is_help=True,
)
reg_app.add_typer(directive_app, name="directive")

REPORT_FORMATS = ("json", "csv")
AMOUNT_COLUMNS = frozenset({"amount", "inflow", "outflow"})
REGULATOR = sender("Key name of a regulator's account.")
DIRECTIVE_BASIS_OPTION: Any = typer.Option(
    ..., "--legal-basis", help="The law or decision the directive rests on (1-256 chars)."
)
THRESHOLD_OPTION: Any = typer.Option(
    None,
    "--threshold",
    help="Large-value threshold as ASSET:AMOUNT in major units, e.g. CNY:500.00 (repeatable; "
    "default CNY:2000000.00).",
)
OUT_OPTION: Any = typer.Option(None, "--out", help="Write the report to this file.")
ID_ARGUMENT: Any = typer.Argument(..., min=0, help="The id (from 0, in order).")


# ---- directives ---------------------------------------------------------------------------------


@directive_app.command("freeze")
@with_options(REGULATOR, *COMMIT_OPTIONS)
def freeze_account(
    cli: Cli,
    account: str = typer.Option(..., "--account", help="The account: 0x address or key name."),
    legal_basis: str = DIRECTIVE_BASIS_OPTION,
) -> None:
    """Freeze an account: the node refuses every transaction it sends until the lift."""
    with cli.open_client() as client:
        address = cli.resolve_address(account)
        calls = client.supervision
        issued = calls.freeze_account(cli.load_wallet(), address, legal_basis, memo=cli.memo)
    print_directive_result(cli, issued)


@directive_app.command("suspend")
@with_options(REGULATOR, *COMMIT_OPTIONS)
def suspend_participant(
    cli: Cli,
    participant: str = typer.Option(..., "--participant", help="Member organisation id."),
    legal_basis: str = DIRECTIVE_BASIS_OPTION,
) -> None:
    """Suspend a member in clearing: it can neither send nor receive payments until the lift."""
    with cli.open_client() as client:
        wallet = cli.load_wallet()
        calls = client.supervision
        issued = calls.suspend_participant(wallet, participant, legal_basis, memo=cli.memo)
    print_directive_result(cli, issued)


@directive_app.command("lift")
@with_options(REGULATOR, *TX_OPTIONS)
def lift_directive(
    cli: Cli, directive_id: int = ID_ARGUMENT, legal_basis: str = DIRECTIVE_BASIS_OPTION
) -> None:
    """Lift an executed directive, undoing its effect."""
    with cli.open_client() as client:
        cli.submit(client, make_lift_directive(directive_id, legal_basis))


@reg_app.command("directives")
@with_options(HEIGHT, *READ_OPTIONS)
def list_directives(cli: Cli) -> None:
    """Every directive with its target, legal basis and status (public)."""
    with cli.open_client() as client:
        directives = client.supervision.directives(cli.height)
        if cli.as_json:
            print_json(directives)
            return
        columns = ("id", "kind", "target", "status", "issuer", "legal_basis", "issued_height")
        rows = [dict(d, lifted=d["lifted_height"] or "-") for d in directives]
        print_rows("directives", rows, (*columns, "lifted", "lift_basis"))


# ---- reports ------------------------------------------------------------------------------------


@reg_app.command("report")
@with_options(AS, LEGAL_BASIS, HEIGHT, *READ_OPTIONS)
def generate_report(
    cli: Cli,
    report_type: str = typer.Argument(
        ..., help="balances, flows or large_value_transfers.", metavar="TYPE"
    ),
    org: str | None = typer.Option(
        None, "--org", help="Organisation (a member: its own, the default; supervisors: any)."
    ),
    fmt: str = typer.Option("json", "--format", help="json or csv."),
    thresholds: list[str] | None = THRESHOLD_OPTION,
    out: Path | None = OUT_OPTION,
) -> None:
    """Generate a supervisory report at a committed height (signed read), or write it --out."""
    with cli.open_client() as client:
        if fmt not in REPORT_FORMATS:
            raise CliError("cli/bad_argument", f"--format must be one of {REPORT_FORMATS}")
        decimals = load_decimals(client)
        limits = parse_thresholds(thresholds, decimals)
        calls = client.supervision
        if fmt == "csv":
            text = calls.report(
                report_type, height=cli.height, org=org, fmt="csv", thresholds=limits
            )
            write_text(str(text), out)
            return
        report = calls.report(report_type, height=cli.height, org=org, thresholds=limits)
        if out is not None:
            write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", out)
            typer.echo(f"sha256 {report['hash']}", err=True)
        elif cli.as_json:
            print_json(report)
        else:
            print_report(report, decimals)


@reg_app.command("submit-report")
@with_options(sender("Key name of your organisation's account."), *COMMIT_OPTIONS)
def submit_report(
    cli: Cli,
    report_type: str = typer.Argument(..., help="The report's type.", metavar="TYPE"),
    height: int = typer.Option(..., "--height", min=1, help="The height the report was made at."),
    report_hash: str | None = typer.Option(
        None,
        "--hash",
        help="The report's SHA-256 (64 hex digits), made with the default parameters; "
        "default: generate your organisation's report at --height now (with --threshold) and "
        "submit its hash and parameters.",
    ),
    thresholds: list[str] | None = THRESHOLD_OPTION,
) -> None:
    """Submit the hash of a report your organisation generated (the regulator recomputes it)."""
    wallet = cli.load_wallet()
    with cli.open_client(reader=wallet) as client:
        params = None
        if report_hash is None:
            limits = parse_thresholds(thresholds, load_decimals(client) if thresholds else {})
            report = client.supervision.report(report_type, height=height, thresholds=limits)
            report_hash, params = str(report["hash"]), report["params"]
        elif thresholds:
            raise CliError("cli/bad_argument", "--threshold applies when the report is generated")
        calls = client.supervision
        submitted = calls.submit_report(
            wallet, report_type, height, report_hash, params=params, memo=cli.memo
        )
        if cli.as_json:
            print_json(
                {
                    **tx_result_to_json(submitted.tx),
                    "report_id": submitted.report_id,
                    "report_hash": submitted.report_hash,
                }
            )
            return
        print_tx_result(submitted.tx)
        typer.echo(f"report id: {submitted.report_id} (SUBMITTED)")


@reg_app.command("reports")
@with_options(HEIGHT, *READ_OPTIONS)
def list_reports(cli: Cli) -> None:
    """Every submitted report with its hash and review (public)."""
    with cli.open_client() as client:
        reports = client.supervision.reports(cli.height)
        if cli.as_json:
            print_json(reports)
            return
        columns = (
            "id",
            "report_type",
            "report_height",
            "submitter",
            "status",
            "report_hash",
            "reviewer",
            "note",
        )
        print_rows("submitted reports", reports, columns)


@reg_app.command("verify")
@with_options(*SIGNED_READ_OPTIONS)
def verify_report(
    cli: Cli,
    report_id: int = ID_ARGUMENT,
    thresholds: list[str] | None = THRESHOLD_OPTION,
) -> None:
    """Regenerate a submitted report and compare its hash (exit 1 if it differs)."""
    with cli.open_client() as client:
        limits = parse_thresholds(thresholds, load_decimals(client) if thresholds else {})
        checked = client.supervision.verify_report(report_id, thresholds=limits)
        if cli.as_json:
            print_json(verification_to_json(checked))
        else:
            print_verification(checked)
        if not checked.matches:
            raise typer.Exit(1)


@reg_app.command("review")
@with_options(REGULATOR, *TX_OPTIONS)
def review_report(
    cli: Cli,
    report_id: int = ID_ARGUMENT,
    decision: str = typer.Option(..., "--decision", help="ACKNOWLEDGED or REJECTED."),
    note: str = typer.Option("", "--note", help="Why (up to 256 chars)."),
) -> None:
    """Acknowledge or reject a submitted report."""
    with cli.open_client() as client:
        cli.submit(client, make_review_report(report_id, decision.upper(), note))


# ---- audit --------------------------------------------------------------------------------------


@reg_app.command("reads")
@with_options(*SIGNED_READ_OPTIONS)
def list_reads(cli: Cli) -> None:
    """Supervisory reads: a supervisor's own; for another member, the reads of its data."""
    with cli.open_client() as client:
        reads = client.get_audit_reads()
        if cli.as_json:
            print_json(reads)
            return
        columns = ["seq", "time_ms", "org", "roles", "legal_basis", "method"]
        if any("target" in r for r in reads):
            columns += ["target", "owners"]
        rows = [dict(r, roles=", ".join(r.get("roles", ()))) for r in reads]
        rows = [dict(r, owners=", ".join(r.get("owners", ()))) for r in rows]
        print_rows("supervisory reads", rows, columns)


# ---- helpers ------------------------------------------------------------------------------------


def print_directive_result(cli: Cli, issued: DirectiveResult) -> None:
    sender = cli.sender
    if cli.as_json:
        print_json(
            {
                **tx_result_to_json(issued.tx),
                "directive_id": issued.directive_id,
                "kind": issued.kind,
                "target": issued.target,
            }
        )
        return
    print_tx_result(issued.tx)
    typer.echo(
        f"directive id: {issued.directive_id} ({issued.kind} of {issued.target}, EXECUTED); "
        f"lift it with: finchain reg directive lift {issued.directive_id} --from {sender} "
        "--legal-basis TEXT"
    )


def load_decimals(client: Client) -> dict[str, int]:
    """Decimals per asset: the node's bank assets, else the ISO 4217 digits of a currency."""
    return {**CURRENCY_DECIMALS, **{a.symbol: a.decimals for a in client.get_assets()}}


def parse_thresholds(
    texts: Sequence[str] | None, decimals: Mapping[str, int]
) -> dict[str, int] | None:
    """`["CNY:500.00"]` -> `{"CNY": 50000}` (minor units); None when none are given."""
    if not texts:
        return None
    thresholds = {}
    for text in texts:
        asset, _, amount = text.partition(":")
        if not asset or not amount:
            raise CliError("cli/bad_argument", f"--threshold is ASSET:AMOUNT, got {text!r}")
        places = decimals.get(asset)
        if places is None:
            raise CliError("cli/bad_argument", f"unknown asset {asset!r} in --threshold")
        thresholds[asset] = parse_amount(amount, places)
    return thresholds


def write_text(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    data = text.encode("utf-8")
    out.write_bytes(data)
    typer.echo(f"wrote {len(data)} bytes to {out}", err=True)


def print_report(report: Mapping[str, Any], decimals: Mapping[str, int]) -> None:
    console = make_console()
    header = make_field_table()
    for key in ("report_type", "chain_id", "height"):
        header.add_row(key, str(report[key]))
    for key, value in dict(report["params"]).items():
        header.add_row(key, format_param(value, decimals))
    header.add_row("sha256", str(report["hash"]))
    console.print(header)
    columns = [str(c) for c in report["columns"]]
    table = Table(*columns, title=f"{report['report_type']} ({len(report['rows'])} rows)")
    for row in report["rows"]:
        cells = dict(zip(columns, (str(cell) for cell in row), strict=True))
        asset = cells.get("asset", "")
        table.add_row(*(format_cell(c, cells[c], asset, decimals) for c in columns))
    console.print(table)


def format_cell(column: str, value: str, asset: str, decimals: Mapping[str, int]) -> str:
    """Amounts in major units of the row's asset; every other cell as it is."""
    places = decimals.get(asset)
    if column not in AMOUNT_COLUMNS or places is None or not value.isdigit():
        return value
    return format_amount(int(value), places)


def format_param(value: Any, decimals: Mapping[str, int]) -> str:
    if isinstance(value, Mapping):  # thresholds: {asset: minor units}
        return ", ".join(
            f"{asset} {format_cell('amount', str(v), asset, decimals)}"
            for asset, v in sorted(value.items())
        )
    return str(value)


def verification_to_json(checked: ReportVerification) -> dict[str, Any]:
    return {
        "report_id": checked.report_id,
        "matches": checked.matches,
        "submitted_hash": checked.submitted_hash,
        "recomputed_hash": checked.recomputed_hash,
        "submission": dict(checked.submission),
    }


def print_verification(checked: ReportVerification) -> None:
    table = make_field_table()
    submission = checked.submission
    for key in ("id", "report_type", "report_height", "submitter", "status"):
        table.add_row(key, str(submission[key]))
    table.add_row("submitted hash", checked.submitted_hash)
    table.add_row("recomputed hash", checked.recomputed_hash)
    make_console().print(table)
    if checked.matches:
        typer.echo(f"hash matches: report {checked.report_id} is the ledger's at that height")
    else:
        fail(
            "cli/hash_mismatch",
            f"hash differs: report {checked.report_id} is not the report regenerated at its "
            "height (a large-value report: give the --threshold it was made with)",
        )
