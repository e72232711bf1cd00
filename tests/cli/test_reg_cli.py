"""`finchain reg` against a running node (dev orgs, keys in HOME/keys): a directive freezes an
account until it is lifted, a suspension, a non-regulator refused, and a member's report
generated (table, JSON, CSV file), submitted, verified by the regulator and reviewed, with the
audit of the regulator's reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.cli.test_tx_query import invoke, invoke_json
from tests.sdk.nodes import RunningNode

BASIS = "AML Law art. 37; case 2026-114"
REVIEW_BASIS = "PBOC Law art. 32: review of a submitted report"
LVT = "large_value_transfers"


def invoke_dict(runner: CliRunner, node: RunningNode, *args: str) -> dict[str, Any]:
    data = invoke_json(runner, node, *args)
    assert isinstance(data, dict)
    return data


def issue_cny(runner: CliRunner, node: RunningNode, to: str, amount: str) -> None:
    invoke_json(
        runner, node, "tx", "bank", "issue", "--from", "pboc", "--to", to, "--asset", "CNY",
        "--amount", amount,
    )  # fmt: skip


def test_freeze_refuses_the_account_until_the_lift(
    runner: CliRunner, cli_node: RunningNode
) -> None:
    issue_cny(runner, cli_node, "bank-c", "10.00")
    frozen = invoke_dict(
        runner, cli_node, "reg", "directive", "freeze", "--from", "regulator",
        "--account", "bank-c", "--legal-basis", BASIS,
    )  # fmt: skip
    assert (frozen["code"], frozen["directive_id"], frozen["kind"]) == ("ok", 0, "freeze_account")
    assert frozen["target"] == cli_node.address("bank-c")
    transfer = (
        "tx", "bank", "transfer", "--from", "bank-c", "--to", "bank-a", "--asset", "CNY",
        "--amount", "1.00",
    )  # fmt: skip
    code, _, err = invoke(runner, cli_node, *transfer)
    assert code == 1 and "error: tx/account_frozen" in err

    code, out, err = invoke(runner, cli_node, "reg", "directives")
    assert code == 0, err
    assert "freeze_account" in out and "EXECUTED" in out and BASIS in out
    code, out, err = invoke(
        runner, cli_node, "reg", "directive", "lift", "0", "--from", "regulator",
        "--legal-basis", "case closed",
    )  # fmt: skip
    assert code == 0, err
    assert "supervision.directive_lifted" in out
    [directive] = invoke_json(runner, cli_node, "reg", "directives")  # type: ignore[misc]
    assert (directive["status"], directive["lift_basis"]) == ("LIFTED", "case closed")
    code, out, err = invoke(runner, cli_node, *transfer)
    assert code == 0, err


def test_suspend_and_a_non_regulator_refused(runner: CliRunner, cli_node: RunningNode) -> None:
    code, out, err = invoke(
        runner, cli_node, "reg", "directive", "suspend", "--from", "regulator",
        "--participant", "bank-c", "--legal-basis", BASIS,
    )  # fmt: skip
    assert code == 0, err
    assert "directive id: 0 (suspend_participant of bank-c, EXECUTED)" in out
    code, _, err = invoke(
        runner, cli_node, "reg", "directive", "freeze", "--from", "bank-a",
        "--account", cli_node.address("bank-b"), "--legal-basis", BASIS,
    )  # fmt: skip
    assert code == 1 and "error: tx/role_not_permitted" in err
    code, _, err = invoke(
        runner, cli_node, "reg", "directive", "freeze", "--from", "regulator",
        "--account", "nobody", "--legal-basis", BASIS,
    )  # fmt: skip
    assert code == 1 and "error: cli/unknown_account" in err


def test_report_submit_verify_review_and_reads(
    runner: CliRunner, cli_node: RunningNode, tmp_path: Path
) -> None:
    issue_cny(runner, cli_node, "bank-a", "1000.00")
    invoke_json(
        runner, cli_node, "tx", "bank", "transfer", "--from", "bank-a", "--to", "bank-b",
        "--asset", "CNY", "--amount", "600.00",
    )  # fmt: skip
    report_args = ("reg", "report", LVT, "--as", "bank-b", "--threshold", "CNY:500.00")
    report = invoke_dict(runner, cli_node, *report_args)
    assert report["params"] == {"org": "bank-b", "thresholds": {"CNY": 50_000}}
    [row] = report["rows"]
    assert (row[3], row[4], row[6]) == ("bank-a", "bank-b", "60000")
    height = str(report["height"])
    code, out, err = invoke(runner, cli_node, *report_args, "--height", height)
    assert code == 0, err
    assert report["hash"] in out and "600.00" in out and "CNY 500.00" in out
    out_file = tmp_path / "lvt.csv"
    code, _, err = invoke(
        runner, cli_node, *report_args, "--height", height, "--format", "csv",
        "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(f"height={height} sha256={report['hash']}")
    assert lines[1] == "height,tx_hash,kind,from_org,to_org,asset,amount,reference"

    submitted = invoke_dict(
        runner, cli_node, "reg", "submit-report", LVT, "--from", "bank-b", "--height", height,
        "--hash", report["hash"],
    )  # fmt: skip
    assert (submitted["code"], submitted["report_id"]) == ("ok", 0)
    code, out, err = invoke(runner, cli_node, "reg", "reports")
    assert code == 0, err
    assert "SUBMITTED" in out and "bank-b" in out

    verify = ("reg", "verify", "0", "--as", "regulator")
    code, _, err = invoke(runner, cli_node, *verify, "--threshold", "CNY:500.00")
    assert code == 1 and "error: api/legal_basis_required" in err
    verify_with_basis = (*verify, "--legal-basis", REVIEW_BASIS)
    code, out, err = invoke(runner, cli_node, *verify_with_basis, "--threshold", "CNY:500.00")
    assert code == 0, err
    assert "hash matches" in out and report["hash"] in out
    code, out, err = invoke(runner, cli_node, *verify_with_basis)  # the default threshold
    assert code == 1 and "hash differs" in err

    code, out, err = invoke(
        runner, cli_node, "reg", "review", "0", "--from", "regulator",
        "--decision", "acknowledged", "--note", "recomputed: equal",
    )  # fmt: skip
    assert code == 0, err
    assert "supervision.report_reviewed" in out
    [reviewed] = invoke_json(runner, cli_node, "reg", "reports")  # type: ignore[misc]
    assert (reviewed["status"], reviewed["note"]) == ("ACKNOWLEDGED", "recomputed: equal")

    reads = invoke_json(runner, cli_node, "reg", "reads", "--as", "regulator")
    assert isinstance(reads, list) and len(reads) == 2
    assert {r["legal_basis"] for r in reads} == {REVIEW_BASIS}
    code, out, err = invoke(runner, cli_node, "reg", "reads", "--as", "bank-b")
    assert code == 0, err
    assert "regulator" in out and REVIEW_BASIS in out
