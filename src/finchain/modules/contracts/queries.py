"""Read-only queries of the contracts module (JSON-ready results)."""

from __future__ import annotations

import json
from typing import Any

from finchain.crypto import Address, format_address, parse_address
from finchain.errors import InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts.errors import ERR_BAD_ARGS
from finchain.modules.contracts.expected import Membership, MoneyFactory
from finchain.modules.contracts.handlers import call_read_only
from finchain.modules.contracts.keeper import ContractsView
from finchain.modules.module import Query, QueryContext
from finchain.modules.query_params import ERR_BAD_QUERY, parse_address_param, parse_text_param
from finchain.state import Overlay, StateReader
from finchain.vm import decode_args, encode_args
from finchain.vm.abi import AbiError, args_from_json
from finchain.vm.values import ValueError_, to_json_value


def query_contracts(state: StateReader) -> list[dict[str, Any]]:
    return [record.to_json() for record in ContractsView(state).list_all()]


def query_contract(state: StateReader, address: bytes) -> dict[str, Any]:
    """The contract's record and its ABI."""
    view = ContractsView(state)
    record = view.get(address)
    return {**record.to_json(), "abi": view.load_compiled(record).abi.to_json()}


def query_code(state: StateReader, address: bytes) -> dict[str, Any]:
    view = ContractsView(state)
    record = view.get(address)
    return {"code_hash": record.code_hash.hex(), "code": view.source(record.code_hash)}


def query_params(state: StateReader) -> dict[str, object]:
    return ContractsView(state).params().to_json()


def query_call(
    state: StateReader,
    members: Membership,
    money: MoneyFactory,
    address: bytes,
    function: str,
    json_args: list[Any],
    *,
    caller: bytes,
    height: int,
    time_ms: int,
    compute_limit: int | None = None,
) -> dict[str, Any]:
    """A read-only call at a committed state: result and compute used (no fee, no writes)."""
    view = ContractsView(state)
    abi = view.load_compiled(view.get(address)).abi
    try:
        args = args_from_json(abi.find(function), json_args)
        args = decode_args(encode_args(args))  # the same value domain as a transaction's
    except (AbiError, ValueError_) as exc:
        raise InvalidTransaction(ERR_BAD_ARGS, str(exc)) from None
    ctx = ExecutionContext(Overlay(state), "", height, time_ms, Address(caller), b"")
    result, used = call_read_only(ctx, members, money, address, function, args, compute_limit)
    return {"result": to_json_value(result), "compute_used": used, "height": height}


def route_call(q: QueryContext, params: dict[str, Any]) -> Any:
    """`contracts/call {address, function, args, caller?, compute_limit?}`: args a JSON list or
    its text; the caller defaults to the zero address; the contract sees the height and block
    time of the state it reads."""
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
        q.state,
        q.interfaces.get("members.membership")(q.state),
        q.interfaces.get("bank.transfers"),
        parse_address_param(params),
        parse_text_param(params, "function"),
        args,
        caller=caller_address,
        height=q.height,
        time_ms=q.block_time_ms,
        compute_limit=int(limit) if limit else None,
    )


QUERIES: dict[str, Query] = {
    "contracts/list": lambda q, _: query_contracts(q.state),
    "contracts/info": lambda q, p: query_contract(q.state, parse_address_param(p)),
    "contracts/code": lambda q, p: query_code(q.state, parse_address_param(p)),
    "contracts/params": lambda q, _: query_params(q.state),
    "contracts/call": route_call,
}
