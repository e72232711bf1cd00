"""The supervision module's ante step: a frozen account sends nothing (SUP-1's effect).

Runs after membership and roles, before the nonce: a frozen sender's transaction consumes no
nonce and pays no fee."""

from __future__ import annotations

from finchain.errors import InvalidTransaction, register_error
from finchain.modules.module import AnteContext
from finchain.modules.supervision.keeper import SupervisionView

FROZEN_ORDER = 20

ERR_ACCOUNT_FROZEN = register_error(
    "tx",
    31,
    "account_frozen",
    "a supervisory directive froze the sender's account: it sends nothing",
)


def validate_not_frozen(ctx: AnteContext) -> None:
    if SupervisionView(ctx.state).is_frozen(ctx.stx.tx.sender):
        raise InvalidTransaction(ERR_ACCOUNT_FROZEN, "the sender's account is frozen")
