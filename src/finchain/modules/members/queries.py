"""Read-only queries of the members module (JSON-ready results)."""

from __future__ import annotations

from typing import Any

from finchain.crypto import format_address
from finchain.errors import NotFound
from finchain.modules.members.keeper import MembersView
from finchain.modules.module import QueryContext
from finchain.modules.query_params import parse_address_param, parse_text_param


def query_members(q: QueryContext, _: dict[str, Any]) -> list[dict[str, object]]:
    view = MembersView(q.state)
    return [_org_json(view, org.org_id) for org in view.list_orgs()]


def query_member(q: QueryContext, params: dict[str, Any]) -> dict[str, object]:
    """`member {id}`."""
    org_id = parse_text_param(params, "id")
    view = MembersView(q.state)
    if view.find_org(org_id) is None:
        raise NotFound(f"no member organisation {org_id!r}")
    return _org_json(view, org_id)


def _org_json(view: MembersView, org_id: str) -> dict[str, object]:
    org = view.find_org(org_id)
    assert org is not None
    result = org.to_json()
    result["accounts"] = [format_address(a) for a in view.list_accounts(org_id)]
    return result


def query_org_of(q: QueryContext, params: dict[str, Any]) -> dict[str, object]:
    """`org_of {address}`: the organisation only, without reading balances."""
    return {"org": MembersView(q.state).find_org_of(parse_address_param(params))}


QUERIES = {"members": query_members, "member": query_member, "org_of": query_org_of}
