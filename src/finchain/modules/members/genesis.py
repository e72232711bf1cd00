"""Genesis of the members module: organisations with roles and their initial accounts."""

from __future__ import annotations

from typing import Any

from finchain.crypto import parse_address
from finchain.errors import InvalidTransaction
from finchain.modules.members.errors import ERR_BAD_GENESIS
from finchain.modules.members.keeper import MembersKeeper, Organisation
from finchain.modules.members.messages import ORG_ID
from finchain.modules.members.roles import ROLES
from finchain.state import StateWriter


def init_members_genesis(state: StateWriter, members: list[dict[str, Any]]) -> None:
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
