"""`finchain tx`: sign with a key of HOME/keys and submit to a node, one command per message type.

The commands are generated from the message registry (`finchain.model.message`): every type a
member may send (`module/Name@1`) is `finchain tx <module> <name>`, kebab-case, with one
required option per field (`bank/Transfer@1` is `finchain tx bank transfer --to --asset
--amount`), its description as help and its roles in the `--from` help. A new message type
therefore needs no CLI code. Field values are friendly:

- an `address` field takes a `0x…` address or a key name of the home's keyring;
- `amount` is in major units ("12.34"), converted exactly with the decimals of the field
  `asset` (a bank asset, read from the node) or of `currency` (a clearing currency, ISO 4217
  digits, `finchain.iso20022.CURRENCY_DECIMALS`);
- a `bytes` field takes hex text; `int` and `str` fields are given as they are.

Hand-written commands take the place of the generated one where they add value, listed in
`HAND_WRITTEN` (e.g. `tx validators set-power` takes CometBFT's base64 key; the clearing ones in
`clearing_cmd.py`; contracts, governance and supervision have their own command groups).
Governance-only types are not sent but proposed (`finchain gov propose`).
The key password comes from $FINCHAIN_PASSWORD, else a prompt (plaintext keys need none).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import typer

from finchain.cli.clearing_cmd import clearing_tx_app
from finchain.cli.common import TX_OPTIONS, Cli, sender, with_options
from finchain.cli.message_options import (
    PUB_KEY_OPTION,
    compute_command_name,
    convert_field_values,
    make_field_parameters,
)
from finchain.model.message import (
    ANY_MEMBER,
    AllowedRoles,
    Permission,
    list_permissions,
)
from finchain.sdk import build_message, make_set_validator_power

tx_app = typer.Typer(help="Sign and submit transactions.", no_args_is_help=True)
validators_app = typer.Typer(
    help="Validators module: change the validator set (admin, within the bootstrap window).",
    no_args_is_help=True,
)
tx_app.add_typer(clearing_tx_app, name="clearing")
tx_app.add_typer(validators_app, name="validators")

MODULE_HELP = {
    "bank": "Bank module: issue, transfer and redeem assets.",
    "members": "Members module: accounts of your organisation.",
}
# Types whose command is written by hand (the value it adds), by where it is.
HAND_WRITTEN = {
    "validators/SetPower@1": "tx validators set-power (a base64 or hex consensus key)",
    "clearing/SubmitPayment@1": "tx clearing submit-payment (a fresh UETR by default)",
    "clearing/HoldPayment@1": "tx clearing hold UETR",
    "clearing/ReleasePayment@1": "tx clearing release UETR",
    "clearing/CancelPayment@1": "tx clearing cancel UETR",
    "clearing/SetSuspended@1": "tx clearing set-suspended --suspend/--unsuspend",
    "contracts/Deploy@1": "contract deploy (source file, JSON arguments)",
    "contracts/Call@1": "contract call (arguments checked against the ABI)",
    "governance/Propose@1": "gov propose <action>",
    "governance/OpenVoting@1": "gov open",
    "governance/Vote@1": "gov vote",
    "supervision/IssueDirective@1": "reg directive freeze | suspend",
    "supervision/LiftDirective@1": "reg directive lift",
    "supervision/SubmitReport@1": "reg submit-report (generates the report's hash)",
    "supervision/ReviewReport@1": "reg review",
}


@validators_app.command("set-power")
@with_options(sender(), *TX_OPTIONS)
def set_validator_power(
    cli: Cli,
    pub_key: str = PUB_KEY_OPTION,
    power: int = typer.Option(..., "--power", help="New voting power; 0 removes the validator."),
) -> None:
    """Add, re-weight or remove a validator (CometBFT applies it two blocks later)."""
    with cli.open_client() as client:
        cli.submit(client, make_set_validator_power(pub_key, power))


# ---- generated from the registry ----------------------------------------------------------------


def add_message_commands(
    root: typer.Typer, module_apps: Mapping[str, typer.Typer], skip: Mapping[str, str]
) -> list[str]:
    """Add `<module> <name>` under `root` for every registered type members may send and
    `skip` does not list; a module without a group in `module_apps` gets a new one. Returns
    the type names it made commands for."""
    apps = dict(module_apps)
    made = []
    for permission in list_permissions():
        module, _, name = permission.type_name.partition("/")
        if not permission.roles or permission.type_name in skip:
            continue  # governance-only (proposed, not sent), or written by hand
        if module not in apps:
            apps[module] = typer.Typer(
                help=MODULE_HELP.get(module, f"The {module} module's transactions."),
                no_args_is_help=True,
            )
            root.add_typer(apps[module], name=module)
        command = make_message_command(permission)
        apps[module].command(compute_command_name(name), help=command.__doc__)(command)
        made.append(permission.type_name)
    return made


def make_message_command(permission: Permission) -> Callable[..., None]:
    """The typer command of one message type: options from its fields, then the shared ones."""
    type_name = permission.type_name

    def send(cli: Cli, **values: str | int) -> None:
        with cli.open_client() as client:
            msg = build_message(type_name, **convert_field_values(cli, client, type_name, values))
            cli.submit(client, msg)

    send.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("cli", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Cli),
            *make_field_parameters(type_name),
        ]
    )
    send.__name__ = compute_command_name(type_name.partition("/")[2]).replace("-", "_")
    send.__doc__ = f"{permission.description or type_name} ({type_name})"
    return with_options(sender(describe_senders(permission.roles)), *TX_OPTIONS)(send)


def describe_senders(roles: AllowedRoles) -> str:
    if roles is ANY_MEMBER:
        return "Key name in HOME/keys that signs (an account of any member)."
    return f"Key name in HOME/keys that signs (an account of a {' or '.join(sorted(roles))})."


GENERATED = add_message_commands(tx_app, {"clearing": clearing_tx_app}, HAND_WRITTEN)
