"""`finchain contract` against a running node (dev orgs, keys in HOME/keys): deploy the token
example, call, query, events, abi/info, code, list and params; arguments as JSON-or-text; a
payment attached to a call; refusals printed with their stable codes."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from finchain.sdk import Client
from tests.cli.test_tx_query import invoke, invoke_json
from tests.modules.contracts.support import EXAMPLES, example
from tests.sdk.nodes import RunningNode

TOKEN = str(EXAMPLES / "token.py")


def invoke_dict(runner: CliRunner, node: RunningNode, *args: str) -> dict[str, Any]:
    data = invoke_json(runner, node, *args)
    assert isinstance(data, dict)
    return data


def deploy_token(runner: CliRunner, node: RunningNode, supply: str = "1000") -> str:
    deployed = invoke_dict(
        runner, node, "contract", "deploy", TOKEN, "--from", "bank-a", "--arg", "TOK",
        "--arg", supply,
    )  # fmt: skip
    return str(deployed["address"])


def test_deploy_call_query_and_reads(runner: CliRunner, cli_node: RunningNode) -> None:
    a, b = cli_node.address("bank-a"), cli_node.address("bank-b")
    deployed = invoke_dict(
        runner, cli_node, "contract", "deploy", TOKEN, "--from", "bank-a", "--arg", "TOK",
        "--arg", "1000",
    )  # fmt: skip
    assert deployed["code"] == "ok" and deployed["compute_used"] > 0
    token = str(deployed["address"])
    assert len(deployed["code_hash"]) == 64
    assert [e["type"] for e in deployed["events"]] == ["contract.Minted", "contracts.deployed"]

    called = invoke_dict(runner, cli_node, "contract", "call", token, "transfer", b, "250",
                         "--from", "bank-a")  # fmt: skip
    assert called["code"] == "ok" and called["compute_used"] > 0
    code, out, err = invoke(runner, cli_node, "contract", "call", token, "transfer", b, "5",
                            "--from", "bank-a")  # fmt: skip
    assert code == 0, err
    assert "committed" in out and "contract.Transfer" in out and "compute used" in out

    answer = invoke_dict(runner, cli_node, "contract", "query", token, "balance_of", b)
    assert answer["result"] == 255 and answer["compute_used"] > 0
    code, out, err = invoke(runner, cli_node, "contract", "query", token, "balance_of", a)
    assert (code, out.strip()) == (0, "745") and "compute used" in err
    code, out, _ = invoke(runner, cli_node, "contract", "query", token, "info")
    assert json.loads(out) == {"symbol": "TOK", "total_supply": 1000}
    height = str(deployed["height"])
    past = invoke_dict(runner, cli_node, "contract", "query", token, "balance_of", b,
                       "--height", height)  # fmt: skip
    assert (past["result"], past["height"]) == (0, deployed["height"])

    events = invoke_json(runner, cli_node, "contract", "events", token)
    assert isinstance(events, list)
    assert [(e["type"], e["attributes"].get("amount")) for e in events] == [
        ("contract.Minted", "1000"),
        ("contract.Transfer", "250"),
        ("contract.Transfer", "5"),
    ]
    at = str(called["height"])
    code, out, err = invoke(runner, cli_node, "contract", "events", token,
                            "--from-height", at, "--to-height", at)  # fmt: skip
    assert code == 0, err
    assert "Transfer" in out and "amount=250" in out and "Minted" not in out


def test_abi_info_code_list_and_params(runner: CliRunner, cli_node: RunningNode) -> None:
    token = deploy_token(runner, cli_node)
    info = invoke_dict(runner, cli_node, "contract", "info", token)
    assert info["address"] == token and info["org"] == "bank-a"
    assert [f["name"] for f in info["abi"]["functions"]][:2] == ["transfer", "approve"]
    assert invoke_dict(runner, cli_node, "contract", "abi", token) == info
    code, out, err = invoke(runner, cli_node, "contract", "abi", token)
    assert code == 0, err
    assert "transfer(to: str, amount: int)" in out and "init(token_symbol: str, supply: int)" in out
    assert "The token balance of `account`." in out and "deploy only" in out

    code, out, err = invoke(runner, cli_node, "contract", "code", token)
    assert (code, out) == (0, example("token"))
    assert invoke_dict(runner, cli_node, "contract", "code", token)["code"] == example("token")

    listed = invoke_json(runner, cli_node, "contract", "list")
    assert isinstance(listed, list) and [c["address"] for c in listed] == [token]
    code, out, _ = invoke(runner, cli_node, "contract", "list")
    assert code == 0 and token in out and "bank-a" in out
    params = invoke_dict(runner, cli_node, "contract", "params")
    assert (params["max_compute"], params["compute_price"]) == (2_000_000, 0)
    code, out, _ = invoke(runner, cli_node, "contract", "params")
    assert code == 0 and "max compute" in out and "bank" in out


def test_a_call_pays_the_contract(runner: CliRunner, cli_node: RunningNode) -> None:
    pboc, bank_a = cli_node.wallets["pboc"], cli_node.wallets["bank-a"]
    with Client(cli_node.url) as client:
        client.bank.issue(pboc, bank_a.address, "CNY", 10_000)
        refund_height = client.status().height + 100
    escrow = invoke_dict(
        runner, cli_node, "contract", "deploy", str(EXAMPLES / "escrow.py"), "--from", "bank-a",
        "--arg", cli_node.address("bank-b"), "--arg", pboc.address_hex, "--arg", "CNY",
        "--arg", "2500", "--arg", str(refund_height),
    )["address"]  # fmt: skip
    funded = invoke_dict(runner, cli_node, "contract", "call", str(escrow), "fund",
                         "--from", "bank-a", "--asset", "CNY", "--amount", "25.00")  # fmt: skip
    assert [e["type"] for e in funded["events"]][-2:] == ["contract.Funded", "contracts.called"]
    status = invoke_dict(runner, cli_node, "contract", "query", str(escrow), "status")
    assert status["result"]["state"] == "FUNDED"
    assert invoke_json(runner, cli_node, "query", "balances", str(escrow)) == {"CNY": "2500"}


def test_refusals_print_their_codes(runner: CliRunner, cli_node: RunningNode) -> None:
    token = deploy_token(runner, cli_node, "10")
    a, b = cli_node.address("bank-a"), cli_node.address("bank-b")
    for args, expected in (
        (("call", token, "transfer", b, "11"), "error: contracts/reverted: insufficient token"),
        (("call", token, "transfer", b, '"1"'), "error: sdk/bad_contract_args: transfer: "
                                                "argument 'amount' must be int, got str"),
        (("call", token, "transfer", b), "transfer takes 2 arguments, got 1"),
        (("call", token, "mint", b, "1"), "error: contracts/unknown_function"),
        (("call", token, "fund", "--asset", "CNY"), "error: cli/bad_argument: --asset and"),
        (("query", token, "transfer", b, "1", "--caller", a), "error: contracts/read_only"),
        (("query", token, "balance_of", "1.5"), "error: contracts/bad_args"),
        (("info", "0x" + "ab" * 20), "error: contracts/unknown_contract"),
        (("events", token, "--from-height", "2", "--to-height", "1"), "error: query/bad_request"),
    ):  # fmt: skip
        extra = ("--from", "bank-a") if args[0] == "call" else ()
        code, out, err = invoke(runner, cli_node, "contract", *args, *extra)
        assert code == 1, (args, out)
        assert expected in err, (args, err)
    code, _, err = invoke(runner, cli_node, "contract", "deploy", TOKEN, "--from", "bank-a")
    assert code == 1 and "error: contracts/bad_args" in err  # init needs its two arguments
