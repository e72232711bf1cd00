"""`finchain gov` against a running node (dev orgs, keys in HOME/keys): propose, open, vote, list,
show and params, a member admitted by vote, and refusals printed with their stable codes.

Votes last 10 blocks; each committed transaction makes one block on the solo engine, so the
test commits issues from pboc to reach a vote's end height.
"""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from finchain.cli.gov_cmd import ACTION_TYPES
from finchain.modules.governance.messages import GOVERNABLE_ACTIONS
from finchain.sdk import Client, Wallet
from tests.cli.test_tx_query import invoke, invoke_json
from tests.sdk.nodes import RunningNode


def invoke_dict(runner: CliRunner, node: RunningNode, *args: str) -> dict[str, Any]:
    data = invoke_json(runner, node, *args)
    assert isinstance(data, dict)
    return data


def make_blocks(node: RunningNode, until_height: int) -> None:
    pboc = node.wallets["pboc"]
    with Client(node.url) as client:
        while client.status().height < until_height:
            client.bank.issue(pboc, pboc.address, "CNY", 1)


def test_propose_open_vote_list_show_and_execute(runner: CliRunner, cli_node: RunningNode) -> None:
    bank_d = Wallet.generate("intl").address_hex
    proposed = invoke_dict(
        runner, cli_node, "gov", "propose", "add-member", "--from", "pboc",
        "--title", "admit Bank D", "--org", "bank-d", "--name", "Bank D", "--role", "bank",
        "--account", bank_d,
    )  # fmt: skip
    assert (proposed["code"], proposed["proposal_id"], proposed["threshold"]) == (
        "ok",
        0,
        "majority",
    )
    assert proposed["events"][0]["type"] == "governance.proposal_submitted"
    code, out, err = invoke(
        runner, cli_node, "gov", "propose", "grant-role", "--from", "pboc",
        "--title", "bank-a pays too", "--org", "bank-a", "--role", "payment_institution",
    )  # fmt: skip
    assert code == 0, err
    assert "committed" in out and "proposal id: 1 (DRAFT, needs majority)" in out

    opened = invoke_dict(runner, cli_node, "gov", "open", "0", "--from", "pboc")
    [event] = opened["events"]
    assert event["type"] == "governance.voting_opened"
    end = int(event["attributes"]["voting_end_height"])
    invoke_json(runner, cli_node, "gov", "vote", "0", "yes", "--from", "pboc")
    invoke_json(runner, cli_node, "gov", "vote", "0", "YES", "--from", "bank-a")
    code, out, err = invoke(runner, cli_node, "gov", "vote", "0", "yes", "--from", "bank-b")
    assert code == 0, err
    assert "governance.vote_cast" in out and "bank-b" in out

    proposals = invoke_json(runner, cli_node, "gov", "list")
    assert isinstance(proposals, list)
    assert [(p["id"], p["status"]) for p in proposals] == [(0, "VOTING"), (1, "DRAFT")]
    assert proposals[0]["votes"] == {"bank-a": "yes", "bank-b": "yes", "pboc": "yes"}
    assert proposals[0]["action"]["value"]["account"] == bank_d
    code, out, err = invoke(runner, cli_node, "gov", "list")
    assert code == 0, err
    assert "members/AddOrg@1" in out and "admit Bank D" in out and "3 yes, 0 no" in out
    code, out, err = invoke(runner, cli_node, "gov", "show", "0")
    assert code == 0, err
    assert "VOTING" in out and str(end) in out and "bank-d" in out and "bank-b" in out

    make_blocks(cli_node, end)
    executed = invoke_dict(runner, cli_node, "gov", "show", "0")
    assert executed["status"] == "EXECUTED"
    assert executed["tally"] == {"yes": 3, "no": 0, "abstain": 0, "total": 5}
    code, out, err = invoke(runner, cli_node, "gov", "list")
    assert code == 0, err
    assert "EXECUTED" in out and "yes=3 no=0 abstain=0 of total weight 5" in out
    members = invoke_json(runner, cli_node, "query", "members")
    assert isinstance(members, list)
    assert {"id": "bank-d", "name": "Bank D", "roles": ["bank"], "accounts": [bank_d]} in members


def test_params_and_parameter_proposals(runner: CliRunner, cli_node: RunningNode) -> None:
    params = invoke_dict(runner, cli_node, "gov", "params")
    assert (params["voting_period_blocks"], params["default_weight"]) == (10, 1)
    assert params["thresholds"]["members/RemoveOrg@1"] == "two_thirds"
    code, out, err = invoke(runner, cli_node, "gov", "params")
    assert code == 0, err
    assert "validators/SetPower@1" in out and "majority (default)" in out

    set_params = invoke_dict(
        runner, cli_node, "gov", "propose", "set-params", "--from", "pboc", "--title", "faster",
        "--voting-period", "5",
    )  # fmt: skip
    assert set_params["threshold"] == "two_thirds"
    invoke_json(
        runner, cli_node, "gov", "propose", "set-threshold", "--from", "pboc",
        "--title", "removals need all", "--action", "remove-member", "--threshold", "all",
    )  # fmt: skip
    invoke_json(
        runner, cli_node, "gov", "propose", "set-validator-power", "--from", "pboc",
        "--title", "new validator", "--pub-key", "07" * 32, "--power", "3",
    )  # fmt: skip
    proposals = invoke_json(runner, cli_node, "gov", "list")
    assert isinstance(proposals, list)
    actions = [p["action"] for p in proposals]
    assert actions[0]["value"] == {
        "voting_period_blocks": "5",  # integers as decimal strings, as in TxJson
        "default_threshold": "majority",
        "default_weight": "1",
    }
    assert actions[1]["value"] == {"action_type": "members/RemoveOrg@1", "threshold": "all"}
    assert actions[2]["type"] == "validators/SetPower@1"
    assert actions[2]["value"] == {"pub_key": "07" * 32, "power": "3"}  # plain hex, as elsewhere


def test_invalid_commands_print_the_stable_code(runner: CliRunner, cli_node: RunningNode) -> None:
    code, _, err = invoke(
        runner, cli_node, "gov", "propose", "remove-member", "--from", "bank-a",
        "--title", "remove bank-c", "--org", "bank-c",
    )  # fmt: skip
    assert code == 1 and "error: tx/role_not_permitted" in err
    invoke_json(
        runner, cli_node, "gov", "propose", "set-weight", "--from", "pboc",
        "--title", "observer", "--org", "regulator", "--weight", "0",
    )  # fmt: skip
    code, _, err = invoke(runner, cli_node, "gov", "vote", "0", "yes", "--from", "bank-a")
    assert code == 1 and "error: governance/illegal_transition" in err
    code, _, err = invoke(runner, cli_node, "gov", "vote", "0", "maybe", "--from", "bank-a")
    assert code == 1 and "error: governance/bad_field" in err
    code, _, err = invoke(runner, cli_node, "gov", "show", "9")
    assert code == 1 and "error: api/not_found" in err


def test_every_governed_action_has_a_propose_command() -> None:
    assert set(ACTION_TYPES.values()) == GOVERNABLE_ACTIONS
