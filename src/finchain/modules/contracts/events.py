"""Events of the contracts module: names and attributes in one place.

A contract's own events are `contract.<name>`, the emitting contract's address first, then the
attributes the contract gave (`host.LedgerHost.emit` checks them).
"""

from __future__ import annotations

from collections.abc import Iterable

from finchain.crypto import format_address
from finchain.model.receipt import CONTRACT_EVENT_PREFIX, Event
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts.params import ContractParams

DEPLOYED = "contracts.deployed"
CALLED = "contracts.called"
UPGRADED = "contracts.upgraded"
PARAMS_SET = "contracts.params"


def emit_deployed(
    ctx: ExecutionContext, contract: bytes, code_hash: bytes, deployer: bytes, compute_used: int
) -> None:
    ctx.emit(
        DEPLOYED,
        contract=format_address(contract),
        code_hash=code_hash.hex(),
        deployer=format_address(deployer),
        compute_used=str(compute_used),
    )


def emit_called(
    ctx: ExecutionContext, contract: bytes, function: str, compute_used: int, result: str
) -> None:
    """`result` is the return value as `handlers._result_text` gives it."""
    ctx.emit(
        CALLED,
        contract=format_address(contract),
        function=function,
        compute_used=str(compute_used),
        result=result,
    )


def emit_upgraded(
    ctx: ExecutionContext, contract: bytes, code_hash: bytes, previous_code_hash: bytes
) -> None:
    ctx.emit(
        UPGRADED,
        contract=format_address(contract),
        code_hash=code_hash.hex(),
        previous_code_hash=previous_code_hash.hex(),
    )


def emit_params_set(ctx: ExecutionContext, params: ContractParams) -> None:
    ctx.emit(PARAMS_SET, **{k: str(v) for k, v in params.to_json().items()})


def emit_contract_event(
    ctx: ExecutionContext, contract: str, name: str, attributes: Iterable[tuple[str, str]]
) -> None:
    """A contract's own event; `contract` is its address as text."""
    ctx.events.append(Event(CONTRACT_EVENT_PREFIX + name, (("contract", contract), *attributes)))
