"""Events of the members module: names and attributes in one place."""

from __future__ import annotations

from finchain.crypto import format_address
from finchain.modules.context import ExecutionContext

ACCOUNT_ADDED = "members.account_added"
ORG_ADDED = "members.org_added"
ORG_REMOVED = "members.org_removed"
ROLE_GRANTED = "members.role_granted"
ROLE_REVOKED = "members.role_revoked"


def emit_account_added(ctx: ExecutionContext, org_id: str, address: bytes) -> None:
    ctx.emit(ACCOUNT_ADDED, org=org_id, address=format_address(address))


def emit_org_added(
    ctx: ExecutionContext, org_id: str, roles: tuple[str, ...], account: bytes
) -> None:
    ctx.emit(ORG_ADDED, org=org_id, roles=",".join(roles), account=format_address(account))


def emit_org_removed(ctx: ExecutionContext, org_id: str, accounts: int) -> None:
    ctx.emit(ORG_REMOVED, org=org_id, accounts=str(accounts))


def emit_role_granted(ctx: ExecutionContext, org_id: str, role: str) -> None:
    ctx.emit(ROLE_GRANTED, org=org_id, role=role)


def emit_role_revoked(ctx: ExecutionContext, org_id: str, role: str) -> None:
    ctx.emit(ROLE_REVOKED, org=org_id, role=role)
