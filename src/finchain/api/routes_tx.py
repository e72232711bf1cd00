"""Transaction routes: submit one, submit a batch, read a committed transaction.

POST /v1/txs         `{"tx": hex, "mode": "commit"|"async"}` -> `{"hash", "status", "receipt"?}`
POST /v1/txs/batch   `{"txs": [hex, ...], "mode": ...}`       -> `{"results": [...]}` per item
GET  /v1/txs/{hash}  -> `{"hash", "height", "index", "tx", "raw", "receipt"}`, cut for the
                       reader (`api/privacy.py`): private messages and events redacted, `raw`
                       null when anything was withheld

Concurrency: admission runs in one worker-thread call per request (it verifies signatures and
takes the engine lock); waiting for commits happens on the event loop without holding a thread.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from finchain.api.errors import ERR_NOT_FOUND, ERR_TIMEOUT, ApiError, rejection_error, render_error
from finchain.api.privacy import cut_receipt, cut_tx, is_redacted
from finchain.api.readers import Readers, ViewerDep
from finchain.api.render import render_signed_tx
from finchain.api.responses import (
    BODY_TOO_LARGE,
    INVALID_BODY,
    INVALID_REQUEST,
    NOT_FOUND,
    NOT_READY,
    SIGNED_READ,
    TIMEOUT,
)
from finchain.api.schemas import (
    HEX_PATTERN,
    StoredTxResponse,
    SubmitBatchRequest,
    SubmitBatchResponse,
    SubmitTxRequest,
    SubmitTxResponse,
    decode_hex,
)
from finchain.api.services import ApiSettings, NodeServices
from finchain.api.submission import Submission, Submitter, wait_for_futures
from finchain.engine.base import RejectedOnRecheck
from finchain.errors import InvalidTransaction
from finchain.model import decode_signed_tx

# Stored transactions were size-checked at admission; never refuse to show one.
STORED_TX_MAX_BYTES = 64 * 1024 * 1024

TxHashPath = Annotated[str, Path(pattern=HEX_PATTERN, description="transaction hash, hex")]
SUBMIT_RESPONSES = {**INVALID_BODY, **BODY_TOO_LARGE, **INVALID_REQUEST, **NOT_READY}


def build_tx_router(
    services: NodeServices, settings: ApiSettings, submitter: Submitter, readers: Readers
) -> APIRouter:
    router = APIRouter(prefix="/v1/txs", tags=["transactions"])
    timeout = settings.commit_timeout_s

    @router.post(
        "",
        response_model=SubmitTxResponse,
        responses={**SUBMIT_RESPONSES, **TIMEOUT},
        summary="Submit a signed transaction",
    )
    async def submit_tx(body: SubmitTxRequest) -> JSONResponse:
        wait = body.mode == "commit"
        [submission] = await run_in_threadpool(submitter.submit_many, [decode_hex(body.tx)], wait)
        if wait and submission.future is not None:
            await wait_for_futures([submission.future], timeout)
        outcome = _render_outcome(submission, wait, submitter)
        if isinstance(outcome, ApiError):
            raise outcome
        return JSONResponse(outcome)

    @router.post(
        "/batch",
        response_model=SubmitBatchResponse,
        summary="Submit up to 10,000 signed transactions; one result per transaction",
        responses={**INVALID_BODY, **BODY_TOO_LARGE, **INVALID_REQUEST},
    )
    async def submit_batch(body: SubmitBatchRequest) -> JSONResponse:
        wait = body.mode == "commit"
        raws = [decode_hex(tx) for tx in body.txs]
        submissions = await run_in_threadpool(submitter.submit_many, raws, wait)
        if wait:
            futures = [s.future for s in submissions if s.future is not None]
            await wait_for_futures(futures, timeout)
        results = []
        for submission in submissions:
            outcome = _render_outcome(submission, wait, submitter)
            if isinstance(outcome, ApiError):
                outcome = {"error": render_error(outcome.code, outcome.message, outcome.details)}
            results.append(outcome)
        return JSONResponse({"results": results})

    @router.get(
        "/{tx_hash}",
        response_model=StoredTxResponse,
        responses={**NOT_FOUND, **SIGNED_READ, **INVALID_REQUEST},
        summary="A committed transaction with its receipt",
    )
    def get_tx(tx_hash: TxHashPath, request: Request, viewer: ViewerDep) -> JSONResponse:
        db = services.db
        location = db.find_tx(decode_hex(tx_hash))
        raw = None if location is None else db.load_tx(location)
        receipt = None if location is None else db.load_receipt(location)
        if location is None or raw is None or receipt is None:
            raise ApiError(404, ERR_NOT_FOUND, f"no committed transaction {tx_hash}")
        try:
            stx = decode_signed_tx(raw, services.app.suite, STORED_TX_MAX_BYTES)
        except InvalidTransaction:  # an engine may commit undecodable bytes with a failed receipt
            stx = None
        tx_view = None
        if stx is not None:
            tx_view = cut_tx(render_signed_tx(stx), stx, readers.org_of, viewer)
        receipt_view = cut_receipt(receipt, viewer)
        views = [receipt_view] if tx_view is None else [tx_view, receipt_view]
        readers.audit_request(viewer, request, [o for v in views for o in v.owners])
        withheld = any(is_redacted(v) for v in views)
        return JSONResponse(
            {
                "hash": receipt.tx_hash.hex(),
                "height": location.height,
                "index": location.index,
                "tx": None if tx_view is None else tx_view.json,
                "raw": None if withheld else raw.hex(),
                "receipt": receipt_view.json,
            }
        )

    return router


def _render_outcome(
    submission: Submission, wait: bool, submitter: Submitter
) -> dict[str, Any] | ApiError:
    """`{"hash", "status", "receipt"?}`, or the error to raise (one tx) or render (batch item)."""
    tx_hash = submission.tx_hash.hex()
    if submission.rejection is not None:
        return rejection_error(submission.rejection, submitter.is_definite(submission.rejection))
    if submission.receipt is not None:
        return {"hash": tx_hash, "status": "committed", "receipt": submission.receipt.to_json()}
    future = submission.future
    if not wait or future is None:
        return {"hash": tx_hash, "status": "pending"}
    if not future.done():
        submitter.release(submission)
        message = "not committed within the timeout; it may still commit"
        return ApiError(504, ERR_TIMEOUT, message, hash=tx_hash)
    error = future.exception()
    if isinstance(error, RejectedOnRecheck):
        return rejection_error(error.result, submitter.is_definite(error.result))
    if error is not None:
        raise error
    receipt = future.result()
    return {"hash": tx_hash, "status": "committed", "receipt": receipt.to_json()}
