"""Audit routes: who read whose private data (G-5, REG-2).

`GET /v1/audit/reads` (signed): the central bank or a regulator gets its own organisation's
supervisory reads in full (target, owners, legal basis); any other member gets the reads that
touched its data (`owners` include it, or a supervisory event stream), each with the reader,
time and legal basis only: not the target nor whose other data the same read covered.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from finchain.api.auth import ERR_UNAUTHENTICATED, Viewer
from finchain.api.errors import ApiError
from finchain.api.readers import Readers, ViewerDep
from finchain.api.responses import error_answer
from finchain.api.websocket import SUBSCRIPTION_OWNERS

_SEEN_BY_SUBJECTS = ("seq", "time_ms", "org", "roles", "legal_basis", "method")


def build_audit_router(readers: Readers) -> APIRouter:
    router = APIRouter(prefix="/v1/audit", tags=["audit"])

    @router.get(
        "/reads",
        summary="Supervisory reads by, or of the data of, the reader's org",
        responses=error_answer(401, "api/unauthenticated (a signed request by a member)"),
    )
    def get_reads(viewer: ViewerDep) -> JSONResponse:
        return JSONResponse(select_reads(readers.audit_log.entries(), viewer))

    return router


def select_reads(entries: list[dict[str, Any]], viewer: Viewer) -> list[dict[str, Any]]:
    org = viewer.scope.org
    if viewer.is_anonymous or org is None:
        raise ApiError(401, ERR_UNAUTHENTICATED, "audit reads need a signed request by a member")
    if viewer.scope.is_supervisor:
        return [e for e in entries if e["org"] == org]
    subject_of = {org, *SUBSCRIPTION_OWNERS}
    return [
        {k: e[k] for k in _SEEN_BY_SUBJECTS}
        for e in entries
        if e["org"] != org and subject_of & set(e["owners"])
    ]
