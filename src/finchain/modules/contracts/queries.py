"""Read-only queries of the contracts module (JSON-ready results)."""

from __future__ import annotations

from typing import Any

from finchain.crypto import Address
from finchain.errors import InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts.errors import ERR_BAD_ARGS
from finchain.modules.contracts.expected import Membership
from finchain.modules.contracts.handlers import call_read_only
from finchain.modules.contracts.keeper import ContractsView
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
    result, used = call_read_only(ctx, members, address, function, args, compute_limit)
    return {"result": to_json_value(result), "compute_used": used, "height": height}
