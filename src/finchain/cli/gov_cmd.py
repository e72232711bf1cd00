"""`finchain gov`: propose governed actions, open and cast votes, read proposals and parameters.

    finchain gov propose add-member --from pboc --title "admit Bank D" --org bank-d \\
        --name "Bank D" --role bank --account 0x…
    finchain gov open 0 --from pboc
    finchain gov vote 0 yes --from bank-a
    finchain gov list | show 0 | params

An admin member proposes (the proposal is DRAFT and its id is printed), the proposer opens the
vote, and every member organisation with voting weight votes; the vote closes at the end of
block `voting_end_height` (printed by `open`). Blocks, not time, close votes: a solo node makes
blocks only for transactions unless `solo_empty_block_interval_s` is set in its node.json.
Keys are names in HOME/keys (password from $FINCHAIN_PASSWORD, else a prompt); `--account` takes
a `0x` address or a key name. Reads are public; tables for people, `--json` for the API's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finchain.cli.common import (
    HEIGHT_OPTION,
    HOME_OPTION,
    JSON_OPTION,
    NODE_OPTION,
    guard_errors,
    load_wallet,
    print_json,
    resolve_address,
    resolve_node_url,
)
from finchain.cli.render import make_console, make_field_table, print_tx_result, tx_result_to_json
from finchain.cli.tx_cmd import ASYNC_OPTION, MEMO_OPTION, sign_submit_and_print
from finchain.sdk import (
    Client,
    make_add_org,
    make_contract_params,
    make_contract_upgrade,
    make_grant_role,
    make_open_voting,
    make_remove_org,
    make_revoke_role,
    make_set_auto_process,
    make_set_chain_params,
    make_set_governance_params,
    make_set_scope,
    make_set_threshold,
    make_set_validator_power,
    make_set_weight,
    make_vote,
)
from finchain.sdk.governance import is_closed

gov_app = typer.Typer(
    help="Governance: propose changes to the consortium and vote on them.", no_args_is_help=True
)
propose_app = typer.Typer(
    help="Propose a governed action (admin members); prints the new proposal's id.",
    no_args_is_help=True,
)
gov_app.add_typer(propose_app, name="propose")

# The command name of each governed action, also accepted by `set-threshold --action`.
ACTION_TYPES = {
    "add-member": "members/AddOrg@1",
    "remove-member": "members/RemoveOrg@1",
    "grant-role": "members/GrantRole@1",
    "revoke-role": "members/RevokeRole@1",
    "set-validator-power": "validators/SetPower@1",
    "set-weight": "governance/SetWeight@1",
    "set-params": "governance/SetParams@1",
    "set-threshold": "governance/SetThreshold@1",
    "set-scope": "supervision/SetScope@1",
    "set-auto-process": "clearing/SetAutoProcess@1",
    "set-chain-params": "params/SetChainParams@1",
    "upgrade-contract": "contracts/Upgrade@1",
    "set-contract-params": "contracts/SetParams@1",
}

PROPOSER_OPTION: Any = typer.Option(..., "--from", help="Key name of an admin member's account.")
TITLE_OPTION: Any = typer.Option(..., "--title", help="What the proposal does (1-200 chars).")
ORG_OPTION: Any = typer.Option(..., "--org", help="Member organisation id, e.g. bank-d.")
ROLE_OPTION: Any = typer.Option(
    ..., "--role", help="Role: admin, central_bank, bank, payment_institution, regulator, ..."
)
ROLES_OPTION: Any = typer.Option(
    None, "--role", help="A role of the new member (repeat, or comma-separate)."
)
CODE_OPTION: Any = typer.Option(..., "--code", exists=True, dir_okay=False, help="Source file.")
PROPOSAL_ARGUMENT: Any = typer.Argument(..., min=0, help="The proposal id.")


# ---- propose ------------------------------------------------------------------------------------


@propose_app.command("add-member")
def propose_add_member(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    org: str = ORG_OPTION,
    name: str = typer.Option(..., "--name", help="The organisation's display name."),
    roles: list[str] | None = ROLES_OPTION,
    account: str = typer.Option(..., "--account", help="First account: 0x address or key name."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Admit a new member organisation with its roles and first account."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        role_list = [r.strip() for text in roles or () for r in text.split(",") if r.strip()]
        action = make_add_org(org, name, role_list, resolve_address(account, home))
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("remove-member")
def propose_remove_member(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    org: str = ORG_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove a member organisation and every account of it (two thirds by default)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        propose_and_print(client, sender, home, make_remove_org(org), title, memo, as_json)


@propose_app.command("grant-role")
def propose_grant_role(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    org: str = ORG_OPTION,
    role: str = ROLE_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Give a member organisation a role."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        propose_and_print(client, sender, home, make_grant_role(org, role), title, memo, as_json)


@propose_app.command("revoke-role")
def propose_revoke_role(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    org: str = ORG_OPTION,
    role: str = ROLE_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Take a role away from a member organisation (the last admin's is refused when run)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        propose_and_print(client, sender, home, make_revoke_role(org, role), title, memo, as_json)


@propose_app.command("set-validator-power")
def propose_set_validator_power(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    pub_key: str = typer.Option(
        ...,
        "--pub-key",
        help="Ed25519 consensus key: base64 (pub_key.value of priv_validator_key.json) or hex.",
    ),
    power: int = typer.Option(..., "--power", min=0, help="New power; 0 removes the validator."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add, re-weight or remove a validator (two thirds by default)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        action = make_set_validator_power(pub_key, power)
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("set-weight")
def propose_set_weight(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    org: str = ORG_OPTION,
    weight: int = typer.Option(..., "--weight", min=0, help="Voting weight; 0: may not vote."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a member organisation's voting weight."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        propose_and_print(client, sender, home, make_set_weight(org, weight), title, memo, as_json)


@propose_app.command("set-scope")
def propose_set_scope(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    org: str = ORG_OPTION,
    orgs: str = typer.Option(
        ..., "--orgs", help='Organisations the regulator supervises, comma-separated, or "*".'
    ),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a regulator's jurisdiction: the member organisations whose data it may read."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        propose_and_print(client, sender, home, make_set_scope(org, orgs), title, memo, as_json)


@propose_app.command("set-auto-process")
def propose_set_auto_process(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    enabled: bool = typer.Option(
        ..., "--enabled/--disabled", help="End every block with clearing's retries and netting."
    ),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Switch clearing's end-of-block processing (rule 3) on or off."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        action = make_set_auto_process(enabled)
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("set-chain-params")
def propose_set_chain_params(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    max_tx_bytes: int = typer.Option(..., "--max-tx-bytes", help="Largest transaction, bytes."),
    max_block_txs: int = typer.Option(..., "--max-block-txs", help="Most transactions a block."),
    min_fee: int = typer.Option(0, "--min-fee", help="Minimum fee, minor units of the asset."),
    fee_asset: str = typer.Option("", "--fee-asset", help="Asset fees are paid in."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change the chain parameters (size limit, block cap, minimum fee)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        action = make_set_chain_params(max_tx_bytes, max_block_txs, min_fee, fee_asset)
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("upgrade-contract")
def propose_upgrade_contract(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    contract: str = typer.Option(..., "--contract", help="The contract's 0x address."),
    code: Path = CODE_OPTION,
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Replace a contract's code; its address and storage stay (two thirds by default)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        action = make_contract_upgrade(contract, code.read_text(encoding="utf-8"))
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("set-contract-params")
def propose_set_contract_params(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    deployer_roles: str = typer.Option(
        ..., "--deployer-roles", help="Comma-separated roles that may deploy contracts."
    ),
    max_compute: int = typer.Option(..., "--max-compute", help="Compute cap of one call."),
    compute_price: int = typer.Option(
        0, "--compute-price", help="Fee minor units per 1,000 compute units."
    ),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change who may deploy contracts, the compute cap per call and the compute price."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        roles = [r.strip() for r in deployer_roles.split(",") if r.strip()]
        action = make_contract_params(roles, max_compute, compute_price)
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("set-params")
def propose_set_params(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    voting_period: int | None = typer.Option(
        None, "--voting-period", min=1, help="Voting period in blocks (default: unchanged)."
    ),
    default_threshold: str | None = typer.Option(
        None, "--default-threshold", help="majority, two_thirds or all (default: unchanged)."
    ),
    default_weight: int | None = typer.Option(
        None, "--default-weight", min=0, help="Weight of members without one (default: unchanged)."
    ),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change the voting period, default threshold or default weight (two thirds by default)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        current = client.governance.params()
        action = make_set_governance_params(
            int(current["voting_period_blocks"]) if voting_period is None else voting_period,
            str(current["default_threshold"]) if default_threshold is None else default_threshold,
            int(current["default_weight"]) if default_weight is None else default_weight,
        )
        propose_and_print(client, sender, home, action, title, memo, as_json)


@propose_app.command("set-threshold")
def propose_set_threshold(
    sender: str = PROPOSER_OPTION,
    title: str = TITLE_OPTION,
    action_name: str = typer.Option(
        ...,
        "--action",
        help="A governed action: its command name (remove-member) or type (members/RemoveOrg@1).",
    ),
    threshold: str = typer.Option(..., "--threshold", help="majority, two_thirds or all."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Set the threshold that proposals of one governed action need from now on."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        action = make_set_threshold(ACTION_TYPES.get(action_name, action_name), threshold)
        propose_and_print(client, sender, home, action, title, memo, as_json)


def propose_and_print(
    client: Client, sender: str, home: Path, action: Any, title: str, memo: str, as_json: bool
) -> None:
    """Propose `action`, wait for commit, print the result and the new proposal's id."""
    proposed = client.governance.propose(load_wallet(sender, home), action, title, memo=memo)
    if as_json:
        print_json(
            {
                **tx_result_to_json(proposed.tx),
                "proposal_id": proposed.proposal_id,
                "threshold": proposed.threshold,
            }
        )
        return
    print_tx_result(proposed.tx)
    typer.echo(
        f"proposal id: {proposed.proposal_id} (DRAFT, needs {proposed.threshold}); "
        f"open the vote with: finchain gov open {proposed.proposal_id} --from {sender}"
    )


# ---- open and vote ------------------------------------------------------------------------------


@gov_app.command("open")
def open_voting(
    proposal_id: int = PROPOSAL_ARGUMENT,
    sender: str = typer.Option(..., "--from", help="Key name of an account of the proposer."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Open a DRAFT proposal's vote (its `voting_end_height` is in the event)."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_open_voting(proposal_id)
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


@gov_app.command("vote")
def vote(
    proposal_id: int = PROPOSAL_ARGUMENT,
    option: str = typer.Argument(..., help="yes, no or abstain."),
    sender: str = typer.Option(..., "--from", help="Key name of a member's account."),
    memo: str = MEMO_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    no_wait: bool = ASYNC_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Vote for your organisation; a later vote replaces the earlier one until the close."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        msg = make_vote(proposal_id, option.lower())
        sign_submit_and_print(client, sender, home, msg, memo, no_wait, as_json)


# ---- reads --------------------------------------------------------------------------------------


@gov_app.command("list")
def list_proposals(
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every proposal with its status, votes so far or final tally."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        proposals = client.governance.proposals(height)
        if as_json:
            print_json(proposals)
            return
        columns = ("id", "status", "action", "title", "proposer", "threshold", "ends", "votes")
        table = Table(*columns, title="proposals")
        for p in proposals:
            table.add_row(
                str(p["id"]),
                str(p["status"]),
                str(p["action"]["type"]),
                str(p["title"]),
                str(p["proposer"]),
                str(p["threshold"]),
                str(p["voting_end_height"] or "-"),
                format_votes(p),
            )
        make_console().print(table)


@gov_app.command("show")
def show_proposal(
    proposal_id: int = PROPOSAL_ARGUMENT,
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """One proposal: its action, status, tally and each organisation's vote."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        proposal = client.governance.proposal(proposal_id, height)
        if as_json:
            print_json(proposal)
            return
        console = make_console()
        table = make_field_table()
        for key in ("id", "title", "proposer", "status", "threshold", "submit_height"):
            table.add_row(key, str(proposal[key]))
        table.add_row("voting_end_height", str(proposal["voting_end_height"] or "-"))
        table.add_row("action", str(proposal["action"]["type"]))
        for name, value in dict(proposal["action"]["value"]).items():
            table.add_row(f"  {name}", str(value))
        table.add_row("tally" if is_closed(proposal) else "votes", format_votes(proposal))
        if proposal["result"]:
            table.add_row("result", str(proposal["result"]))
        console.print(table)
        votes = Table("organisation", "vote", title="votes")
        for org, option in sorted(dict(proposal["votes"]).items()):
            votes.add_row(str(org), str(option))
        console.print(votes)


@gov_app.command("params")
def show_params(
    height: int | None = HEIGHT_OPTION,
    home: Path = HOME_OPTION,
    node: str | None = NODE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The voting period, default weight and the threshold of each governed action."""
    with guard_errors(), Client(resolve_node_url(node, home)) as client:
        params = client.governance.params(height)
        if as_json:
            print_json(params)
            return
        console = make_console()
        table = make_field_table()
        for key in ("voting_period_blocks", "default_threshold", "default_weight"):
            table.add_row(key, str(params[key]))
        console.print(table)
        thresholds = Table("action", "threshold", title="thresholds")
        explicit = dict(params["thresholds"])
        for action_type in sorted(set(ACTION_TYPES.values()) | set(explicit)):
            default = f"{params['default_threshold']} (default)"
            thresholds.add_row(action_type, str(explicit.get(action_type, default)))
        console.print(thresholds)


def format_votes(proposal: Mapping[str, Any]) -> str:
    """The final tally of a closed vote, else the votes cast so far (weights count at the
    close)."""
    if is_closed(proposal):
        return format_tally(proposal["tally"])
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for option in dict(proposal["votes"]).values():
        counts[str(option)] = counts.get(str(option), 0) + 1
    return ", ".join(f"{count} {option}" for option, count in counts.items()) + " so far"


def format_tally(tally: Mapping[str, Any]) -> str:
    return (
        f"yes={tally['yes']} no={tally['no']} abstain={tally['abstain']} "
        f"of total weight {tally['total']}"
    )
