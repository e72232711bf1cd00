"""Read-only queries of the supervision module (JSON-ready; directives and reports are public
within the consortium: a frozen or suspended party and its counterparties must know)."""

from __future__ import annotations

from typing import Any

from finchain.errors import NotFound
from finchain.modules.module import QueryContext
from finchain.modules.query_params import parse_id_param, parse_text_param
from finchain.modules.supervision.keeper import SupervisionView


def query_directives(q: QueryContext, _: dict[str, Any]) -> list[dict[str, object]]:
    return [d.to_json() for d in SupervisionView(q.state).list_directives()]


def query_directive(q: QueryContext, params: dict[str, Any]) -> dict[str, object]:
    """`supervision/directive {id}`."""
    directive_id = parse_id_param(params, "id")
    directive = SupervisionView(q.state).find_directive(directive_id)
    if directive is None:
        raise NotFound(f"no directive {directive_id}")
    return directive.to_json()


def query_reports(q: QueryContext, _: dict[str, Any]) -> list[dict[str, object]]:
    return [r.to_json() for r in SupervisionView(q.state).list_reports()]


def query_anchors(q: QueryContext, _: dict[str, Any]) -> list[dict[str, object]]:
    return [a.to_json() for a in SupervisionView(q.state).list_anchors()]


def query_scope(q: QueryContext, params: dict[str, Any]) -> dict[str, object]:
    """`supervision/scope {org}`: `{"org", "supervised": [orgs] | null}` (null: every one)."""
    org_id = parse_text_param(params, "org")
    scope = SupervisionView(q.state).find_scope(org_id)
    return {"org": org_id, "supervised": None if scope is None else sorted(scope)}


QUERIES = {
    "supervision/directives": query_directives,
    "supervision/directive": query_directive,
    "supervision/reports": query_reports,
    "supervision/anchors": query_anchors,
    "supervision/scope": query_scope,
}
