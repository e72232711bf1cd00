"""The permission table: who may send each message type of the wired modules.

Rendered from the modules' `messages` and each type's `@message_type(..., roles=...)`
declaration (`scripts/gen_permissions.py` writes docs/permissions.md from it), so the page cannot
disagree with the code and a new module's types appear without editing anything here.
"""

from __future__ import annotations

from collections.abc import Sequence

from finchain.model.message import ANY_MEMBER, AllowedRoles, Permission, list_permissions
from finchain.modules.module import Module


def list_wired_permissions(modules: Sequence[Module]) -> list[Permission]:
    """The permissions of every message type the modules own, sorted by type name."""
    wired = {getattr(cls, "TYPE", "") for module in modules for cls in module.messages}
    return [p for p in list_permissions() if p.type_name in wired]


def describe_senders(roles: AllowedRoles) -> str:
    if roles is ANY_MEMBER:
        return "any member"
    if not roles:
        return "governance vote only"
    return ", ".join(f"`{role}`" for role in sorted(roles))


def render_permission_rows(modules: Sequence[Module]) -> str:
    """The table's rows (markdown), one per wired message type."""
    rows = [
        f"| `{p.type_name}` | {describe_senders(p.roles)} | {_escape_cell(p.description)} |"
        for p in list_wired_permissions(modules)
    ]
    return "\n".join(rows) + "\n"


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"  # a class without a docstring
