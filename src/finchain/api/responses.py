"""The documented error answers of the REST routes: the OpenAPI `responses` each route declares.

Every status a route can answer is listed in its operation's `responses`, each with the
`ErrorBody` shape (`{code, message, details}`) and the stable codes it carries, so a client (and
the schemathesis run in `tests/api/test_schemathesis.py`) can rely on the document: a status a
route answers but does not declare is a bug. Routes combine these dicts:

    400  BAD_REQUEST           a module rejected the request (`query/bad_request`, ...)
    400  INVALID_BODY          the body is not valid JSON (`api/invalid_json`) or was rejected
    401  UNAUTHENTICATED       `api/unauthenticated`: signature headers missing or bad
    403  LEGAL_BASIS_REQUIRED  `api/legal_basis_required`: a regulator read without a basis
    404  NOT_FOUND             `api/not_found` (a height above the latest, no such item)
    413  BODY_TOO_LARGE        `api/body_too_large`
    422  INVALID_REQUEST       `api/invalid_request`: a parameter or the body's shape is invalid
    503  NOT_READY             `api/not_ready` (and the engine's retry-later codes)
    504  TIMEOUT               `api/timeout`

Must never: document a success shape (the routes' `response_model` does that).
"""

from __future__ import annotations

from typing import Any

from finchain.api.schemas import ErrorBody

Responses = dict[int | str, dict[str, Any]]


def error_answer(status: int, description: str) -> Responses:
    """One documented error status with the `ErrorBody` shape."""
    return {status: {"model": ErrorBody, "description": description}}


BAD_REQUEST = error_answer(400, "query/bad_request (or the module's own code)")
INVALID_BODY = error_answer(
    400, "api/invalid_json, or rejected (codec, tx, module error, bad parameter)"
)
UNAUTHENTICATED = error_answer(401, "api/unauthenticated (signed-read headers missing or bad)")
LEGAL_BASIS_REQUIRED = error_answer(403, "api/legal_basis_required")
NOT_FOUND = error_answer(404, "api/not_found")
BODY_TOO_LARGE = error_answer(413, "api/body_too_large")
INVALID_REQUEST = error_answer(422, "api/invalid_request (a parameter or the body is invalid)")
NOT_READY = error_answer(
    503, "api/not_ready, or the engine cannot take it now (cometbft/mempool_full, ...)"
)
TIMEOUT = error_answer(504, "api/timeout (the transaction may still commit)")

READ_AT_HEIGHT: Responses = {**NOT_FOUND, **INVALID_REQUEST}
"""A public read at `?height=N`: 404 above the latest committed height, 422 a bad parameter."""
SIGNED_READ: Responses = {**UNAUTHENTICATED, **LEGAL_BASIS_REQUIRED}
"""A route that reads the signed-read headers (`ViewerDep`)."""
