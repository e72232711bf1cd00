"""API error codes and the mapping of every failure to an HTTP status and a JSON error body.

Every error answer is `{"code": "<codespace>/<name>", "message": str, "details": {...}}`:

    FinchainError
     ├── InvalidTransaction  -> 400 with its own code (503 api/not_ready if there is no genesis)
     └── NotFound            -> 404 api/not_found
    ApiError                 -> its own status and code (timeouts, bad shapes, not ready)
    RequestValidationError   -> 400 api/invalid_json, or 422 api/invalid_request
    HTTPException            -> 400 api/invalid_json, 404 api/not_found, 405 api/method_not_allowed,
                                413 api/body_too_large (others: their status, api/invalid_request)
    anything else            -> 500 api/internal (no stack trace in the body; logged here)

A failure nothing above maps is a bug: `InternalErrorMiddleware` answers it 500 `api/internal`,
logs the traceback and keeps the connection open (Starlette's own last-resort handler re-raises
to the server, which then resets the client's keep-alive connection).

Must never: leak internals (stack traces, file paths) into a response body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finchain.app import CheckTxResult
from finchain.app.application import ERR_NOT_INITIALISED
from finchain.engine.base import is_retry_later
from finchain.errors import ErrorCode, InvalidTransaction, NotFound, register_error

logger = logging.getLogger(__name__)

ERR_NOT_FOUND = register_error("api", 1, "not_found", "no such transaction, block or resource")
ERR_INVALID_JSON = register_error("api", 2, "invalid_json", "the request body is not valid JSON")
ERR_INVALID_REQUEST = register_error(
    "api", 3, "invalid_request", "the JSON is valid but the request shape is not"
)
ERR_BODY_TOO_LARGE = register_error(
    "api", 4, "body_too_large", "the request body is over the size limit"
)
ERR_TIMEOUT = register_error(
    "api", 5, "timeout", "not committed within the timeout; the transaction may still commit"
)
ERR_NOT_READY = register_error("api", 6, "not_ready", "the node has no genesis or is not running")
ERR_INTERNAL = register_error("api", 7, "internal", "the node failed; see its log")
ERR_METHOD_NOT_ALLOWED = register_error(
    "api", 8, "method_not_allowed", "the path does not accept this HTTP method"
)

_HTTP_CODES: dict[int, tuple[ErrorCode, str]] = {
    # FastAPI's own 400: a JSON body its parser refuses (e.g. nested too deeply to decode)
    400: (ERR_INVALID_JSON, "the request body is not valid JSON (or is nested too deeply)"),
    404: (ERR_NOT_FOUND, "no such path"),
    405: (ERR_METHOD_NOT_ALLOWED, "method not allowed on this path"),
    413: (ERR_BODY_TOO_LARGE, "request body too large"),
}


class ApiError(Exception):
    """Answer the request with `status` and an error body; raised by routes and helpers."""

    def __init__(self, status: int, code: ErrorCode | str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = str(code)
        self.message = message
        self.details = details


def render_error(code: ErrorCode | str, message: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON error body; details are made JSON-safe (bytes as hex, unknown types as text)."""
    return {"code": str(code), "message": message, "details": _jsonable(dict(details))}


def error_response(
    status: int, code: ErrorCode | str, message: str, **details: Any
) -> JSONResponse:
    return JSONResponse(render_error(code, message, details), status_code=status)


def rejection_error(result: CheckTxResult, definite: bool | None = None) -> ApiError:
    """The answer to a transaction `check_tx` refused, with its own code: 400 if the refusal
    is `definite` (its bytes can never commit: `Submitter.is_definite`), else 503 with
    `details.definite` false (it may still commit: keep the bytes, re-send them or look the
    hash up, never sign the same payment again). 503 `api/not_ready` before genesis. Without
    `definite`, only the engine's retry-later codes (`engine.base.RETRY_LATER_CODES`: mempool
    full, CometBFT unreachable, `cometbft/outcome_unknown`) count as indefinite."""
    if result.code == str(ERR_NOT_INITIALISED):
        return ApiError(503, ERR_NOT_READY, result.log)
    details = {**result.details, "hash": result.tx_hash.hex()}
    if definite is None:
        definite = not is_retry_later(result.code)
    if definite:
        return ApiError(400, result.code, result.log, **details)
    if not is_retry_later(result.code):
        details["definite"] = False
    return ApiError(503, result.code, result.log, **details)


class InternalErrorMiddleware:
    """Answers an HTTP request whose handling raised an unmapped exception with 500
    `api/internal` and logs it, instead of letting it reach the server (which would close the
    connection). A failure after the response started cannot be answered: it is re-raised."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception(
                "unhandled error method=%s path=%s", scope.get("method"), scope.get("path")
            )
            if response_started:
                raise
            body = json.dumps(render_error(ERR_INTERNAL, "internal error", {})).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidTransaction, _on_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(NotFound, _on_not_found)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unhandled)


async def _on_api_error(_: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, **exc.details)


async def _on_invalid(_: Request, exc: InvalidTransaction) -> JSONResponse:
    if exc.code == ERR_NOT_INITIALISED:
        return error_response(503, ERR_NOT_READY, exc.message)
    return error_response(400, exc.code, exc.message, **exc.details)


async def _on_not_found(_: Request, exc: NotFound) -> JSONResponse:
    return error_response(404, ERR_NOT_FOUND, exc.message)


async def _on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    if any(p["type"] == "json_invalid" for p in problems):
        return error_response(400, ERR_INVALID_JSON, "the request body is not valid JSON")
    return error_response(422, ERR_INVALID_REQUEST, _summarise(problems), errors=problems)


async def _on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, message = _HTTP_CODES.get(exc.status_code, (ERR_INVALID_REQUEST, str(exc.detail)))
    return JSONResponse(
        render_error(code, message, {}), status_code=exc.status_code, headers=exc.headers
    )


async def _on_unhandled(_: Request, __: Exception) -> JSONResponse:
    # Starlette re-raises after answering, so the server logs the traceback; the body stays terse.
    return error_response(500, ERR_INTERNAL, "internal error")


def _summarise(problems: list[dict[str, Any]]) -> str:
    first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first['msg']}{more}" if where else f"{first['msg']}{more}"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)
