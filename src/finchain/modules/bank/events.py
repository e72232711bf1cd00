"""Events of the bank module: names and attributes in one place."""

from __future__ import annotations

from finchain.crypto import format_address
from finchain.modules.context import ExecutionContext

TRANSFER = "bank.transfer"
ISSUE = "bank.issue"
REDEEM = "bank.redeem"


def emit_transfer(
    ctx: ExecutionContext, sender: bytes, recipient: bytes, asset: str, amount: int
) -> None:
    ctx.emit(
        TRANSFER,
        sender=format_address(sender),
        recipient=format_address(recipient),
        asset=asset,
        amount=str(amount),
    )


def emit_issue(
    ctx: ExecutionContext, issuer: bytes, recipient: bytes, asset: str, amount: int
) -> None:
    ctx.emit(
        ISSUE,
        issuer=format_address(issuer),
        recipient=format_address(recipient),
        asset=asset,
        amount=str(amount),
    )


def emit_redeem(ctx: ExecutionContext, issuer: bytes, asset: str, amount: int) -> None:
    ctx.emit(REDEEM, issuer=format_address(issuer), asset=asset, amount=str(amount))
