"""Routes each message type to the handler of the module that owns it (from the wiring list).

Roles are checked once, from what each message type declares: the ante refuses a member whose
organisation lacks them, and here a `GOVERNANCE_ONLY` type runs only with the governance
authority as its sender (a passed vote's action at the end of a block), whatever path led here.
"""

from __future__ import annotations

from typing import Any

from finchain.errors import InvalidTransaction, register_error
from finchain.model.message import GOVERNANCE_ONLY, get_allowed_roles
from finchain.modules.authority import ERR_ROLE_NOT_PERMITTED, governance_only_reason, is_governance
from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler

ERR_NO_HANDLER = register_error("tx", 30, "no_handler", "no module handles this message type")


class Router:
    def __init__(self, handlers: dict[type, Handler]) -> None:
        self._handlers = handlers

    def dispatch(self, ctx: ExecutionContext, msg: Any) -> None:
        handler = self._handlers.get(type(msg))
        if handler is None:
            raise InvalidTransaction(ERR_NO_HANDLER, f"no handler for {msg.TYPE}")
        if get_allowed_roles(msg.TYPE) == GOVERNANCE_ONLY and not is_governance(ctx.sender):
            raise InvalidTransaction(
                ERR_ROLE_NOT_PERMITTED, governance_only_reason(msg.TYPE), message_type=msg.TYPE
            )
        handler(ctx, msg)
