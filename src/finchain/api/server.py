"""The API factory: builds the FastAPI application over a running node's services.

`create_api` subscribes a commit watcher and the WebSocket hub to the engine once, mounts the
transaction, query, clearing, governance, supervision, contract, audit, report and WebSocket
routes with the readers' identity and audit log (`readers.py`) and the contract query pool
(`query_pool.py`), installs the error mapping (every
error body is `{code, message, details}`, an unmapped failure a 500 that keeps the connection) and
the body-size limit.

Must never: start or stop the engine or touch the database's lifecycle; the node owns those.
"""

from __future__ import annotations

from fastapi import FastAPI

from finchain import __version__
from finchain.api.audit import AuditLog
from finchain.api.errors import InternalErrorMiddleware, install_error_handlers
from finchain.api.limits import BodyLimitMiddleware
from finchain.api.query_pool import QueryPool
from finchain.api.readers import Readers
from finchain.api.routes_audit import build_audit_router
from finchain.api.routes_clearing import build_clearing_router
from finchain.api.routes_contracts import build_contracts_router
from finchain.api.routes_governance import build_governance_router
from finchain.api.routes_query import build_query_router
from finchain.api.routes_reports import build_reports_router
from finchain.api.routes_supervision import build_supervision_router
from finchain.api.routes_tx import build_tx_router
from finchain.api.services import ApiSettings, NodeServices
from finchain.api.submission import CommitWatcher, Submitter
from finchain.api.websocket import WebSocketHub, build_ws_router

BATCH_PATH = "/v1/txs/batch"
DESCRIPTION = (
    "REST and WebSocket API of a finchain node. Binary values are lowercase hex, addresses "
    "`0x` + 40 hex digits, amounts decimal strings. Errors are `{code, message, details}`; "
    "`GET /v1/errors` lists every code."
)


def create_api(
    services: NodeServices,
    settings: ApiSettings | None = None,
    audit_log: AuditLog | None = None,
    query_pool: QueryPool | None = None,
) -> FastAPI:
    """The API over `services`; `audit_log` (default: one at `settings.audit_log_path`) is
    shared with the node when it anchors the log on chain. `query_pool` (default: one with the
    default bounds, kept in `app.state.query_pool`) runs read-only contract queries on threads
    of their own."""
    settings = settings or ApiSettings()
    api = FastAPI(
        title="finchain",
        version=__version__,
        description=DESCRIPTION,
        strict_content_type=False,  # a JSON body without a Content-Type header is still JSON
    )
    watcher = CommitWatcher(services.db)
    hub = WebSocketHub(settings.ws_max_backlog)
    services.engine.subscribe(watcher.record_block)
    services.engine.subscribe(hub.publish_block)
    readers = Readers(services.app, audit_log or AuditLog(settings.audit_log_path))
    api.state.readers = readers
    pool = query_pool or QueryPool()
    api.state.query_pool = pool
    api.include_router(build_tx_router(services, settings, Submitter(services, watcher), readers))
    api.include_router(build_query_router(services, readers))
    api.include_router(build_clearing_router(services, readers))
    api.include_router(build_governance_router(services))
    api.include_router(build_supervision_router(services))
    api.include_router(build_contracts_router(services, pool))
    api.include_router(build_audit_router(readers))
    api.include_router(build_reports_router(services, readers))
    api.include_router(build_ws_router(hub, readers))
    install_error_handlers(api)
    api.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        path_limits={BATCH_PATH: settings.max_batch_body_bytes},
    )
    api.add_middleware(InternalErrorMiddleware)  # added last: the outermost of ours
    return api
