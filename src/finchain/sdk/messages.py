"""Message builders with friendly argument types for the typed helpers (`client.bank.transfer`).

Addresses may be `0x…` text or 20 raw bytes; amounts are ints in minor units (use
`parse_amount` for "12.34"). Each builder returns the module's registered message and runs its
stateless `validate_basic()`, so a bad amount or symbol fails before anything is signed.
Clearing participants and governed members are organisation ids (`bank-a`), not addresses.
Governed actions (`make_add_org`, ..., `make_set_threshold`) are not sent directly: the node
refuses them unless a vote adopted them, so they go into `make_propose` (or
`client.governance.propose`). Supervision directives name an account (`0x…`, normalised here to
the lowercase form the module requires) or a participant (org id). Contract calls
(`make_deploy`, `make_call`) carry their arguments in the VM's byte form (`encode_args`).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from finchain.crypto import Address, parse_address
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
from finchain.modules.params import SetChainParams
from finchain.modules.supervision import messages as supervision
from finchain.modules.validators.messages import SetPower
from finchain.sdk.wire import AddressInput, coerce_address
from finchain.vm import encode_args
from finchain.vm.values import ValueError_


def to_address(address: AddressInput) -> Address:
    """`0x…` text or 20 raw bytes -> Address (ValueError if it is not 20 bytes)."""
    if isinstance(address, bytes | bytearray):
        return parse_address(bytes(address).hex())
    return parse_address(address)


def make_transfer(to: AddressInput, asset: str, amount: int) -> Transfer:
    msg = Transfer(to_address(to), asset, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_issue(to: AddressInput, asset: str, amount: int) -> Issue:
    msg = Issue(to_address(to), asset, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_redeem(asset: str, amount: int) -> Redeem:
    msg = Redeem(asset, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_add_account(address: AddressInput) -> AddAccount:
    msg = AddAccount(to_address(address))
    msg.validate_basic()
    return msg


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


def make_open_voting(proposal_id: int) -> governance.OpenVoting:
    msg = governance.OpenVoting(_validate_int("proposal_id", proposal_id))
    msg.validate_basic()
    return msg


def make_vote(proposal_id: int, option: str) -> governance.Vote:
    """`option`: "yes", "no" or "abstain"."""
    msg = governance.Vote(_validate_int("proposal_id", proposal_id), option)
    msg.validate_basic()
    return msg


def make_add_org(org_id: str, name: str, roles: Sequence[str], account: AddressInput) -> AddOrg:
    """Admit organisation `org_id` with `roles` (e.g. `["bank"]`) and its first account."""
    if isinstance(roles, str):
        raise TypeError(f"roles must be a sequence of role names, e.g. [{roles!r}], not a str")
    msg = AddOrg(org_id, name, ",".join(roles), to_address(account))
    msg.validate_basic()
    return msg


def make_remove_org(org_id: str) -> RemoveOrg:
    msg = RemoveOrg(org_id)
    msg.validate_basic()
    return msg


def make_grant_role(org_id: str, role: str) -> GrantRole:
    msg = GrantRole(org_id, role)
    msg.validate_basic()
    return msg


def make_revoke_role(org_id: str, role: str) -> RevokeRole:
    msg = RevokeRole(org_id, role)
    msg.validate_basic()
    return msg


def make_set_chain_params(
    max_tx_bytes: int, max_block_txs: int, min_fee: int = 0, fee_asset: str = ""
) -> SetChainParams:
    """The chain's size limit, block cap, minimum fee and fee asset (by a vote)."""
    msg = SetChainParams(max_tx_bytes, max_block_txs, min_fee, fee_asset)
    msg.validate_basic()
    return msg


def make_contract_upgrade(contract: AddressInput, code: str) -> contracts.Upgrade:
    """Replace a contract's code, keeping its address and storage (by a vote)."""
    msg = contracts.Upgrade(parse_address(coerce_address(contract)), code)
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


def make_set_weight(org_id: str, weight: int) -> governance.SetWeight:
    """The voting weight of a member organisation (0: it may not vote)."""
    msg = governance.SetWeight(org_id, _validate_int("weight", weight))
    msg.validate_basic()
    return msg


def make_set_governance_params(
    voting_period_blocks: int, default_threshold: str, default_weight: int
) -> governance.SetParams:
    """All three at once; per-action thresholds are kept (change them with
    `make_set_threshold`). Open votes keep their end height and threshold."""
    msg = governance.SetParams(
        _validate_int("voting_period_blocks", voting_period_blocks),
        default_threshold,
        _validate_int("default_weight", default_weight),
    )
    msg.validate_basic()
    return msg


def make_set_threshold(action_type: str, threshold: str) -> governance.SetThreshold:
    """The threshold (`majority`, `two_thirds`, `all`) that proposals of `action_type`
    (e.g. `"members/RemoveOrg@1"`) need from now on."""
    msg = governance.SetThreshold(action_type, threshold)
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


def make_lift_directive(directive_id: int, legal_basis: str) -> supervision.LiftDirective:
    msg = supervision.LiftDirective(_validate_int("directive_id", directive_id), legal_basis)
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


def make_review_report(report_id: int, decision: str, note: str = "") -> supervision.ReviewReport:
    """`decision`: "ACKNOWLEDGED" or "REJECTED"; `note`: up to 256 characters."""
    msg = supervision.ReviewReport(_validate_int("report_id", report_id), decision, note)
    msg.validate_basic()
    return msg


def decode_report_hash(report_hash: bytes | str) -> bytes:
    """A report hash from raw bytes or hex text (with or without `0x`); the message checks it
    is 32 bytes."""
    if isinstance(report_hash, bytes | bytearray):
        return bytes(report_hash)
    if not isinstance(report_hash, str):
        raise TypeError(f"report_hash must be bytes or hex text, got {type(report_hash).__name__}")
    text = report_hash.strip()
    text = text[2:] if text[:2].lower() == "0x" else text
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"report_hash must be 64 hex digits, got {report_hash!r}") from None


# ---- clearing ---------------------------------------------------------------------------------

SUBMIT_PAYMENT_TYPE = "clearing/SubmitPayment@1"
_MINOR_UNITS_TEXT = re.compile(r"[0-9]+", re.ASCII)


def make_open_account(participant: str, currency: str) -> clearing.OpenAccount:
    msg = clearing.OpenAccount(participant, currency)
    msg.validate_basic()
    return msg


def make_register_bic(participant: str, bic: str) -> clearing.RegisterBic:
    msg = clearing.RegisterBic(participant, bic)
    msg.validate_basic()
    return msg


def make_pledge(participant: str, currency: str, amount: int) -> clearing.Pledge:
    msg = clearing.Pledge(participant, currency, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_clearing_redeem(participant: str, currency: str, amount: int) -> clearing.Redeem:
    """Clearing `Redeem` (settlement cash back to the reserve account), not the bank module's."""
    msg = clearing.Redeem(participant, currency, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


def make_set_urgent_reserve(currency: str, amount: int) -> clearing.SetUrgentReserve:
    msg = clearing.SetUrgentReserve(currency, _validate_minor_units(amount))
    msg.validate_basic()
    return msg


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


def make_hold_payment(uetr: str) -> clearing.HoldPayment:
    msg = clearing.HoldPayment(uetr)
    msg.validate_basic()
    return msg


def make_release_payment(uetr: str) -> clearing.ReleasePayment:
    msg = clearing.ReleasePayment(uetr)
    msg.validate_basic()
    return msg


def make_cancel_payment(uetr: str) -> clearing.CancelPayment:
    msg = clearing.CancelPayment(uetr)
    msg.validate_basic()
    return msg


def make_set_suspended(participant: str, suspended: bool) -> clearing.SetSuspended:
    if not isinstance(suspended, bool):
        raise TypeError(f"suspended must be a bool, got {type(suspended).__name__}")
    msg = clearing.SetSuspended(participant, int(suspended))
    msg.validate_basic()
    return msg


def make_run_lsm(currency: str) -> clearing.RunLsm:
    msg = clearing.RunLsm(currency)
    msg.validate_basic()
    return msg


def make_cut_off(currency: str) -> clearing.CutOff:
    msg = clearing.CutOff(currency)
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
