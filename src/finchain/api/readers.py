"""Who reads, per request: the `Viewer` dependency for routes and the audit of what they read.

Routes that serve private data declare `viewer: ViewerDep` (resolved by the `Readers` that
`create_api` keeps in `app.state.readers`), cut their
answer with `api/privacy.py` or a scoped query, and call `readers.audit` with the number of
supervisory reads in it (G-5: logged before the answer leaves the node).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket
from fastapi.concurrency import run_in_threadpool

from finchain.api.audit import AuditLog
from finchain.api.auth import Viewer, authenticate
from finchain.app import Application
from finchain.crypto import format_address


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
        org = self.app.query("account", {"address": format_address(address)}).value.get("org")
        return None if org is None else str(org)

    def audit(self, viewer: Viewer, method: str, target: str, supervisory_reads: int) -> None:
        if supervisory_reads > 0:
            self.audit_log.record(viewer, method, target, supervisory_reads)

    def audit_request(self, viewer: Viewer, request: Request, supervisory_reads: int) -> None:
        self.audit(viewer, request.method, _target(request), supervisory_reads)


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
