"""Supervision routes (`/v1/supervision/...`): the regulator's directives and the reports members
submitted, with their review.

Public reads within the consortium: a frozen account, a suspended participant and their
counterparties must know a directive holds them, and a submitted report's hash and review are
what makes it accountable; no signed read is needed. Answers are the JSON of the
`supervision/*` queries (`modules/supervision/queries.py`) at a committed height (`?height=N`,
default latest); a height above the latest committed one and a missing directive are 404
`api/not_found`. The reports themselves (their rows) are private: `GET /v1/reports/{type}`
(`routes_reports.py`) serves them to signed reads only.

Must never: change state; directives, submissions and reviews are transactions
(`POST /v1/txs`).
Concurrency: plain `def` routes, run in FastAPI's worker threads (RocksDB reads block).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from finchain.api.params import MAX_ID, HeightQuery
from finchain.api.responses import READ_AT_HEIGHT
from finchain.api.routes_query import query_at
from finchain.api.services import NodeServices

DirectiveId = Annotated[
    int, Path(ge=0, le=MAX_ID, description="the directive id (from 0, in issue order)")
]


def build_supervision_router(services: NodeServices) -> APIRouter:
    router = APIRouter(prefix="/v1/supervision", tags=["supervision"], responses=READ_AT_HEIGHT)
    app = services.app

    def query(path: str, height: int | None, **params: Any) -> Any:
        return query_at(app, path, height, **params)

    @router.get(
        "/directives",
        response_model=list[dict[str, Any]],
        summary="Every directive, in id order, with its kind, target, legal basis and status",
    )
    def get_directives(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("supervision/directives", height))

    @router.get(
        "/directives/{directive_id}",
        response_model=dict[str, Any],
        summary="One directive with its kind, target, legal basis and status",
    )
    def get_directive(directive_id: DirectiveId, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("supervision/directive", height, id=directive_id))

    @router.get(
        "/reports",
        response_model=list[dict[str, Any]],
        summary="Every submitted report (type, height, SHA-256, submitter), with its review",
    )
    def get_reports(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("supervision/reports", height))

    return router
