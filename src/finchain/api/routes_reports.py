"""Report routes: `GET /v1/reports/{type}` (signed) generates a supervisory report at a committed
height (`finchain.reports`), as JSON (with its SHA-256) or CSV.

A member may generate any report of its own organisation (`org` = its own; the default for a
member); the central bank and the regulator may generate it for any organisation they cover or,
unscoped, for all (`org` omitted), which is a supervisory read: audited, and a regulator must
state a legal basis.
Parameters: `height` (default latest), `org`, `format=json|csv`, and for large-value transfers
`threshold` as `ASSET:minor_units` (repeatable; default CNY:200000000).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from finchain.api.errors import ERR_NOT_FOUND, ApiError
from finchain.api.params import ReportHeightQuery
from finchain.api.readers import Readers, ViewerDep
from finchain.api.responses import (
    BAD_REQUEST,
    INVALID_REQUEST,
    LEGAL_BASIS_REQUIRED,
    error_answer,
)
from finchain.api.routes_clearing import require_member
from finchain.api.services import NodeServices
from finchain.app.queries import ERR_BAD_QUERY
from finchain.errors import InvalidTransaction
from finchain.reports import REPORT_TYPES, Report, ReportError, generate_report

ALL_ORGS = frozenset({"*"})
REPORT_RESPONSES = {
    200: {"content": {"text/csv": {}}},
    **BAD_REQUEST,
    **error_answer(401, "api/unauthenticated (reports need a signed request by a member)"),
    **LEGAL_BASIS_REQUIRED,
    **error_answer(404, "api/not_found: no such type, org beyond the reader, height not committed"),
    **INVALID_REQUEST,
}


def build_reports_router(services: NodeServices, readers: Readers) -> APIRouter:
    router = APIRouter(prefix="/v1/reports", tags=["reports"])
    app, db = services.app, services.db

    @router.get(
        "/{report_type}",
        summary="A supervisory report at a committed height (JSON with its SHA-256, or CSV)",
        responses=REPORT_RESPONSES,
    )
    async def get_report(
        report_type: str,
        request: Request,
        viewer: ViewerDep,
        height: ReportHeightQuery = None,
        org: str | None = None,
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
        threshold: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        scope = require_member(viewer)
        if report_type not in REPORT_TYPES:
            raise ApiError(404, ERR_NOT_FOUND, f"no report type {report_type!r}")
        if org is None and not scope.sees_everything:
            if scope.is_supervisor:
                raise ApiError(
                    404, ERR_NOT_FOUND, "a report of every member is beyond this reader's scope"
                )
            org = scope.org  # a member reports its own data
        if org is not None and not scope.covers(org):
            raise ApiError(404, ERR_NOT_FOUND, f"no report of {org} for this reader")
        readers.audit_request(viewer, request, [ALL_ORGS if org is None else frozenset({org})])
        thresholds = _parse_thresholds(threshold)

        def build() -> Report:
            view = app.view_at(height)
            try:
                return generate_report(
                    view, db, app.genesis.chain_id, view.height, report_type, org, thresholds
                )
            except ReportError as err:
                raise InvalidTransaction(ERR_BAD_QUERY, str(err)) from None

        report = await run_in_threadpool(build)
        if format == "csv":
            return Response(report.to_csv(), media_type="text/csv")
        return JSONResponse(report.to_json())

    return router


def _parse_thresholds(texts: list[str] | None) -> dict[str, int] | None:
    if not texts:
        return None
    thresholds = {}
    for text in texts:
        asset, _, amount = text.partition(":")
        if not asset or not amount.isdigit():
            raise InvalidTransaction(ERR_BAD_QUERY, f"threshold is ASSET:minor_units, got {text!r}")
        thresholds[asset] = int(amount)
    return thresholds
