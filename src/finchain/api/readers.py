"""Who reads, per request: the `Viewer` dependency for routes and the audit of what they read.

Routes that serve private data declare `viewer: ViewerDep` (resolved by the `Readers` that
`create_api` keeps in `app.state.readers`), cut their answer with `api/privacy.py` or a scoped
query, and call `readers.audit_request` with the owners of each private item in it before
answering: every read by a regulator (REG-2, one record per read, even an empty one) and every
read by the central bank of other organisations' items are logged (G-5); a regulator that gives
no legal basis is refused with 403 `api/legal_basis_required`. Public routes (status, members,
assets, validators, governance, directives) are not logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request, WebSocket
from fastapi.concurrency import run_in_threadpool

from finchain.api.audit import AuditLog
from finchain.api.auth import Viewer, authenticate
from finchain.api.errors import ApiError
from finchain.app import Application
from finchain.crypto import format_address
from finchain.errors import register_error
from finchain.modules.scope import REGULATOR_ROLE

ERR_LEGAL_BASIS_REQUIRED = register_error(
    "api", 10, "legal_basis_required", "a regulator's read of others' data needs a legal basis"
)


class Readers:
    def __init__(self, app: Application, audit_log: AuditLog) -> None:
        self.app = app
        self.audit_log = audit_log

    async def viewer(self, request: Request) -> Viewer:
        """FastAPI dependency: the authenticated reader of `request`, or anonymous."""
        body = await request.body()
        return await run_in_threadpool(
            authenticate, self.app, dict(request.headers), request.method, _target(request), body
        )

    async def ws_viewer(self, websocket: WebSocket) -> Viewer:
        """The reader of a WebSocket handshake (signed like a GET of the same URL)."""
        return await run_in_threadpool(
            authenticate, self.app, dict(websocket.headers), "GET", _target(websocket), b""
        )

    def org_of(self, address: bytes) -> str | None:
        org = self.app.query("org_of", {"address": format_address(address)}).value["org"]
        return None if org is None else str(org)

    def audit(
        self, viewer: Viewer, method: str, target: str, owners: Iterable[frozenset[str]]
    ) -> None:
        """Log a read through a private-data route: every one by a regulator (REG-2: exactly one
        record per read, with its legal basis, even if it found nothing), and the central
        bank's reads of other parties' items."""
        if not viewer.scope.is_supervisor:
            return  # a party reads only its own items
        foreign = [o for o in owners if viewer.scope.org not in o]
        is_regulator = REGULATOR_ROLE in viewer.scope.roles
        if not foreign and not is_regulator:
            return
        if is_regulator and not viewer.legal_basis:
            raise ApiError(
                403,
                ERR_LEGAL_BASIS_REQUIRED,
                "a regulator's reads of members' data must state the legal basis "
                "(X-Finchain-Legal-Basis)",
            )
        self.audit_log.record(viewer, method, target, foreign)

    def audit_request(
        self, viewer: Viewer, request: Request, owners: Iterable[frozenset[str]]
    ) -> None:
        self.audit(viewer, request.method, _target(request), owners)


def _target(connection: Request | WebSocket) -> str:
    """The request target exactly as received: raw (still percent-encoded) path, `?`, query."""
    scope = connection.scope
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    target = raw_path + (b"?" + query if query else b"")
    return target.decode("latin-1")


async def current_viewer(request: Request) -> Viewer:
    """FastAPI dependency: the request's reader, via the API's `Readers`."""
    readers: Readers = request.app.state.readers
    return await readers.viewer(request)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
