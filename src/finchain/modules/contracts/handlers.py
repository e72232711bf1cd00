"""Handlers of the contracts module: deploy, call, upgrade and parameters, plus read-only calls.

Every contract run goes through `_run_metered`, which turns what the VM raises into a stable error
code and always adds the compute used to `ctx.compute_used` (the receipt's gas), success or not.
A failed run raises InvalidTransaction, so the application drops the message branch: no write
and no event of a failed call survives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from finchain.crypto import format_address
from finchain.errors import ErrorCode, InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts import errors
from finchain.modules.contracts.events import (
    emit_called,
    emit_deployed,
    emit_params_set,
    emit_upgraded,
)
from finchain.modules.contracts.expected import Membership, MoneyFactory
from finchain.modules.contracts.host import LedgerHost
from finchain.modules.contracts.keeper import (
    ContractRecord,
    ContractsKeeper,
    compile_or_reject,
)
from finchain.modules.contracts.messages import Call, Deploy, SetParams, Upgrade
from finchain.modules.contracts.params import ContractParams
from finchain.modules.module import Handler, Interfaces
from finchain.state import StateReader
from finchain.vm import (
    CallContext,
    ContractFailure,
    LimitExceeded,
    Meter,
    OutOfCompute,
    decode_args,
)
from finchain.vm.meter import DEPLOY_PER_BYTE
from finchain.vm.runtime import MAX_MESSAGE, ContractError
from finchain.vm.values import ValueError_, to_json_value

MembershipFactory = Callable[[StateReader], Membership]

MAX_RESULT_TEXT = 1_024
# A read-only query runs without a fee, so it gets a small compute cap unless it asks for more
# (never more than the chain's `max_compute`): an unsigned caller cannot tie up a node for long.
DEFAULT_QUERY_COMPUTE = 200_000
_FAILURES: dict[str, ErrorCode] = {
    "unknown_function": errors.ERR_UNKNOWN_FUNCTION,
    "bad_args": errors.ERR_BAD_ARGS,
    "bad_value": errors.ERR_BAD_VALUE,
    "read_only": errors.ERR_READ_ONLY,
    "reentrancy": errors.ERR_REENTRANCY,
    "call_depth": errors.ERR_CALL_DEPTH,
    "unknown_recipient": errors.ERR_UNKNOWN_RECIPIENT,
}


def make_handlers(interfaces: Interfaces) -> Mapping[type, Handler]:
    membership: MembershipFactory = interfaces.get("members.membership")
    money: MoneyFactory = interfaces.get("bank.transfers")
    return {
        Deploy: lambda ctx, msg: handle_deploy(ctx, msg, membership(ctx.state), money),
        Call: lambda ctx, msg: handle_call(ctx, msg, membership(ctx.state), money),
        Upgrade: handle_upgrade,
        SetParams: handle_set_params,
    }


def handle_deploy(
    ctx: ExecutionContext, msg: Deploy, members: Membership, money: MoneyFactory
) -> None:
    keeper = ContractsKeeper(ctx.state)
    params = keeper.params()
    # AUTHORIZE
    if not any(members.has_role(ctx.sender, role) for role in params.deployer_roles):
        raise InvalidTransaction(
            errors.ERR_DEPLOY_NOT_PERMITTED,
            f"deploying needs one of the roles {list(params.deployer_roles)}",
        )
    _check_compute(ctx, params, msg.compute_limit)
    # VALIDATE
    compiled = compile_or_reject(msg.code)
    args = _decode_args(msg.init_args)
    if compiled.abi.constructor is None and args:
        raise InvalidTransaction(errors.ERR_BAD_ARGS, "the contract has no init to take arguments")
    # APPLY
    address = keeper.next_address()
    keeper.put_code(compiled)
    org = members.find_org_of(ctx.sender) or ""
    keeper.put(ContractRecord(address, compiled.code_hash, ctx.sender, org, ctx.height))
    meter = Meter(msg.compute_limit)
    call_context = _context(ctx, format_address(address), format_address(ctx.sender))
    host = LedgerHost(ctx, members, money)

    def construct() -> None:
        meter.charge(DEPLOY_PER_BYTE * len(msg.code.encode("utf-8")))
        if compiled.abi.constructor is not None:
            host.construct(call_context, args, meter)

    _run_metered(ctx, meter, construct)
    # EMIT
    ctx.touch(address)
    emit_deployed(ctx, address, compiled.code_hash, ctx.sender, meter.reported_used)


def handle_call(ctx: ExecutionContext, msg: Call, members: Membership, money: MoneyFactory) -> None:
    keeper = ContractsKeeper(ctx.state)
    params = keeper.params()
    _check_compute(ctx, params, msg.compute_limit)
    # VALIDATE
    keeper.get(msg.contract)
    args = _decode_args(msg.args)
    contract = format_address(msg.contract)
    # APPLY: the payment first, then the function (both undone if the function fails)
    if msg.amount:
        money(ctx.state).send(ctx.sender, msg.contract, msg.asset, msg.amount)
    meter = Meter(msg.compute_limit)
    call_context = _context(ctx, contract, format_address(ctx.sender), msg.asset, msg.amount)
    host = LedgerHost(ctx, members, money)
    result = _run_metered(ctx, meter, lambda: host.run(call_context, msg.function, args, meter))
    # EMIT
    ctx.touch(msg.contract)
    emit_called(ctx, msg.contract, msg.function, meter.reported_used, _result_text(result))


def handle_upgrade(ctx: ExecutionContext, msg: Upgrade) -> None:
    keeper = ContractsKeeper(ctx.state)
    # VALIDATE (AUTHORIZE: governance only, by the router)
    record = keeper.get(msg.contract)
    compiled = compile_or_reject(msg.code)
    # APPLY (the address and storage stay)
    keeper.put_code(compiled)
    keeper.put(replace(record, code_hash=compiled.code_hash, upgraded_height=ctx.height))
    # EMIT
    emit_upgraded(ctx, msg.contract, compiled.code_hash, record.code_hash)


def handle_set_params(ctx: ExecutionContext, msg: SetParams) -> None:
    # APPLY (validate_basic checked the values; AUTHORIZE: governance only, by the router)
    ContractsKeeper(ctx.state).set_params(msg.params)
    # EMIT
    emit_params_set(ctx, msg.params)


def call_read_only(
    ctx: ExecutionContext,
    members: Membership,
    money: MoneyFactory,
    contract: bytes,
    function: str,
    args: list[Any],
    compute_limit: int | None = None,
) -> tuple[Any, int]:
    """Run `function` without a transaction: no fee, no writes (refused), at `ctx`'s state.
    Returns (result, compute used); failures raise InvalidTransaction like a call. The compute
    limit is `compute_limit`, else `DEFAULT_QUERY_COMPUTE`, capped at the chain's `max_compute`."""
    params = ContractsKeeper(ctx.state).params()
    limit = min(compute_limit or DEFAULT_QUERY_COMPUTE, params.max_compute)
    meter = Meter(limit)
    call_context = _context(ctx, format_address(contract), format_address(ctx.sender))
    host = LedgerHost(ctx, members, money, read_only=True)
    result = _run_metered(ctx, meter, lambda: host.run(call_context, function, args, meter))
    return result, meter.reported_used


def _context(
    ctx: ExecutionContext, contract: str, caller: str, asset: str = "", amount: int = 0
) -> CallContext:
    return CallContext(
        caller=caller,
        origin=format_address(ctx.sender),
        contract=contract,
        height=ctx.height,
        time_ms=ctx.block_time_ms,
        tx_hash=ctx.tx_hash.hex(),
        asset=asset,
        amount=amount,
    )


def _check_compute(ctx: ExecutionContext, params: ContractParams, compute_limit: int) -> None:
    """The limit is within `max_compute`, and the fee covers the compute limits of every contract
    message of the transaction so far, at the chain's compute price."""
    if compute_limit > params.max_compute:
        raise InvalidTransaction(
            errors.ERR_BAD_PARAMS,
            f"compute_limit above the chain's max_compute {params.max_compute}",
        )
    ctx.compute_limits += compute_limit
    fee = params.compute_fee(ctx.compute_limits)
    if ctx.fee < fee:
        raise InvalidTransaction(
            errors.ERR_FEE_TOO_LOW,
            f"compute limits {ctx.compute_limits} need a fee of at least {fee}",
            required_fee=fee,
        )


def _result_text(result: Any) -> str:
    """The return value as compact JSON for the event; a longer one is left out (its SHA-256
    is given instead): events are not the place for bulk data."""
    text = json.dumps(to_json_value(result), separators=(",", ":"), ensure_ascii=False)
    if len(text) <= MAX_RESULT_TEXT:
        return text
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _decode_args(raw: bytes) -> list[Any]:
    try:
        return decode_args(raw)
    except ValueError_ as exc:
        raise InvalidTransaction(errors.ERR_BAD_ARGS, str(exc)) from None


def _run_metered(ctx: ExecutionContext, meter: Meter, run: Callable[[], Any]) -> Any:
    """`run()` with every VM outcome mapped to a stable code; the compute used is recorded."""
    used_before = meter.reported_used
    try:
        return run()
    except ContractError as exc:
        raise _failed(errors.ERR_REVERTED, _exception_text(exc), meter) from None
    except OutOfCompute:
        raise _failed(errors.ERR_OUT_OF_COMPUTE, f"limit {meter.limit}", meter) from None
    except LimitExceeded as exc:
        raise _failed(errors.ERR_LIMIT_EXCEEDED, str(exc), meter) from None
    except ContractFailure as exc:
        raise _failed(_FAILURES.get(exc.name, errors.ERR_EXECUTION), exc.message, meter) from None
    except InvalidTransaction as exc:  # from the ledger (e.g. bank/insufficient_funds)
        exc.details["compute_used"] = meter.reported_used
        raise
    except Exception as exc:  # the contract's own code raised (TypeError, KeyError, ...)
        message = f"{type(exc).__name__}: {_exception_text(exc)}"
        raise _failed(errors.ERR_EXECUTION, message, meter) from None
    finally:
        ctx.compute_used += meter.reported_used - used_before


def _exception_text(exc: BaseException) -> str:
    """An exception's arguments as text without formatting any container: a contract can raise
    with a list whose text would be gigabytes (a long string repeated) before any cap."""
    parts = []
    for arg in exc.args:
        kind = type(arg)
        if kind is str:
            parts.append(arg[:MAX_MESSAGE])
        elif kind is int or kind is bool:
            parts.append(str(arg) if kind is bool or arg.bit_length() < 256 else "<int>")
        else:
            parts.append(f"<{kind.__name__}>")
    return ", ".join(parts)


def _failed(code: ErrorCode, message: str, meter: Meter) -> InvalidTransaction:
    text = f"{message[:MAX_MESSAGE]} (compute used {meter.reported_used} of {meter.limit})"
    return InvalidTransaction(code, text, compute_used=meter.reported_used)
