"""`finchain tx clearing` and `finchain query clearing` against a running node (dev orgs, keys in
HOME/keys): amounts in major units, reads signed with `--as`, ISO 20022 files in and out."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from finchain.sdk import new_uetr
from tests.cli.test_tx_query import invoke, invoke_json
from tests.sdk.nodes import RunningNode

PACS008 = Path(__file__).parents[1] / "iso20022" / "samples" / "pacs008_two_transactions.xml"
SAMPLE_UETR = "8a562c67-ca16-48ba-b074-65581be6f011"
BICS = {"bank-a": "ICBKCNBJ", "bank-b": "BKCHCNBJXXX", "bank-c": "ABOCCNBJ"}


def open_accounts(runner: CliRunner, node: RunningNode, pledge_bank_a: str) -> None:
    for bank in BICS:
        invoke_json(
            runner, node, "tx", "clearing", "open-account", "--from", "pboc",
            "--participant", bank, "--currency", "CNY",
        )  # fmt: skip
    invoke_json(
        runner, node, "tx", "clearing", "pledge", "--from", "pboc", "--participant", "bank-a",
        "--currency", "CNY", "--amount", pledge_bank_a,
    )  # fmt: skip


def test_pay_and_read_settled_payment(
    runner: CliRunner, cli_node: RunningNode, tmp_path: Path
) -> None:
    open_accounts(runner, cli_node, "100.00")
    uetr = new_uetr()
    paid = invoke_json(
        runner, cli_node, "tx", "clearing", "submit-payment", "--from", "bank-a",
        "--receiver", "bank-b", "--currency", "CNY", "--amount", "25.50", "--priority", "high",
        "--msg-id", "CLI-1", "--end-to-end-id", "E2E-1", "--uetr", uetr,
    )  # fmt: skip
    assert isinstance(paid, dict) and paid["code"] == "ok"
    [event] = paid["events"]
    assert event["type"] == "clearing.payment_settled"
    assert (event["attributes"]["amount"], event["attributes"]["priority"]) == ("2550", "HIGH")

    accounts = invoke_json(
        runner, cli_node, "query", "clearing", "accounts", "--as", "bank-a", "--currency", "CNY"
    )
    assert accounts == [
        {"participant": "bank-a", "currency": "CNY", "balance": "7450", "reserved_for_urgent": "0"}
    ]
    code, out, err = invoke(
        runner, cli_node, "query", "clearing", "accounts", "--as", "pboc", "--currency", "CNY"
    )
    assert code == 0, err
    assert "74.50" in out and "25.50" in out and "bank-c" in out

    code, out, err = invoke(
        runner, cli_node, "query", "clearing", "payment", uetr, "--as", "bank-b"
    )
    assert code == 0, err
    assert "SETTLED" in out and "25.50" in out

    code, out, err = invoke(
        runner, cli_node, "query", "clearing", "status-report", uetr, "--as", "bank-a"
    )
    assert code == 0, err
    assert out.startswith("<?xml") and "<TxSts>ACSC</TxSts>" in out
    report = tmp_path / "pacs002.xml"
    code, _, err = invoke(
        runner, cli_node, "query", "clearing", "status-report", uetr, "--as", "bank-b",
        "--out", str(report),
    )  # fmt: skip
    assert code == 0, err
    assert b"ACSC" in report.read_bytes() and str(report) in err

    code, _, err = invoke(runner, cli_node, "query", "clearing", "payment", uetr, "--as", "bank-c")
    assert code == 1
    assert "error: api/not_found" in err


def test_submit_xml_and_directory(runner: CliRunner, cli_node: RunningNode) -> None:
    for bank, bic in BICS.items():
        invoke_json(
            runner, cli_node, "tx", "clearing", "register-bic", "--from", "pboc",
            "--participant", bank, "--bic", bic,
        )  # fmt: skip
    open_accounts(runner, cli_node, "2000.00")
    directory = invoke_json(runner, cli_node, "query", "clearing", "directory")
    assert isinstance(directory, list)
    assert {entry["bic"]: entry["participant"] for entry in directory} == {
        bic: bank for bank, bic in BICS.items()
    }

    results = invoke_json(
        runner, cli_node, "tx", "clearing", "submit-xml", str(PACS008), "--from", "bank-a"
    )
    assert isinstance(results, list)
    assert [r["code"] for r in results] == ["ok", "ok"]
    payment = invoke_json(
        runner, cli_node, "query", "clearing", "payment", SAMPLE_UETR, "--as", "bank-a"
    )
    assert isinstance(payment, dict)
    assert (payment["receiver"], payment["amount"], payment["status"]) == (
        "bank-b",
        "12345",
        "SETTLED",
    )


def test_queue_hold_cut_off_and_statement(
    runner: CliRunner, cli_node: RunningNode, tmp_path: Path
) -> None:
    open_accounts(runner, cli_node, "10.00")
    uetr = new_uetr()
    invoke_json(
        runner, cli_node, "tx", "clearing", "submit-payment", "--from", "bank-a",
        "--receiver", "bank-c", "--currency", "CNY", "--amount", "50",
        "--msg-id", "CLI-Q", "--end-to-end-id", "E2E-Q", "--uetr", uetr,
    )  # fmt: skip
    queue = invoke_json(
        runner, cli_node, "query", "clearing", "queue", "--as", "bank-c", "--currency", "CNY"
    )
    assert isinstance(queue, list) and [p["uetr"] for p in queue] == [uetr]
    invoke_json(runner, cli_node, "tx", "clearing", "hold", uetr, "--from", "bank-a")
    code, out, err = invoke(
        runner, cli_node, "query", "clearing", "queue", "--as", "regulator", "--currency", "CNY",
        "--legal-basis", "Banking Supervision Law art. 24",
    )  # fmt: skip
    assert code == 0, err
    assert "ON_HOLD" in out and "50.00" in out

    suspended = invoke_json(
        runner, cli_node, "tx", "clearing", "set-suspended", "--from", "pboc",
        "--participant", "bank-b", "--suspend",
    )  # fmt: skip
    assert isinstance(suspended, dict) and suspended["events"][0]["type"] == "clearing.suspended"
    invoke_json(
        runner, cli_node, "tx", "clearing", "cut-off", "--from", "pboc", "--currency", "CNY"
    )
    days = invoke_json(
        runner, cli_node, "query", "clearing", "days", "--as", "bank-a", "--currency", "CNY"
    )
    assert isinstance(days, list) and days[0]["closing_balances"] == {"bank-a": "1000"}
    statement = tmp_path / "camt053.xml"
    code, _, err = invoke(
        runner, cli_node, "query", "clearing", "statement", "bank-a", "--as", "bank-a",
        "--currency", "CNY", "--day", "0", "--out", str(statement),
    )  # fmt: skip
    assert code == 0, err
    assert b"camt.053.001.08" in statement.read_bytes()
    payment = invoke_json(runner, cli_node, "query", "clearing", "payment", uetr, "--as", "pboc")
    assert isinstance(payment, dict) and payment["status"] == "REJECTED"


def test_invalid_clearing_arguments(runner: CliRunner, cli_node: RunningNode) -> None:
    code, _, err = invoke(
        runner, cli_node, "tx", "clearing", "pledge", "--from", "pboc", "--participant", "bank-a",
        "--currency", "XYZ", "--amount", "1",
    )  # fmt: skip
    assert code == 1 and "error: cli/unsupported_currency" in err
    code, _, err = invoke(
        runner, cli_node, "tx", "clearing", "pledge", "--from", "pboc", "--participant", "bank-a",
        "--currency", "CNY", "--amount", "1.234",
    )  # fmt: skip
    assert code == 1 and "error: sdk/bad_amount" in err
    code, _, err = invoke(
        runner, cli_node, "tx", "clearing", "open-account", "--from", "bank-a",
        "--participant", "bank-a", "--currency", "CNY",
    )  # fmt: skip
    assert code == 1 and "error: tx/role_not_permitted" in err
    code, _, err = invoke(runner, cli_node, "query", "clearing", "cycles", "--as", "nobody")
    assert code == 1 and "error: keystore/missing_key" in err
    bad_xml = json.dumps({"not": "xml"}).encode()
    path = cli_node.home / "bad.xml"
    path.write_bytes(bad_xml)
    code, _, err = invoke(
        runner, cli_node, "tx", "clearing", "submit-xml", str(path), "--from", "bank-a"
    )
    assert code == 1 and "error: iso20022/malformed_xml" in err

    for bank, bic in BICS.items():  # BICs known, but no settlement accounts are open
        invoke_json(
            runner, cli_node, "tx", "clearing", "register-bic", "--from", "pboc",
            "--participant", bank, "--bic", bic,
        )  # fmt: skip
    code, out, err = invoke(
        runner, cli_node, "tx", "clearing", "submit-xml", str(PACS008), "--from", "bank-a"
    )
    assert code == 1 and "error: clearing/no_account" in err and "2 of 2 payments failed" in err
    assert "rejected" in out
