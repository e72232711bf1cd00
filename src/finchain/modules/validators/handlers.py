"""Handlers of the validators module, in labelled steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.authority import is_governance
from finchain.modules.context import ExecutionContext
from finchain.modules.validators.errors import (
    ERR_LAST_VALIDATOR,
    ERR_UNAUTHORIZED,
    ERR_UNKNOWN_VALIDATOR,
)
from finchain.modules.validators.expected import Roles
from finchain.modules.validators.keeper import ValidatorsKeeper
from finchain.modules.validators.messages import SetPower
from finchain.state import StateReader

RolesFactory = Callable[[StateReader], Roles]
Handler = Callable[[ExecutionContext, Any], None]
ADMIN_ROLE = "admin"


def make_handlers(roles: RolesFactory) -> dict[type, Handler]:
    """The module's handlers, wired to the roles view the application supplies."""
    return {SetPower: lambda ctx, msg: handle_set_power(ctx, msg, roles(ctx.state))}


def handle_set_power(ctx: ExecutionContext, msg: SetPower, roles: Roles) -> None:
    keeper = ValidatorsKeeper(ctx.state)
    # AUTHORIZE: a governance vote, or an admin member directly (bootstrapping a network)
    if not (is_governance(ctx.sender) or roles.has_role(ctx.sender, ADMIN_ROLE)):
        raise InvalidTransaction(ERR_UNAUTHORIZED, "sender is not an account of an admin member")
    # VALIDATE
    old_power = keeper.get_power(msg.pub_key)
    if msg.power == 0:
        if old_power == 0:
            raise InvalidTransaction(
                ERR_UNKNOWN_VALIDATOR, f"{msg.pub_key.hex()} is not a validator"
            )
        if len(keeper.list_validators()) == 1:
            raise InvalidTransaction(ERR_LAST_VALIDATOR, "the last validator cannot be removed")
    # APPLY
    keeper.set_power(msg.pub_key, msg.power)
    # EMIT
    ctx.emit(
        "validators.power_changed",
        pub_key=msg.pub_key.hex(),
        old_power=str(old_power),
        power=str(msg.power),
    )
