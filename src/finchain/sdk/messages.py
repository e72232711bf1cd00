"""Message builders with friendly argument types for the typed helpers (`client.bank.transfer`).

Every registered message type (`finchain.model.message`) can be built by name, with no code
here: `build_message("clearing/OpenAccount@1", participant="bank-a", currency="CNY")` takes the
fields the registry lists, converts the friendly forms (an `address` field takes `0x…` text or
20 raw bytes, a `bytes` field raw bytes or hex text), refuses a bool or float for an `int` field
(TypeError), builds the message and runs its stateless `validate_basic()`, so a bad amount or
symbol fails before anything is signed. The `make_*` names of the mechanical types are such
builders, made from their class (`make_transfer = message_builder(Transfer)`); the hand-written
ones below them add what the registry cannot know: amounts checked as minor units, role lists,
validator keys in base64, contract arguments, report hashes and parameters, fresh UETRs.

Addresses may be `0x…` text or 20 raw bytes; amounts are ints in minor units (use
`parse_amount` for "12.34"). Clearing participants and governed members are organisation ids
(`bank-a`), not addresses. Governed actions (`make_add_org`, ..., `make_set_threshold`) are not
sent directly: the node refuses them unless a vote adopted them, so they go into `make_propose`
(or `client.governance.propose`). Supervision directives name an account (`0x…`, normalised
here to the lowercase form the module requires) or a participant (org id). Contract calls
(`make_deploy`, `make_call`) carry their arguments in the VM's byte form (`encode_args`).
"""

from __future__ import annotations

import base64
import binascii
import inspect
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from finchain.crypto import Address, parse_address
from finchain.model import decode_msg
from finchain.model.message import message_fields
from finchain.modules.bank.messages import Issue, Redeem, Transfer
from finchain.modules.clearing import messages as clearing
from finchain.modules.contracts import messages as contracts
from finchain.modules.governance import messages as governance
from finchain.modules.members.messages import (
    AddAccount,
    AddOrg,
    GrantRole,
    RemoveOrg,
    RevokeRole,
)
from finchain.modules.params.messages import SetChainParams
from finchain.modules.supervision import messages as supervision
from finchain.modules.validators.messages import SetPower
from finchain.sdk.wire import AddressInput, coerce_address
from finchain.vm import encode_args
from finchain.vm.values import ValueError_

M = TypeVar("M")
MONEY_FIELDS = frozenset({"amount"})  # int fields that are money: minor units


# ---- built from the registry ----------------------------------------------------------------


def build_message(type_name: str, *args: Any, **fields: Any) -> Any:
    """The registered message `type_name` from its field values (positional in declaration
    order, or by name), converted and checked as the module docstring says."""
    spec = message_fields(type_name)
    names = [name for name, _ in spec]
    if len(args) > len(names):
        raise TypeError(f"{type_name} has {len(names)} fields, got {len(args)} values")
    values = dict(zip(names, args, strict=False))
    for name, value in fields.items():
        if name not in names:
            raise TypeError(f"{type_name} has no field {name!r}; its fields: {', '.join(names)}")
        if name in values:
            raise TypeError(f"{type_name}: {name} given twice")
        values[name] = value
    missing = [name for name in names if name not in values]
    if missing:
        raise TypeError(f"{type_name}: missing {', '.join(missing)}")
    converted = [
        convert_field(name, kind, values[name]) for name, kind in message_fields(type_name)
    ]
    msg = decode_msg([type_name, converted])
    msg.validate_basic()
    return msg


def convert_field(name: str, kind: str, value: Any) -> Any:
    """One field's friendly form -> its wire type (`message_fields` kinds)."""
    if kind == "address":
        return to_address(value)
    if kind == "int":
        if name in MONEY_FIELDS:
            return _validate_minor_units(value)
        return _validate_int(name, value)
    if kind == "bytes" and isinstance(value, str):
        return decode_hex(name, value)
    if kind == "bytes" and isinstance(value, bytearray):
        return bytes(value)
    return value


class MessageBuilder(Generic[M]):
    """`make_x(...)` for one message class: `build_message(cls.TYPE, ...)`, typed as the class,
    with optional defaults for trailing fields."""

    def __init__(self, cls: type[M], **defaults: Any) -> None:
        self.type_name: str = getattr(cls, "TYPE")  # noqa: B009  (set by @message_type)
        self._defaults = defaults
        fields = message_fields(self.type_name)
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    name,
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=defaults.get(name, inspect.Parameter.empty),
                )
                for name, _ in fields
            ]
        )
        described = ", ".join(f"{name}: {kind}" for name, kind in fields)
        self.__doc__ = f"A checked `{self.type_name}` message ({described})."

    def __call__(self, *args: Any, **fields: Any) -> M:
        bound = self.__signature__.bind(*args, **fields)
        bound.apply_defaults()
        msg: M = build_message(self.type_name, **bound.arguments)
        return msg


def message_builder(cls: type[M], **defaults: Any) -> MessageBuilder[M]:
    return MessageBuilder(cls, **defaults)


make_transfer = message_builder(Transfer)
make_issue = message_builder(Issue)
make_redeem = message_builder(Redeem)
make_add_account = message_builder(AddAccount)
make_remove_org = message_builder(RemoveOrg)
make_grant_role = message_builder(GrantRole)
make_revoke_role = message_builder(RevokeRole)
make_set_chain_params = message_builder(SetChainParams, min_fee=0, fee_asset="")
make_contract_upgrade = message_builder(contracts.Upgrade)
make_open_voting = message_builder(governance.OpenVoting)
make_vote = message_builder(governance.Vote)  # option: "yes", "no" or "abstain"
make_set_weight = message_builder(governance.SetWeight)
make_set_governance_params = message_builder(governance.SetParams)
make_set_threshold = message_builder(governance.SetThreshold)
make_lift_directive = message_builder(supervision.LiftDirective)
make_review_report = message_builder(supervision.ReviewReport, note="")
make_open_account = message_builder(clearing.OpenAccount)
make_register_bic = message_builder(clearing.RegisterBic)
make_pledge = message_builder(clearing.Pledge)
make_clearing_redeem = message_builder(clearing.Redeem)  # not the bank module's Redeem
make_set_urgent_reserve = message_builder(clearing.SetUrgentReserve)
make_hold_payment = message_builder(clearing.HoldPayment)
make_release_payment = message_builder(clearing.ReleasePayment)
make_cancel_payment = message_builder(clearing.CancelPayment)
make_run_lsm = message_builder(clearing.RunLsm)
make_cut_off = message_builder(clearing.CutOff)


# ---- hand-written: what the registry cannot know ----------------------------------------------


def to_address(address: AddressInput) -> Address:
    """`0x…` text or 20 raw bytes -> Address (ValueError if it is not 20 bytes)."""
    if isinstance(address, bytes | bytearray):
        return parse_address(bytes(address).hex())
    return parse_address(address)


def make_set_validator_power(pub_key: bytes | str, power: int) -> SetPower:
    """`pub_key`: the 32-byte Ed25519 consensus key, raw or as base64 (CometBFT's
    `priv_validator_key.json` `pub_key.value`) or hex text."""
    msg = SetPower(decode_validator_key(pub_key), power)
    msg.validate_basic()
    return msg


# ---- contracts ---------------------------------------------------------------------------------


def make_deploy(code: str, init_args: Sequence[Any], compute_limit: int) -> contracts.Deploy:
    """Deploy Python contract source `code`; its `init(*init_args)` runs once, within
    `compute_limit` compute units (ValueError if an argument is not a contract value)."""
    msg = contracts.Deploy(code, encode_contract_args(init_args), compute_limit)
    msg.validate_basic()
    return msg


def make_call(
    contract: AddressInput,
    function: str,
    args: Sequence[Any],
    compute_limit: int,
    asset: str = "",
    amount: int = 0,
) -> contracts.Call:
    """Call `function(*args)` of `contract`, first paying it `amount` minor units of `asset`
    (none by default). Arguments are contract values: None, bool, int, str, bytes, list, dict."""
    if amount:
        _validate_minor_units(amount)
    msg = contracts.Call(
        to_address(contract),
        function,
        encode_contract_args(args),
        _validate_int("compute_limit", compute_limit),
        asset,
        amount,
    )
    msg.validate_basic()
    return msg


def encode_contract_args(args: Sequence[Any]) -> bytes:
    """A call's arguments in their byte form (`finchain.vm.encode_args`); ValueError if one is
    not a contract value (a float, a set, an int beyond 64 bits, ...)."""
    if isinstance(args, str | bytes):
        raise TypeError("contract arguments are a sequence of values, e.g. [to, 10]")
    try:
        return encode_args(list(args))
    except ValueError_ as exc:
        raise ValueError(f"contract arguments: {exc}") from None


# ---- governance ---------------------------------------------------------------------------------


def make_propose(action: Any, title: str) -> governance.Propose:
    """A proposal to run `action` (a governable message, e.g. from `make_add_org`) if adopted;
    refused here if its type is not governable or it is malformed."""
    if not isinstance(getattr(action, "TYPE", None), str):
        raise TypeError(
            f"action must be a message such as make_add_org(...), got {type(action).__name__}"
        )
    msg = governance.Propose(governance.encode_action(action), title)
    msg.validate_basic()
    return msg


def make_add_org(org_id: str, name: str, roles: Sequence[str], account: AddressInput) -> AddOrg:
    """Admit organisation `org_id` with `roles` (e.g. `["bank"]`) and its first account."""
    if isinstance(roles, str):
        raise TypeError(f"roles must be a sequence of role names, e.g. [{roles!r}], not a str")
    msg = AddOrg(org_id, name, ",".join(roles), to_address(account))
    msg.validate_basic()
    return msg


def make_contract_params(
    deployer_roles: list[str], max_compute: int, compute_price: int = 0
) -> contracts.SetParams:
    """Who may deploy contracts, the compute cap per call and its price (by a vote)."""
    msg = contracts.SetParams(",".join(deployer_roles), max_compute, compute_price)
    msg.validate_basic()
    return msg


def make_set_auto_process(enabled: bool) -> clearing.SetAutoProcess:
    """Whether every block ends with clearing's gross retries and netting (by a vote)."""
    msg = clearing.SetAutoProcess(int(enabled))
    msg.validate_basic()
    return msg


def make_set_scope(org_id: str, orgs: Sequence[str] | str) -> supervision.SetScope:
    """A regulator's jurisdiction (REG-5): the organisations it supervises, or "*" for all.
    Adopted by a governance vote (`client.governance.propose`)."""
    text = orgs if isinstance(orgs, str) else ",".join(orgs)
    msg = supervision.SetScope(org_id, text)
    msg.validate_basic()
    return msg


# ---- supervision ------------------------------------------------------------------------------


def make_issue_directive(
    kind: str, target: AddressInput, legal_basis: str
) -> supervision.IssueDirective:
    """A directive of `kind` against `target`, citing `legal_basis`: `"freeze_account"` of an
    account (`0x…` text or 20 raw bytes; ValueError if it is not an address) or
    `"suspend_participant"` of a member organisation (its id, e.g. `"bank-c"`)."""
    if kind == supervision.FREEZE_ACCOUNT:
        target = coerce_address(target)
    elif not isinstance(target, str):
        raise TypeError(f"a {kind} target is an organisation id, got {type(target).__name__}")
    msg = supervision.IssueDirective(kind, target, legal_basis)
    msg.validate_basic()
    return msg


def make_submit_report(
    report_type: str,
    report_height: int,
    report_hash: bytes | str,
    params: Mapping[str, Any] | None = None,
) -> supervision.SubmitReport:
    """The SHA-256 of a report generated at committed height `report_height` (the `hash` of
    `GET /v1/reports/{type}`): 32 raw bytes or 64 hex digits, with the report's `params` (its
    JSON's `params`, so the regulator regenerates exactly that report; None: the defaults)."""
    msg = supervision.SubmitReport(
        report_type,
        _validate_int("report_height", report_height),
        decode_report_hash(report_hash),
        "" if params is None else supervision.canonical_json(dict(params)),
    )
    msg.validate_basic()
    return msg


def decode_report_hash(report_hash: bytes | str) -> bytes:
    """A report hash from raw bytes or hex text (with or without `0x`); the message checks it
    is 32 bytes."""
    if isinstance(report_hash, bytes | bytearray):
        return bytes(report_hash)
    if not isinstance(report_hash, str):
        raise TypeError(f"report_hash must be bytes or hex text, got {type(report_hash).__name__}")
    try:
        return decode_hex("report_hash", report_hash)
    except ValueError:
        raise ValueError(f"report_hash must be 64 hex digits, got {report_hash!r}") from None


def decode_hex(name: str, text: str) -> bytes:
    """Hex text (with or without `0x`) -> bytes; ValueError naming the field if it is not."""
    digits = text.strip()
    digits = digits[2:] if digits[:2].lower() == "0x" else digits
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise ValueError(f"{name} must be hex text, got {text!r}") from None


# ---- clearing ---------------------------------------------------------------------------------

SUBMIT_PAYMENT_TYPE = "clearing/SubmitPayment@1"
_MINOR_UNITS_TEXT = re.compile(r"[0-9]+", re.ASCII)


def make_submit_payment(
    receiver: str,
    currency: str,
    amount: int,
    *,
    priority: str = "NORMAL",
    msg_id: str,
    end_to_end_id: str,
    uetr: str | None = None,
) -> clearing.SubmitPayment:
    """A payment to `receiver` (org id); `uetr` defaults to a fresh lowercase UUIDv4."""
    msg = clearing.SubmitPayment(
        receiver,
        currency,
        _validate_minor_units(amount),
        priority,
        msg_id,
        end_to_end_id,
        new_uetr() if uetr is None else uetr,
    )
    msg.validate_basic()
    return msg


def make_set_suspended(participant: str, suspended: bool) -> clearing.SetSuspended:
    if not isinstance(suspended, bool):
        raise TypeError(f"suspended must be a bool, got {type(suspended).__name__}")
    msg = clearing.SetSuspended(participant, int(suspended))
    msg.validate_basic()
    return msg


def make_mapped_payments(data: Mapping[str, Any]) -> list[clearing.SubmitPayment]:
    """The SubmitPayment messages of the node's ISO 20022 mapping
    (`POST /v1/clearing/iso20022/payments`: `{"messages": [{"type", "value"}]}`), validated."""
    payments = []
    for item in data.get("messages", ()):
        if item.get("type") != SUBMIT_PAYMENT_TYPE:
            raise ValueError(f"expected {SUBMIT_PAYMENT_TYPE} messages, got {item.get('type')!r}")
        value = item["value"]
        amount = str(value["amount"])
        if _MINOR_UNITS_TEXT.fullmatch(amount) is None:
            raise ValueError(f"amount must be a decimal string of minor units, got {amount!r}")
        payments.append(
            make_submit_payment(
                str(value["receiver"]),
                str(value["currency"]),
                int(amount),
                priority=str(value["priority"]),
                msg_id=str(value["msg_id"]),
                end_to_end_id=str(value["end_to_end_id"]),
                uetr=str(value["uetr"]),
            )
        )
    return payments


def new_uetr() -> str:
    """A fresh UETR: a random UUIDv4 in lowercase text, as the clearing module requires."""
    return str(uuid.uuid4())


def decode_validator_key(pub_key: bytes | str) -> bytes:
    """A validator public key from raw bytes, 64 hex digits or base64 text."""
    if isinstance(pub_key, bytes | bytearray):
        return bytes(pub_key)
    text = pub_key.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(f"validator key {text!r} is neither hex nor base64") from None


def _validate_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def _validate_minor_units(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(
            f"amounts are ints in minor units, got {type(amount).__name__}; "
            "convert text with parse_amount('12.34', decimals)"
        )
    return amount
