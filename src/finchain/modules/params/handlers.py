"""Handlers of the params module, in labelled steps."""

from __future__ import annotations

from collections.abc import Mapping

from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler, Interfaces
from finchain.modules.params.events import emit_chain_params_set
from finchain.modules.params.keeper import ChainParamsKeeper
from finchain.modules.params.messages import SetChainParams


def make_handlers(_: Interfaces) -> Mapping[type, Handler]:
    return {SetChainParams: handle_set_chain_params}


def handle_set_chain_params(ctx: ExecutionContext, msg: SetChainParams) -> None:
    # VALIDATE (validate_basic checked the ranges); AUTHORIZE: governance only, by the router
    # APPLY
    ChainParamsKeeper(ctx.state).set(msg.as_params())
    # EMIT
    emit_chain_params_set(ctx, msg.as_params())
