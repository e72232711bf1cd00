"""The members module's ante step: the sender is a member's account, and its organisation
holds a role every message of the transaction allows (`@message_type(..., roles=...)`, the table
in docs/permissions.md). Runs first among the stateful steps, so a refused sender consumes
nothing. The governance authority's actions never pass through here (they run at the end of a
block, after a vote; the router checks them)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from finchain.errors import InvalidTransaction, register_error
from finchain.model.message import ANY_MEMBER, Msg, get_allowed_roles
from finchain.modules.authority import ERR_ROLE_NOT_PERMITTED, governance_only_reason
from finchain.modules.members.keeper import MembersView
from finchain.modules.module import AnteContext

MEMBERSHIP_ORDER = 10

ERR_NOT_A_MEMBER = register_error(
    "tx", 27, "not_a_member", "the sender is not an account of a member organisation"
)


def apply_membership_and_roles(ctx: AnteContext) -> None:
    members = MembersView(ctx.state)
    tx = ctx.stx.tx
    org_id = members.find_org_of(tx.sender)
    if org_id is None:
        raise InvalidTransaction(ERR_NOT_A_MEMBER, "sender is not a member account")
    validate_roles(members.get_org(org_id).roles, tx.msgs)


def validate_roles(sender_roles: Collection[str], msgs: Iterable[Msg]) -> None:
    """Refuse the transaction unless the sender's organisation, holding `sender_roles`, may send
    every message in `msgs` (pure: the caller reads the roles from state)."""
    for index, msg in enumerate(msgs):
        allowed = get_allowed_roles(msg.TYPE)
        if allowed is ANY_MEMBER or not allowed.isdisjoint(sender_roles):
            continue
        if allowed:
            held = ", ".join(sorted(sender_roles)) or "none"
            reason = (
                f"{msg.TYPE} needs the role {' or '.join(sorted(allowed))}; "
                f"the sender's organisation holds: {held}"
            )
        else:
            reason = governance_only_reason(msg.TYPE)
        raise InvalidTransaction(
            ERR_ROLE_NOT_PERMITTED,
            reason,
            message_type=msg.TYPE,
            message_index=index,
            allowed_roles=sorted(allowed),
            sender_roles=sorted(sender_roles),
        )
