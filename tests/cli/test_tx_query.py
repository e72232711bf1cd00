"""`finchain tx`, `finchain query` and `finchain status` against a running node."""

from __future__ import annotations

import json
import socket

from typer.testing import CliRunner

from finchain.cli.main import app
from finchain.sdk import Client
from tests.sdk.nodes import RunningNode


def invoke(runner: CliRunner, node: RunningNode, *args: str) -> tuple[int, str, str]:
    """Run `finchain ARGS --home HOME --node URL`; returns exit code, stdout, stderr."""
    result = runner.invoke(app, [*args, "--home", str(node.home), "--node", node.url])
    return result.exit_code, result.stdout, result.stderr


def invoke_json(runner: CliRunner, node: RunningNode, *args: str) -> object:
    code, out, err = invoke(runner, node, *args, "--json")
    assert code == 0, err or out
    return json.loads(out)


def test_issue_transfer_and_query(runner: CliRunner, cli_node: RunningNode) -> None:
    bank_a, bank_b = cli_node.address("bank-a"), cli_node.address("bank-b")
    issued = invoke_json(
        runner, cli_node, "tx", "bank", "issue", "--from", "pboc", "--to", "bank-a",
        "--asset", "CNY", "--amount", "1000.00",
    )  # fmt: skip
    assert isinstance(issued, dict)
    assert (issued["status"], issued["code"]) == ("committed", "ok")
    assert issued["events"][0]["type"] == "bank.issue"

    code, out, err = invoke(
        runner, cli_node, "tx", "bank", "transfer", "--from", "bank-a", "--to", bank_b,
        "--asset", "CNY", "--amount", "25.5", "--memo", "rent",
    )  # fmt: skip
    assert code == 0, err
    assert "committed" in out and "bank.transfer" in out and "2550" in out

    assert invoke_json(runner, cli_node, "query", "balances", "bank-a") == {"CNY": "97450"}
    code, out, _ = invoke(runner, cli_node, "query", "balances", bank_b)
    assert code == 0 and "25.50" in out

    account = invoke_json(runner, cli_node, "query", "account", "bank-a")
    assert account == {
        "address": bank_a,
        "org": "bank-a",
        "nonce": 1,
        "pending_nonce": 1,
        "balances": {"CNY": "97450"},
    }
    code, out, _ = invoke(runner, cli_node, "query", "account", bank_a)
    assert code == 0 and "974.50" in out and "bank-a" in out

    tx = invoke_json(runner, cli_node, "query", "tx", str(issued["hash"]))
    assert isinstance(tx, dict) and tx["receipt"]["code"] == "ok"
    code, out, _ = invoke(runner, cli_node, "query", "tx", str(issued["hash"]))
    assert code == 0 and "bank/Issue@1" in out

    block = invoke_json(runner, cli_node, "query", "block", str(issued["height"]))
    assert isinstance(block, dict) and issued["hash"] in block["tx_hashes"]
    code, out, _ = invoke(runner, cli_node, "query", "block")
    assert code == 0 and "height" in out

    assets = invoke_json(runner, cli_node, "query", "assets")
    assert assets == [
        {
            "symbol": "CNY",
            "decimals": 2,
            "issuer": "pboc",
            "name": "Chinese yuan",
            "supply": "100000",
        }
    ]
    code, out, _ = invoke(runner, cli_node, "query", "assets")
    assert code == 0 and "1000.00" in out

    members = invoke_json(runner, cli_node, "query", "members")
    assert isinstance(members, list)
    assert {m["id"] for m in members} == {"pboc", "bank-a", "bank-b", "bank-c", "regulator"}
    code, out, _ = invoke(runner, cli_node, "query", "members")
    assert code == 0 and "regulator" in out

    status = invoke_json(runner, cli_node, "status")
    assert isinstance(status, dict) and status["height"] >= 2
    assert status["crypto_suite"] == "intl"
    code, out, _ = invoke(runner, cli_node, "status")
    assert code == 0 and "finchain-sdk-test" in out


def test_redeem_add_account_and_async(runner: CliRunner, cli_node: RunningNode) -> None:
    invoke_json(
        runner, cli_node, "tx", "bank", "issue", "--from", "pboc", "--to", "pboc",
        "--asset", "CNY", "--amount", "10",
    )  # fmt: skip
    redeemed = invoke_json(
        runner, cli_node, "tx", "bank", "redeem", "--from", "pboc", "--asset", "CNY",
        "--amount", "4.00",
    )  # fmt: skip
    assert isinstance(redeemed, dict) and redeemed["code"] == "ok"
    assert invoke_json(runner, cli_node, "query", "balances", "pboc") == {"CNY": "600"}

    new_account = "0x" + "ab" * 20
    added = invoke_json(
        runner, cli_node, "tx", "members", "add-account", "--from", "bank-b",
        "--address", new_account, "--async",
    )  # fmt: skip
    assert isinstance(added, dict) and added["status"] in ("pending", "committed")
    with Client(cli_node.url) as client:
        assert client.wait_for_tx(str(added["hash"]), timeout=10).ok
        assert client.get_account(new_account).org == "bank-b"


def test_invalid_overdraft(runner: CliRunner, cli_node: RunningNode) -> None:
    code, _, err = invoke(
        runner, cli_node, "tx", "bank", "transfer", "--from", "bank-b", "--to", "bank-a",
        "--asset", "CNY", "--amount", "1.00",
    )  # fmt: skip
    assert code == 1
    assert err.startswith("error: bank/insufficient_funds: ")


def test_invalid_amounts_and_names(runner: CliRunner, cli_node: RunningNode) -> None:
    base = ["tx", "bank", "transfer", "--from", "pboc", "--to", "bank-a", "--asset", "CNY"]
    for amount, code_text in [
        ("1.234", "sdk/bad_amount"),
        ("-1", "sdk/bad_amount"),
        ("1e3", "sdk/bad_amount"),
        ("abc", "sdk/bad_amount"),
        ("0", "bank/invalid_amount"),
    ]:
        code, _, err = invoke(runner, cli_node, *base, "--amount", amount)
        assert code == 1 and err.startswith(f"error: {code_text}: "), (amount, err)
    code, _, err = invoke(
        runner, cli_node, "tx", "bank", "transfer", "--from", "pboc", "--to", "nobody",
        "--asset", "CNY", "--amount", "1",
    )  # fmt: skip
    assert code == 1 and err.startswith("error: cli/unknown_account: ")
    code, _, err = invoke(
        runner, cli_node, "tx", "bank", "transfer", "--from", "pboc", "--to", "bank-a",
        "--asset", "XYZ", "--amount", "1",
    )  # fmt: skip
    assert code == 1 and err.startswith("error: api/not_found: ")
    code, _, err = invoke(runner, cli_node, "query", "tx", "ff" * 32)
    assert code == 1 and err.startswith("error: api/not_found: ")


def test_invalid_password(cli_node: RunningNode) -> None:
    runner = CliRunner(env={"FINCHAIN_PASSWORD": "wrong", "FINCHAIN_NODE": None})
    result = runner.invoke(
        app,
        [
            "tx", "bank", "issue", "--from", "pboc", "--to", "bank-a", "--asset", "CNY",
            "--amount", "1", "--home", str(cli_node.home), "--node", cli_node.url,
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("error: keystore/wrong_password: ")


def test_password_prompt(cli_node: RunningNode) -> None:
    runner = CliRunner(env={"FINCHAIN_PASSWORD": None, "FINCHAIN_NODE": None})
    result = runner.invoke(
        app,
        [
            "tx", "bank", "issue", "--from", "pboc", "--to", "bank-a", "--asset", "CNY",
            "--amount", "1", "--home", str(cli_node.home), "--node", cli_node.url, "--json",
        ],
        input="test-password\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout[result.stdout.index("{") :])["code"] == "ok"


def test_invalid_node_unavailable(runner: CliRunner, cli_node: RunningNode) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(app, ["status", "--node", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: sdk/node_unavailable: ")


def test_node_url_from_env(runner: CliRunner, cli_node: RunningNode) -> None:
    result = runner.invoke(app, ["status", "--json"], env={"FINCHAIN_NODE": cli_node.url})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["chain_id"] == "finchain-sdk-test"
