"""Handlers of the members module, in labelled steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finchain.crypto import format_address
from finchain.errors import InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.members.errors import ERR_NOT_A_MEMBER
from finchain.modules.members.keeper import MembersKeeper
from finchain.modules.members.messages import AddAccount


def handle_add_account(ctx: ExecutionContext, msg: AddAccount) -> None:
    keeper = MembersKeeper(ctx.state)
    # AUTHORIZE: the sender's own organisation receives the account
    org_id = keeper.find_org_of(ctx.sender)
    if org_id is None:
        raise InvalidTransaction(ERR_NOT_A_MEMBER, "sender is not a member account")
    # APPLY
    keeper.add_account(org_id, msg.address)
    # EMIT
    ctx.touch(msg.address)
    ctx.emit("members.account_added", org=org_id, address=format_address(msg.address))


def make_handlers() -> dict[type, Callable[[ExecutionContext, Any], None]]:
    return {AddAccount: handle_add_account}
