"""Routes each message type to the handler of the module that owns it; wires module dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finchain.errors import InvalidTransaction, register_error
from finchain.modules.bank.handlers import make_handlers as make_bank_handlers
from finchain.modules.clearing.handlers import make_handlers as make_clearing_handlers
from finchain.modules.clearing.keeper import ClearingKeeper
from finchain.modules.context import ExecutionContext
from finchain.modules.contracts.handlers import make_handlers as make_contracts_handlers
from finchain.modules.governance.handlers import make_handlers as make_governance_handlers
from finchain.modules.members import MembersView
from finchain.modules.members.handlers import make_handlers as make_members_handlers
from finchain.modules.params import make_handlers as make_params_handlers
from finchain.modules.supervision.handlers import make_handlers as make_supervision_handlers
from finchain.modules.supervision.keeper import SupervisionView
from finchain.modules.validators.handlers import make_handlers as make_validators_handlers

Handler = Callable[[ExecutionContext, Any], None]

ERR_NO_HANDLER = register_error("tx", 30, "no_handler", "no module handles this message type")


class Router:
    def __init__(self) -> None:
        self._handlers: dict[type, Handler] = {}
        self.add(make_members_handlers())
        self.add(make_bank_handlers(MembersView))
        self.add(make_validators_handlers(MembersView))
        self.add(make_clearing_handlers(MembersView, SupervisionView))
        self.add(make_governance_handlers(MembersView))
        self.add(make_supervision_handlers(MembersView, ClearingKeeper))
        self.add(make_params_handlers())
        self.add(make_contracts_handlers(MembersView))

    def add(self, handlers: dict[type, Handler]) -> None:
        for msg_type, handler in handlers.items():
            if msg_type in self._handlers:
                raise ValueError(f"two handlers for {msg_type.__name__}")
            self._handlers[msg_type] = handler

    def dispatch(self, ctx: ExecutionContext, msg: Any) -> None:
        handler = self._handlers.get(type(msg))
        if handler is None:
            raise InvalidTransaction(ERR_NO_HANDLER, f"no handler for {msg.TYPE}")
        handler(ctx, msg)
