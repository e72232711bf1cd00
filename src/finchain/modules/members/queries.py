"""Read-only queries of the members module (JSON-ready results)."""

from __future__ import annotations

from finchain.crypto import format_address
from finchain.errors import NotFound
from finchain.modules.members.keeper import MembersView
from finchain.state import StateReader


def query_members(state: StateReader) -> list[dict[str, object]]:
    view = MembersView(state)
    return [_org_json(view, org.org_id) for org in view.list_orgs()]


def query_member(state: StateReader, org_id: str) -> dict[str, object]:
    view = MembersView(state)
    if view.find_org(org_id) is None:
        raise NotFound(f"no member organisation {org_id!r}")
    return _org_json(view, org_id)


def _org_json(view: MembersView, org_id: str) -> dict[str, object]:
    org = view.find_org(org_id)
    assert org is not None
    result = org.to_json()
    result["accounts"] = [format_address(a) for a in view.list_accounts(org_id)]
    return result
