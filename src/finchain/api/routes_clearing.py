"""Clearing routes (`/v1/clearing/...`): accounts, payments, queue, netting cycles, business
days, the BIC directory, and the ISO 20022 edge (pacs.008/009 in, pacs.002 and camt.053 out).

Every route but the directory needs a signed request (`api/auth.py`; anonymous is 401): a bank
reads its own account, the payments it sends or receives, its own net result of each netting
cycle and its own statements; the central bank and the regulator read everything, and each of
their reads of another party's data is written to the audit log first (`api/audit.py`).
A payment that exists but is not the reader's is answered exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from finchain.api.auth import ERR_UNAUTHENTICATED, Viewer
from finchain.api.clearing_iso import DayBounds, map_instructions, statement, status_report
from finchain.api.errors import ERR_NOT_FOUND, ApiError
from finchain.api.params import DayQuery
from finchain.api.readers import Readers, ViewerDep
from finchain.api.responses import (
    BAD_REQUEST,
    BODY_TOO_LARGE,
    INVALID_REQUEST,
    LEGAL_BASIS_REQUIRED,
    NOT_FOUND,
    Responses,
    error_answer,
)
from finchain.api.services import NodeServices
from finchain.iso20022 import parse_payment_instructions
from finchain.modules.scope import ReadScope

XML = "application/xml"
Currency = Annotated[str, Query(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
UNAUTHENTICATED = error_answer(401, "api/unauthenticated (private data needs a signed request)")
PRIVATE_READ = {
    **BAD_REQUEST,
    **UNAUTHENTICATED,
    **LEGAL_BASIS_REQUIRED,
    **NOT_FOUND,
    **INVALID_REQUEST,
}
"""Every signed read here: anonymous or badly signed is 401, a regulator without a legal basis
403, another party's item 404 exactly like a missing one, a bad parameter 422."""
MAPPING_RESPONSES = {
    **error_answer(400, "the XML is not a valid pacs.008/pacs.009, or a BIC is unknown"),
    **UNAUTHENTICATED,
    **BODY_TOO_LARGE,
}
XML_ANSWER: Responses = {200: {"content": {XML: {}}}}


def build_clearing_router(services: NodeServices, readers: Readers) -> APIRouter:
    router = APIRouter(prefix="/v1/clearing", tags=["clearing"])
    app, db = services.app, services.db

    def query(path: str, **params: Any) -> Any:
        return app.query(path, params).value

    def audit(viewer: Viewer, request: Request, owners: list[set[str]]) -> None:
        """Audit the supervisory part of a read of items with these owners."""
        readers.audit_request(viewer, request, [frozenset(o) for o in owners])

    @router.get(
        "/accounts", summary="Settlement accounts the reader may see", responses=PRIVATE_READ
    )
    def get_accounts(currency: Currency, request: Request, viewer: ViewerDep) -> JSONResponse:
        accounts = query("clearing/accounts", currency=currency, scope=require_member(viewer))
        audit(viewer, request, [{a["participant"]} for a in accounts])
        return JSONResponse(accounts)

    @router.get(
        "/payments/{uetr}", summary="A payment the reader sends or receives", responses=PRIVATE_READ
    )
    def get_payment(uetr: str, request: Request, viewer: ViewerDep) -> JSONResponse:
        payment = query("clearing/payment", uetr=uetr, scope=require_member(viewer))
        audit(viewer, request, [{payment["sender"], payment["receiver"]}])
        return JSONResponse(payment)

    @router.get(
        "/payments/{uetr}/pacs002",
        summary="The payment's status as an ISO 20022 pacs.002.001.10 report",
        response_class=Response,
        responses={**XML_ANSWER, **PRIVATE_READ},
    )
    def get_status_report(
        uetr: str,
        request: Request,
        viewer: ViewerDep,
        original: Annotated[str, Query(pattern=r"^pacs\.00[89]$")] = "pacs.008",
    ) -> Response:
        payment = query("clearing/payment", uetr=uetr, scope=require_member(viewer))
        audit(viewer, request, [{payment["sender"], payment["receiver"]}])
        last = app.info()
        report = status_report(payment, original, last.last_height, last.last_time_ms)
        return Response(report, media_type=XML)

    @router.get(
        "/queue", summary="Queued and held payments the reader may see", responses=PRIVATE_READ
    )
    def get_queue(currency: Currency, request: Request, viewer: ViewerDep) -> JSONResponse:
        queue = query("clearing/queue", currency=currency, scope=require_member(viewer))
        audit(viewer, request, [{p["sender"], p["receiver"]} for p in queue])
        return JSONResponse(queue)

    @router.get(
        "/cycles",
        summary="Netting cycles (a bank sees its own net result)",
        responses=PRIVATE_READ,
    )
    def get_cycles(request: Request, viewer: ViewerDep) -> JSONResponse:
        cycles = query("clearing/cycles", scope=require_member(viewer))
        audit(viewer, request, [set(c["net_changes"]) for c in cycles if c["net_changes"]])
        return JSONResponse(cycles)

    @router.get(
        "/days", summary="Closed business days (cut-offs) of a currency", responses=PRIVATE_READ
    )
    def get_days(currency: Currency, request: Request, viewer: ViewerDep) -> JSONResponse:
        days = query("clearing/days", currency=currency, scope=require_member(viewer))
        audit(viewer, request, [set(d["closing_balances"]) for d in days])
        return JSONResponse(days)

    @router.get("/directory", summary="The BIC directory (public within the consortium)")
    def get_directory() -> JSONResponse:
        return JSONResponse(query("clearing/directory"))

    @router.get(
        "/statements/{participant}",
        summary="End-of-day camt.053.001.08 statement of a closed business day",
        response_class=Response,
        responses={**XML_ANSWER, **PRIVATE_READ},
    )
    def get_statement(
        participant: str,
        currency: Currency,
        day: DayQuery,
        request: Request,
        viewer: ViewerDep,
    ) -> Response:
        scope = require_member(viewer)
        if not scope.covers(participant):
            raise ApiError(404, ERR_NOT_FOUND, f"no statement of {participant} for this reader")
        days = query("clearing/days", currency=currency)
        if day >= len(days) or participant not in days[day]["closing_balances"]:
            raise ApiError(404, ERR_NOT_FOUND, f"{participant} has no {currency} day {day}")
        audit(viewer, request, [{participant}])
        bounds = _day_bounds(days, day)
        previous = days[day - 1]["closing_balances"] if day > 0 else {}
        xml = statement(
            db,
            participant,
            currency,
            day,
            bounds,
            opening=int(previous.get(participant, "0")),
            closing=int(days[day]["closing_balances"][participant]),
            find_end_to_end_id=lambda uetr: query("clearing/payment", uetr=uetr)["end_to_end_id"],
        )
        return Response(xml, media_type=XML)

    def _day_bounds(days: list[dict[str, Any]], day: int) -> DayBounds:
        end = _cut_off_position(days[day])
        start = _cut_off_position(days[day - 1]) if day > 0 else (0, 0)
        from_block = db.load_block(start[0]) if start[0] > 0 else None
        to_block = db.load_block(end[0])
        assert to_block is not None  # a recorded cut-off's block is committed
        from_time = app.genesis.genesis_time_ms if from_block is None else from_block.header.time_ms
        return DayBounds(start, end, from_time, to_block.header.time_ms)

    def _cut_off_position(record: dict[str, Any]) -> tuple[int, int]:
        location = db.find_tx(bytes.fromhex(record["cut_off_tx"]))
        assert location is not None  # the cut-off is a committed transaction
        return location.height, location.index

    @router.post(
        "/iso20022/payments",
        summary="Map a pacs.008.001.08 or pacs.009.001.08 to SubmitPayment messages to sign",
        responses=MAPPING_RESPONSES,
        openapi_extra={"requestBody": {"content": {XML: {"schema": {"type": "string"}}}}},
    )
    async def map_payments(request: Request, viewer: ViewerDep) -> JSONResponse:
        scope = require_member(viewer)
        xml = await request.body()
        instructions = await run_in_threadpool(parse_payment_instructions, xml)
        directory = {e["bic"]: e["participant"] for e in query("clearing/directory")}
        messages = map_instructions(instructions, directory, scope.org)
        first = instructions[0]
        return JSONResponse({"kind": first.kind, "msg_id": first.msg_id, "messages": messages})

    return router


def require_member(viewer: Viewer) -> ReadScope:
    """The reader's scope; private data is never served to anonymous readers."""
    if viewer.is_anonymous:
        raise ApiError(
            401, ERR_UNAUTHENTICATED, "private data needs a signed request (see docs/api.md)"
        )
    return viewer.scope
