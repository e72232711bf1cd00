"""Handlers of the validators module, in labelled steps."""

from __future__ import annotations

from collections.abc import Mapping

from finchain.errors import InvalidTransaction
from finchain.modules.authority import is_governance
from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler, Interfaces
from finchain.modules.validators.errors import (
    ERR_GOVERNANCE_ONLY,
    ERR_LAST_VALIDATOR,
    ERR_UNKNOWN_VALIDATOR,
)
from finchain.modules.validators.events import emit_power_changed
from finchain.modules.validators.keeper import ValidatorsKeeper
from finchain.modules.validators.messages import SetPower


def make_handlers(_: Interfaces) -> Mapping[type, Handler]:
    return {SetPower: handle_set_power}


def handle_set_power(ctx: ExecutionContext, msg: SetPower) -> None:
    keeper = ValidatorsKeeper(ctx.state)
    # AUTHORIZE: the governance authority (a passed vote's action), or an admin member (the role
    # is declared on the message and checked by the ante) only up to the bootstrap height
    validate_direct_change_allowed(ctx, keeper)
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
    emit_power_changed(ctx, msg.pub_key, old_power, msg.power)


def validate_direct_change_allowed(ctx: ExecutionContext, keeper: ValidatorsKeeper) -> None:
    """No single organisation changes consensus after the bootstrap window: past the genesis
    `bootstrap_height` (default 0) a member's own SetPower is refused, a vote's runs."""
    if is_governance(ctx.sender):
        return
    bootstrap_height = keeper.get_bootstrap_height()
    if ctx.height > bootstrap_height:
        raise InvalidTransaction(
            ERR_GOVERNANCE_ONLY,
            f"after height {bootstrap_height} (the genesis bootstrap height) the validator set "
            "changes only by a governance vote: propose validators/SetPower@1 with "
            "governance/Propose@1 (finchain gov propose set-validator-power)",
            height=ctx.height,
            bootstrap_height=bootstrap_height,
        )
