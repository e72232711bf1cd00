"""Read-only queries of the supervision module (JSON-ready; directives and reports are public
within the consortium: a frozen or suspended party and its counterparties must know)."""

from __future__ import annotations

from finchain.errors import NotFound
from finchain.modules.supervision.keeper import SupervisionView
from finchain.state import StateReader


def query_directives(state: StateReader) -> list[dict[str, object]]:
    return [d.to_json() for d in SupervisionView(state).list_directives()]


def query_directive(state: StateReader, directive_id: int) -> dict[str, object]:
    directive = SupervisionView(state).find_directive(directive_id)
    if directive is None:
        raise NotFound(f"no directive {directive_id}")
    return directive.to_json()


def query_reports(state: StateReader) -> list[dict[str, object]]:
    return [r.to_json() for r in SupervisionView(state).list_reports()]


def query_anchors(state: StateReader) -> list[dict[str, object]]:
    return [a.to_json() for a in SupervisionView(state).list_anchors()]


def query_scope(state: StateReader, org_id: str) -> dict[str, object]:
    """`{"org", "supervised": [orgs] | null}` (null: every organisation)."""
    scope = SupervisionView(state).find_scope(org_id)
    return {"org": org_id, "supervised": None if scope is None else sorted(scope)}
