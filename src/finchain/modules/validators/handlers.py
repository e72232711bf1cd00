"""Handlers of the validators module, in labelled steps."""

from __future__ import annotations

from collections.abc import Mapping

from finchain.errors import InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler, Interfaces
from finchain.modules.validators.errors import ERR_LAST_VALIDATOR, ERR_UNKNOWN_VALIDATOR
from finchain.modules.validators.events import emit_power_changed
from finchain.modules.validators.keeper import ValidatorsKeeper
from finchain.modules.validators.messages import SetPower


def make_handlers(_: Interfaces) -> Mapping[type, Handler]:
    return {SetPower: handle_set_power}


def handle_set_power(ctx: ExecutionContext, msg: SetPower) -> None:
    keeper = ValidatorsKeeper(ctx.state)
    # VALIDATE
    old_power = keeper.get_power(msg.pub_key)
    if msg.power == 0:
        if old_power == 0:
            raise InvalidTransaction(
                ERR_UNKNOWN_VALIDATOR, f"{msg.pub_key.hex()} is not a validator"
            )
        if len(keeper.list_validators()) == 1:
            raise InvalidTransaction(ERR_LAST_VALIDATOR, "the last validator cannot be removed")
    # AUTHORIZE: an admin member (declared on the message, checked by the ante) or, as the action
    # of a passed vote, the governance authority
    # APPLY
    keeper.set_power(msg.pub_key, msg.power)
    # EMIT
    emit_power_changed(ctx, msg.pub_key, old_power, msg.power)
