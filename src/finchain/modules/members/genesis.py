"""Genesis of the members module: organisations with roles and their initial accounts."""

from __future__ import annotations

from typing import Any

from finchain.crypto import format_address, parse_address
from finchain.errors import InvalidTransaction
from finchain.modules.members.errors import ERR_BAD_GENESIS
from finchain.modules.members.keeper import MembersKeeper, MembersView, Organisation
from finchain.modules.members.messages import ORG_ID
from finchain.modules.members.roles import ROLES
from finchain.modules.module import GenesisContext
from finchain.state import StateReader, StateWriter


def init_members_genesis(state: StateWriter, members: Any, _: GenesisContext) -> None:
    if not isinstance(members, list):
        raise InvalidTransaction(ERR_BAD_GENESIS, "members must be a list of organisations")
    keeper = MembersKeeper(state)
    seen: set[str] = set()
    for entry in members:
        org_id = str(entry.get("id", ""))
        if not ORG_ID.fullmatch(org_id) or org_id in seen:
            raise InvalidTransaction(ERR_BAD_GENESIS, f"bad or duplicate member id {org_id!r}")
        seen.add(org_id)
        roles = tuple(sorted(set(entry.get("roles", []))))
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise InvalidTransaction(ERR_BAD_GENESIS, f"{org_id}: unknown roles {unknown}")
        keeper.set_org(Organisation(org_id, str(entry.get("name", org_id)), roles))
        for text in entry.get("accounts", []):
            keeper.add_account(org_id, parse_address(text))


def export_members_genesis(state: StateReader) -> list[dict[str, Any]]:
    view = MembersView(state)
    return [
        {
            "id": org.org_id,
            "name": org.name,
            "roles": list(org.roles),
            "accounts": [format_address(a) for a in view.list_accounts(org.org_id)],
        }
        for org in view.list_orgs()
    ]
