"""Handlers of the members module, in labelled steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finchain.crypto import format_address
from finchain.errors import InvalidTransaction
from finchain.modules.authority import is_governance
from finchain.modules.context import ExecutionContext
from finchain.modules.members.errors import (
    ERR_GOVERNANCE_ONLY,
    ERR_LAST_ADMIN,
    ERR_NOT_A_MEMBER,
    ERR_ORG_EXISTS,
    ERR_ROLE_UNCHANGED,
)
from finchain.modules.members.keeper import MembersKeeper, Organisation
from finchain.modules.members.messages import AddAccount, AddOrg, GrantRole, RemoveOrg, RevokeRole

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
    ctx.emit("members.account_added", org=org_id, address=format_address(msg.address))


# ---- governed actions (sender: the governance authority) -----------------------------------------


def handle_add_org(ctx: ExecutionContext, msg: AddOrg) -> None:
    keeper = MembersKeeper(ctx.state)
    # AUTHORIZE
    _require_governance(ctx)
    # VALIDATE (add_account refuses an address that is already a member's)
    if keeper.org_exists(msg.org_id):
        raise InvalidTransaction(ERR_ORG_EXISTS, f"{msg.org_id} is already a member")
    # APPLY
    keeper.set_org(Organisation(msg.org_id, msg.name, msg.role_list))
    keeper.add_account(msg.org_id, msg.account)
    # EMIT
    ctx.touch(msg.account)
    ctx.emit(
        "members.org_added",
        org=msg.org_id,
        roles=",".join(msg.role_list),
        account=format_address(msg.account),
    )


def handle_remove_org(ctx: ExecutionContext, msg: RemoveOrg) -> None:
    keeper = MembersKeeper(ctx.state)
    # AUTHORIZE
    _require_governance(ctx)
    # VALIDATE
    org = keeper.get_org(msg.org_id)
    _keep_an_admin(keeper, org, ADMIN_ROLE in org.roles)
    # APPLY
    removed = keeper.remove_org(msg.org_id)
    # EMIT
    ctx.emit("members.org_removed", org=msg.org_id, accounts=str(len(removed)))


def handle_grant_role(ctx: ExecutionContext, msg: GrantRole) -> None:
    keeper = MembersKeeper(ctx.state)
    # AUTHORIZE
    _require_governance(ctx)
    # VALIDATE
    org = keeper.get_org(msg.org_id)
    if msg.role in org.roles:
        raise InvalidTransaction(ERR_ROLE_UNCHANGED, f"{msg.org_id} already has {msg.role}")
    # APPLY
    keeper.set_org(Organisation(org.org_id, org.name, tuple(sorted({*org.roles, msg.role}))))
    # EMIT
    ctx.emit("members.role_granted", org=msg.org_id, role=msg.role)


def handle_revoke_role(ctx: ExecutionContext, msg: RevokeRole) -> None:
    keeper = MembersKeeper(ctx.state)
    # AUTHORIZE
    _require_governance(ctx)
    # VALIDATE
    org = keeper.get_org(msg.org_id)
    if msg.role not in org.roles:
        raise InvalidTransaction(ERR_ROLE_UNCHANGED, f"{msg.org_id} does not have {msg.role}")
    _keep_an_admin(keeper, org, msg.role == ADMIN_ROLE)
    # APPLY
    keeper.set_org(Organisation(org.org_id, org.name, tuple(r for r in org.roles if r != msg.role)))
    # EMIT
    ctx.emit("members.role_revoked", org=msg.org_id, role=msg.role)


def _require_governance(ctx: ExecutionContext) -> None:
    if not is_governance(ctx.sender):
        raise InvalidTransaction(
            ERR_GOVERNANCE_ONLY, "propose this change with governance/Propose and vote on it"
        )


def _keep_an_admin(keeper: MembersKeeper, org: Organisation, loses_admin: bool) -> None:
    """Refuse a change that would leave the consortium with no admin organisation."""
    others = [o for o in keeper.list_orgs() if o.org_id != org.org_id and ADMIN_ROLE in o.roles]
    if loses_admin and not others:
        raise InvalidTransaction(ERR_LAST_ADMIN, f"{org.org_id} is the last admin organisation")


def make_handlers() -> dict[type, Callable[[ExecutionContext, Any], None]]:
    return {
        AddAccount: handle_add_account,
        AddOrg: handle_add_org,
        RemoveOrg: handle_remove_org,
        GrantRole: handle_grant_role,
        RevokeRole: handle_revoke_role,
    }
