"""Events of the params module: names and attributes in one place."""

from __future__ import annotations

from finchain.model.params import ChainParams
from finchain.modules.context import ExecutionContext

CHAIN_PARAMS_SET = "params.chain_params_set"


def emit_chain_params_set(ctx: ExecutionContext, params: ChainParams) -> None:
    ctx.emit(CHAIN_PARAMS_SET, **{k: str(v) for k, v in params.to_json().items()})
