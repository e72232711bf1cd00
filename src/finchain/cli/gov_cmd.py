r"""`finchain gov`: propose governed actions, open and cast votes, read proposals and parameters.

    finchain gov propose add-member --from pboc --title "admit Bank D" --org bank-d \
        --name "Bank D" --role bank --account 0x…
    finchain gov open 0 --from pboc
    finchain gov vote 0 yes --from bank-a
    finchain gov list | show 0 | params

An admin member proposes (the proposal is DRAFT and its id is printed), the proposer opens the
vote, and every member organisation with voting weight votes; the vote closes at the end of
block `voting_end_height` (printed by `open`). Blocks, not time, close votes: a solo node makes
blocks only for transactions unless `solo_empty_block_interval_s` is set in its node.json.
The mechanical proposals (`remove-member`, `grant-role`, `revoke-role`, `set-weight`,
`set-scope`) are generated from the message registry (one option per field of the action,
`--org` for `org_id`); the others are written here because they add something (a role list,
a consensus key in base64, a source file, the current parameters as defaults, ...).
Keys are names in HOME/keys (password from $FINCHAIN_PASSWORD, else a prompt); `--account` takes
a `0x` address or a key name. Reads are public; tables for people, `--json` for the API's JSON.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from finchain.cli.common import (
    HEIGHT,
    HOME,
    JSON,
    MEMO,
    NODE,
    READ_OPTIONS,
    TX_OPTIONS,
    Cli,
    Shared,
    print_json,
    sender,
    with_options,
)
from finchain.cli.message_options import (
    PUB_KEY_OPTION,
    convert_field_values,
    make_field_parameters,
)
from finchain.cli.render import make_console, make_field_table, print_tx_result, tx_result_to_json
from finchain.model.message import list_permissions
from finchain.sdk import (
    Client,
    build_message,
    make_add_org,
    make_contract_params,
    make_contract_upgrade,
    make_open_voting,
    make_set_auto_process,
    make_set_chain_params,
    make_set_governance_params,
    make_set_threshold,
    make_set_validator_power,
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
# Proposals generated from the action's fields (the others are written below).
GENERATED_ACTIONS = ("remove-member", "grant-role", "revoke-role", "set-weight", "set-scope")
ACTION_OPTION_NAMES = {"org_id": "--org"}

TITLE = Shared(
    "title", str, typer.Option(..., "--title", help="What the proposal does (1-200 chars).")
)
PROPOSE_OPTIONS = (sender("Key name of an admin member's account."), TITLE, MEMO, HOME, NODE, JSON)
ROLES_OPTION: Any = typer.Option(
    None, "--role", help="A role of the new member (repeat, or comma-separate)."
)
CODE_OPTION: Any = typer.Option(..., "--code", exists=True, dir_okay=False, help="Source file.")
PROPOSAL_ARGUMENT: Any = typer.Argument(..., min=0, help="The proposal id.")


# ---- propose ------------------------------------------------------------------------------------


@propose_app.command("add-member")
@with_options(*PROPOSE_OPTIONS)
def propose_add_member(
    cli: Cli,
    org: str = typer.Option(..., "--org", help="Member organisation id, e.g. bank-d."),
    name: str = typer.Option(..., "--name", help="The organisation's display name."),
    roles: list[str] | None = ROLES_OPTION,
    account: str = typer.Option(..., "--account", help="First account: 0x address or key name."),
) -> None:
    """Admit a new member organisation with its roles and first account."""
    role_list = [r.strip() for text in roles or () for r in text.split(",") if r.strip()]
    propose(cli, lambda _: make_add_org(org, name, role_list, cli.resolve_address(account)))


@propose_app.command("set-validator-power")
@with_options(*PROPOSE_OPTIONS)
def propose_set_validator_power(
    cli: Cli,
    pub_key: str = PUB_KEY_OPTION,
    power: int = typer.Option(..., "--power", min=0, help="New power; 0 removes the validator."),
) -> None:
    """Add, re-weight or remove a validator (two thirds by default)."""
    propose(cli, lambda _: make_set_validator_power(pub_key, power))


@propose_app.command("set-auto-process")
@with_options(*PROPOSE_OPTIONS)
def propose_set_auto_process(
    cli: Cli,
    enabled: bool = typer.Option(
        ..., "--enabled/--disabled", help="End every block with clearing's retries and netting."
    ),
) -> None:
    """Switch clearing's end-of-block processing (rule 3) on or off."""
    propose(cli, lambda _: make_set_auto_process(enabled))


@propose_app.command("set-chain-params")
@with_options(*PROPOSE_OPTIONS)
def propose_set_chain_params(
    cli: Cli,
    max_tx_bytes: int = typer.Option(..., "--max-tx-bytes", help="Largest transaction, bytes."),
    max_block_txs: int = typer.Option(..., "--max-block-txs", help="Most transactions a block."),
    min_fee: int = typer.Option(0, "--min-fee", help="Minimum fee, minor units of the asset."),
    fee_asset: str = typer.Option("", "--fee-asset", help="Asset fees are paid in."),
) -> None:
    """Change the chain parameters (size limit, block cap, minimum fee)."""
    propose(cli, lambda _: make_set_chain_params(max_tx_bytes, max_block_txs, min_fee, fee_asset))


@propose_app.command("upgrade-contract")
@with_options(*PROPOSE_OPTIONS)
def propose_upgrade_contract(
    cli: Cli,
    contract: str = typer.Option(..., "--contract", help="The contract's 0x address."),
    code: Path = CODE_OPTION,
) -> None:
    """Replace a contract's code; its address and storage stay (two thirds by default)."""
    propose(cli, lambda _: make_contract_upgrade(contract, code.read_text(encoding="utf-8")))


@propose_app.command("set-contract-params")
@with_options(*PROPOSE_OPTIONS)
def propose_set_contract_params(
    cli: Cli,
    deployer_roles: str = typer.Option(
        ..., "--deployer-roles", help="Comma-separated roles that may deploy contracts."
    ),
    max_compute: int = typer.Option(..., "--max-compute", help="Compute cap of one call."),
    compute_price: int = typer.Option(
        0, "--compute-price", help="Fee minor units per 1,000 compute units."
    ),
) -> None:
    """Change who may deploy contracts, the compute cap per call and the compute price."""
    roles = [r.strip() for r in deployer_roles.split(",") if r.strip()]
    propose(cli, lambda _: make_contract_params(roles, max_compute, compute_price))


@propose_app.command("set-params")
@with_options(*PROPOSE_OPTIONS)
def propose_set_params(
    cli: Cli,
    voting_period: int | None = typer.Option(
        None, "--voting-period", min=1, help="Voting period in blocks (default: unchanged)."
    ),
    default_threshold: str | None = typer.Option(
        None, "--default-threshold", help="majority, two_thirds or all (default: unchanged)."
    ),
    default_weight: int | None = typer.Option(
        None, "--default-weight", min=0, help="Weight of members without one (default: unchanged)."
    ),
) -> None:
    """Change the voting period, default threshold or default weight (two thirds by default)."""

    def build(client: Client) -> Any:
        current = client.governance.params()
        return make_set_governance_params(
            int(current["voting_period_blocks"]) if voting_period is None else voting_period,
            str(current["default_threshold"]) if default_threshold is None else default_threshold,
            int(current["default_weight"]) if default_weight is None else default_weight,
        )

    propose(cli, build)


@propose_app.command("set-threshold")
@with_options(*PROPOSE_OPTIONS)
def propose_set_threshold(
    cli: Cli,
    action_name: str = typer.Option(
        ...,
        "--action",
        help="A governed action: its command name (remove-member) or type (members/RemoveOrg@1).",
    ),
    threshold: str = typer.Option(..., "--threshold", help="majority, two_thirds or all."),
) -> None:
    """Set the threshold that proposals of one governed action need from now on."""
    action_type = ACTION_TYPES.get(action_name, action_name)
    propose(cli, lambda _: make_set_threshold(action_type, threshold))


def add_generated_proposals() -> None:
    """`GENERATED_ACTIONS`: one option per field of the action (see the module docstring)."""
    for command_name in GENERATED_ACTIONS:
        type_name = ACTION_TYPES[command_name]

        def propose_action(cli: Cli, type_name: str = type_name, **values: Any) -> None:
            propose(
                cli,
                lambda client: build_message(
                    type_name, **convert_field_values(cli, client, type_name, values)
                ),
            )

        parameters = make_field_parameters(type_name, ACTION_OPTION_NAMES)
        propose_action.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("cli", inspect.Parameter.POSITIONAL_OR_KEYWORD), *parameters]
        )
        propose_action.__doc__ = f"Propose {type_name} (by a vote)."
        command = with_options(*PROPOSE_OPTIONS)(propose_action)
        propose_app.command(command_name, help=describe_action(type_name))(command)


def describe_action(type_name: str) -> str:
    descriptions = {p.type_name: p.description for p in list_permissions()}
    return descriptions.get(type_name) or f"Propose {type_name}."


add_generated_proposals()


def propose(cli: Cli, build_action: Any) -> None:
    """Propose the action `build_action(client)` makes, wait for commit, print the result and
    the new proposal's id."""
    with cli.open_client() as client:
        action = build_action(client)
        proposed = client.governance.propose(cli.load_wallet(), action, cli.title, memo=cli.memo)
    if cli.as_json:
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
        f"open the vote with: finchain gov open {proposed.proposal_id} --from {cli.sender}"
    )


# ---- open and vote ------------------------------------------------------------------------------


@gov_app.command("open")
@with_options(sender("Key name of an account of the proposer."), *TX_OPTIONS)
def open_voting(cli: Cli, proposal_id: int = PROPOSAL_ARGUMENT) -> None:
    """Open a DRAFT proposal's vote (its `voting_end_height` is in the event)."""
    with cli.open_client() as client:
        cli.submit(client, make_open_voting(proposal_id))


@gov_app.command("vote")
@with_options(sender("Key name of a member's account."), *TX_OPTIONS)
def vote(
    cli: Cli,
    proposal_id: int = PROPOSAL_ARGUMENT,
    option: str = typer.Argument(..., help="yes, no or abstain."),
) -> None:
    """Vote for your organisation; a later vote replaces the earlier one until the close."""
    with cli.open_client() as client:
        cli.submit(client, make_vote(proposal_id, option.lower()))


# ---- reads --------------------------------------------------------------------------------------


@gov_app.command("list")
@with_options(HEIGHT, *READ_OPTIONS)
def list_proposals(cli: Cli) -> None:
    """Every proposal with its status, votes so far or final tally."""
    with cli.open_client() as client:
        proposals = client.governance.proposals(cli.height)
        if cli.as_json:
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
@with_options(HEIGHT, *READ_OPTIONS)
def show_proposal(
    cli: Cli,
    proposal_id: int = PROPOSAL_ARGUMENT,
) -> None:
    """One proposal: its action, status, tally and each organisation's vote."""
    with cli.open_client() as client:
        proposal = client.governance.proposal(proposal_id, cli.height)
        if cli.as_json:
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
@with_options(HEIGHT, *READ_OPTIONS)
def show_params(cli: Cli) -> None:
    """The voting period, default weight and the threshold of each governed action."""
    with cli.open_client() as client:
        params = client.governance.params(cli.height)
        if cli.as_json:
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
