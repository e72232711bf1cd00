"""Read-only query routes over a committed state view; results are JSON-ready.

Paths: `params`, `members`, `member {id}`, `assets`, `asset {symbol}`, `balances {address}`,
`account {address}` (nonce, organisation, balances), `org_of {address}` (the organisation
only, without reading balances), `validators`, `clearing/accounts
{currency}`, `clearing/payment {uetr}`, `clearing/queue {currency}`, `clearing/cycles`,
`clearing/directory`, `clearing/days {currency}`, `governance/proposals`, `governance/proposal
{id}`, `governance/params`, `supervision/directives`, `supervision/directive {id}`,
`supervision/reports`, `supervision/anchors`, `supervision/scope {org}`, `contracts/list`,
`contracts/info {address}` (record and ABI), `contracts/code {address}`, `contracts/params`,
`contracts/call {address, function, args, caller?, compute_limit?}` (read-only, no fee).
Clearing reads take an optional `scope` (`ReadScope`) from in-process callers and filter by it
(`modules/clearing/privacy.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from finchain.app.ante import get_next_nonce
from finchain.crypto import format_address, parse_address
from finchain.errors import InvalidTransaction, NotFound, register_error
from finchain.modules.bank.queries import query_asset, query_assets, query_balances
from finchain.modules.clearing.queries import (
    query_accounts,
    query_cycles,
    query_days,
    query_directory,
    query_payment,
    query_queue,
)
from finchain.modules.contracts.queries import (
    query_call,
    query_code,
    query_contract,
    query_contracts,
)
from finchain.modules.contracts.queries import query_params as query_contracts_params
from finchain.modules.governance.queries import query_params as query_governance_params
from finchain.modules.governance.queries import query_proposal, query_proposals
from finchain.modules.members import MembersView
from finchain.modules.members.queries import query_member, query_members
from finchain.modules.params import PARAMS_KEY, ChainParams
from finchain.modules.scope import ReadScope
from finchain.modules.supervision.queries import (
    query_anchors,
    query_directive,
    query_directives,
    query_reports,
    query_scope,
)
from finchain.modules.validators.queries import query_validators
from finchain.state import StateReader

ERR_BAD_QUERY = register_error("query", 1, "bad_request", "unknown query path or bad parameter")


def run_query(state: StateReader, path: str, params: dict[str, Any]) -> Any:
    route = _ROUTES.get(path)
    if route is None:
        raise InvalidTransaction(
            ERR_BAD_QUERY, f"unknown query path {path!r}", paths=sorted(_ROUTES)
        )
    return route(state, params)


def _address(params: dict[str, Any]) -> bytes:
    try:
        return parse_address(str(params.get("address", "")))
    except ValueError as exc:
        raise InvalidTransaction(ERR_BAD_QUERY, str(exc)) from None


def _params(state: StateReader, _: dict[str, Any]) -> Any:
    raw = state.get(PARAMS_KEY)
    if raw is None:
        raise NotFound("chain parameters (no genesis yet)")
    return ChainParams.decode(raw).to_json()


def _account(state: StateReader, params: dict[str, Any]) -> Any:
    address = _address(params)
    return {
        "address": format_address(address),
        "nonce": get_next_nonce(state, address),
        "org": MembersView(state).find_org_of(address),
        "balances": query_balances(state, address),
    }


def _text(params: dict[str, Any], name: str) -> str:
    return str(params.get(name, ""))


def _int(params: dict[str, Any], name: str) -> int:
    """An id parameter: an integer 0 .. 2**64-1 (ids are u64 in the store's keys)."""
    try:
        value = int(params.get(name, ""))
    except ValueError:
        value = -1
    if not 0 <= value < 2**64:
        raise InvalidTransaction(ERR_BAD_QUERY, f"{name} must be an integer 0 .. 2**64-1")
    return value


def _scope(params: dict[str, Any]) -> ReadScope | None:
    """The reader's scope, which only in-process callers (the API) can pass: the ABCI query
    path carries text parameters, so it reads as the node's operator."""
    scope = params.get("scope")
    return scope if isinstance(scope, ReadScope) else None


def _contract_call(state: StateReader, params: dict[str, Any]) -> Any:
    """`contracts/call`: address, function, args (a JSON list or its text), optional caller and
    compute_limit; the application adds the height and block time of the state read."""
    args = params.get("args", [])
    if isinstance(args, str):
        try:
            args = json.loads(args or "[]")
        except json.JSONDecodeError as exc:
            raise InvalidTransaction(ERR_BAD_QUERY, f"args is not JSON: {exc}") from None
    if not isinstance(args, list):
        raise InvalidTransaction(ERR_BAD_QUERY, "args must be a JSON list")
    caller = params.get("caller") or format_address(bytes(20))
    try:
        caller_address = parse_address(str(caller))
    except ValueError as exc:
        raise InvalidTransaction(ERR_BAD_QUERY, str(exc)) from None
    limit = params.get("compute_limit")
    return query_call(
        state,
        MembersView(state),
        _address(params),
        _text(params, "function"),
        args,
        caller=caller_address,
        height=int(params.get("height", 0)),
        time_ms=int(params.get("block_time_ms", 0)),
        compute_limit=int(limit) if limit else None,
    )


_ROUTES: dict[str, Callable[[StateReader, dict[str, Any]], Any]] = {
    "params": _params,
    "members": lambda state, _: query_members(state),
    "member": lambda state, p: query_member(state, str(p.get("id", ""))),
    "assets": lambda state, _: query_assets(state),
    "asset": lambda state, p: query_asset(state, str(p.get("symbol", ""))),
    "balances": lambda state, p: query_balances(state, _address(p)),
    "account": _account,
    "org_of": lambda s, p: {"org": MembersView(s).find_org_of(_address(p))},
    "validators": lambda state, _: query_validators(state),
    "clearing/accounts": lambda s, p: query_accounts(s, _text(p, "currency"), _scope(p)),
    "clearing/payment": lambda s, p: query_payment(s, _text(p, "uetr"), _scope(p)),
    "clearing/queue": lambda s, p: query_queue(s, _text(p, "currency"), _scope(p)),
    "clearing/cycles": lambda s, p: query_cycles(s, _scope(p)),
    "clearing/directory": lambda s, _: query_directory(s),
    "clearing/days": lambda s, p: query_days(s, _text(p, "currency"), _scope(p)),
    "governance/proposals": lambda s, _: query_proposals(s),
    "governance/proposal": lambda s, p: query_proposal(s, _int(p, "id")),
    "governance/params": lambda s, _: query_governance_params(s),
    "supervision/directives": lambda s, _: query_directives(s),
    "supervision/directive": lambda s, p: query_directive(s, _int(p, "id")),
    "supervision/reports": lambda s, _: query_reports(s),
    "supervision/anchors": lambda s, _: query_anchors(s),
    "supervision/scope": lambda s, p: query_scope(s, _text(p, "org")),
    "contracts/list": lambda s, _: query_contracts(s),
    "contracts/info": lambda s, p: query_contract(s, _address(p)),
    "contracts/code": lambda s, p: query_code(s, _address(p)),
    "contracts/params": lambda s, _: query_contracts_params(s),
    "contracts/call": _contract_call,
}
