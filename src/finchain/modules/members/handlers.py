"""Handlers of the members module, in labelled steps."""

from __future__ import annotations

from collections.abc import Mapping

from finchain.errors import InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.members.errors import (
    ERR_LAST_ADMIN,
    ERR_NOT_A_MEMBER,
    ERR_ORG_EXISTS,
    ERR_ROLE_UNCHANGED,
)
from finchain.modules.members.events import (
    emit_account_added,
    emit_org_added,
    emit_org_removed,
    emit_role_granted,
    emit_role_revoked,
)
from finchain.modules.members.keeper import MembersKeeper, Organisation
from finchain.modules.members.messages import AddAccount, AddOrg, GrantRole, RemoveOrg, RevokeRole
from finchain.modules.module import Handler, Interfaces

ADMIN_ROLE = "admin"


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
    emit_account_added(ctx, org_id, msg.address)


# ---- governed actions (GOVERNANCE_ONLY: the router runs them only for the governance authority) --


def handle_add_org(ctx: ExecutionContext, msg: AddOrg) -> None:
    keeper = MembersKeeper(ctx.state)
    # VALIDATE (add_account refuses an address that is already a member's)
    if keeper.org_exists(msg.org_id):
        raise InvalidTransaction(ERR_ORG_EXISTS, f"{msg.org_id} is already a member")
    # APPLY
    keeper.set_org(Organisation(msg.org_id, msg.name, msg.role_list))
    keeper.add_account(msg.org_id, msg.account)
    # EMIT
    ctx.touch(msg.account)
    emit_org_added(ctx, msg.org_id, msg.role_list, msg.account)


def handle_remove_org(ctx: ExecutionContext, msg: RemoveOrg) -> None:
    keeper = MembersKeeper(ctx.state)
    # VALIDATE
    org = keeper.get_org(msg.org_id)
    _keep_an_admin(keeper, org, ADMIN_ROLE in org.roles)
    # APPLY
    removed = keeper.remove_org(msg.org_id)
    # EMIT
    emit_org_removed(ctx, msg.org_id, len(removed))


def handle_grant_role(ctx: ExecutionContext, msg: GrantRole) -> None:
    keeper = MembersKeeper(ctx.state)
    # VALIDATE
    org = keeper.get_org(msg.org_id)
    if msg.role in org.roles:
        raise InvalidTransaction(ERR_ROLE_UNCHANGED, f"{msg.org_id} already has {msg.role}")
    # APPLY
    keeper.set_org(Organisation(org.org_id, org.name, tuple(sorted({*org.roles, msg.role}))))
    # EMIT
    emit_role_granted(ctx, msg.org_id, msg.role)


def handle_revoke_role(ctx: ExecutionContext, msg: RevokeRole) -> None:
    keeper = MembersKeeper(ctx.state)
    # VALIDATE
    org = keeper.get_org(msg.org_id)
    if msg.role not in org.roles:
        raise InvalidTransaction(ERR_ROLE_UNCHANGED, f"{msg.org_id} does not have {msg.role}")
    _keep_an_admin(keeper, org, msg.role == ADMIN_ROLE)
    # APPLY
    keeper.set_org(Organisation(org.org_id, org.name, tuple(r for r in org.roles if r != msg.role)))
    # EMIT
    emit_role_revoked(ctx, msg.org_id, msg.role)


def _keep_an_admin(keeper: MembersKeeper, org: Organisation, loses_admin: bool) -> None:
    """Refuse a change that would leave the consortium with no admin organisation."""
    others = [o for o in keeper.list_orgs() if o.org_id != org.org_id and ADMIN_ROLE in o.roles]
    if loses_admin and not others:
        raise InvalidTransaction(ERR_LAST_ADMIN, f"{org.org_id} is the last admin organisation")


def make_handlers(_: Interfaces) -> Mapping[type, Handler]:
    return {
        AddAccount: handle_add_account,
        AddOrg: handle_add_org,
        RemoveOrg: handle_remove_org,
        GrantRole: handle_grant_role,
        RevokeRole: handle_revoke_role,
    }
