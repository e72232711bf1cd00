"""Handlers of the bank module, one function per message, in labelled steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from finchain.crypto import format_address
from finchain.errors import InvalidTransaction
from finchain.modules.bank.errors import (
    ERR_SELF_TRANSFER,
    ERR_UNAUTHORIZED_ISSUER,
    ERR_UNKNOWN_RECIPIENT,
)
from finchain.modules.bank.events import emit_issue, emit_redeem, emit_transfer
from finchain.modules.bank.expected import Membership
from finchain.modules.bank.keeper import Asset, BankKeeper
from finchain.modules.bank.messages import Issue, Redeem, Transfer
from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler, Interfaces
from finchain.state import StateReader


def make_handlers(interfaces: Interfaces) -> Mapping[type, Handler]:
    """The bank's message handlers, wired to the membership view the application supplies."""
    membership: Callable[[StateReader], Membership] = interfaces.get("members.membership")
    return {
        Transfer: lambda ctx, msg: handle_transfer(ctx, msg, membership(ctx.state)),
        Issue: lambda ctx, msg: handle_issue(ctx, msg, membership(ctx.state)),
        Redeem: lambda ctx, msg: handle_redeem(ctx, msg, membership(ctx.state)),
    }


def handle_transfer(ctx: ExecutionContext, msg: Transfer, members: Membership) -> None:
    bank = BankKeeper(ctx.state)
    # VALIDATE
    bank.get_asset(msg.asset)
    if msg.to == ctx.sender:
        raise InvalidTransaction(ERR_SELF_TRANSFER, "sender and recipient are the same account")
    _validate_recipient(members, msg.to)
    # APPLY
    bank.send(ctx.sender, msg.to, msg.asset, msg.amount)
    # EMIT
    ctx.touch(msg.to)
    emit_transfer(ctx, ctx.sender, msg.to, msg.asset, msg.amount)


def handle_issue(ctx: ExecutionContext, msg: Issue, members: Membership) -> None:
    bank = BankKeeper(ctx.state)
    # VALIDATE
    asset = bank.get_asset(msg.asset)
    _validate_recipient(members, msg.to)
    # AUTHORIZE
    _authorize_issuer(members, ctx, asset)
    # APPLY
    bank.mint(msg.to, msg.asset, msg.amount)
    # EMIT
    ctx.touch(msg.to)
    emit_issue(ctx, ctx.sender, msg.to, msg.asset, msg.amount)


def handle_redeem(ctx: ExecutionContext, msg: Redeem, members: Membership) -> None:
    bank = BankKeeper(ctx.state)
    # VALIDATE
    asset = bank.get_asset(msg.asset)
    # AUTHORIZE
    _authorize_issuer(members, ctx, asset)
    # APPLY
    bank.burn(ctx.sender, msg.asset, msg.amount)
    # EMIT
    emit_redeem(ctx, ctx.sender, msg.asset, msg.amount)


def _validate_recipient(members: Membership, recipient: bytes) -> None:
    if not members.is_member_account(recipient):
        raise InvalidTransaction(
            ERR_UNKNOWN_RECIPIENT,
            f"{format_address(recipient)} is not an account of any member",
            recipient=format_address(recipient),
        )


def _authorize_issuer(members: Membership, ctx: ExecutionContext, asset: Asset) -> None:
    if members.find_org_of(ctx.sender) != asset.issuer:
        raise InvalidTransaction(
            ERR_UNAUTHORIZED_ISSUER,
            f"only accounts of {asset.issuer!r} may issue or redeem {asset.symbol}",
            issuer=asset.issuer,
        )
