"""Read routes: node status, blocks, accounts, members, assets, chain parameters, error codes.

State reads go through `Application.query` at a committed height (`?height=N`, default latest);
a height above the latest committed one is 404 `api/not_found`. The account route adds the
mempool-aware `pending_nonce` from the engine. The status route asks an engine that offers a
`SyncReporter` (the node's CometBFT member engine) how far the node is behind its network; an
engine without one decides the blocks itself (solo) and is never behind.

Concurrency: plain `def` routes, so FastAPI runs them in its worker threads (RocksDB reads and
the engine lock block).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Protocol, runtime_checkable

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from finchain import __version__
from finchain.api.auth import Viewer
from finchain.api.errors import ERR_NOT_FOUND, ERR_NOT_READY, ApiError
from finchain.api.params import BlockHeightPath, HeightQuery
from finchain.api.privacy import cut_block
from finchain.api.readers import Readers, ViewerDep
from finchain.api.responses import (
    BAD_REQUEST,
    INVALID_REQUEST,
    NOT_FOUND,
    READ_AT_HEIGHT,
    SIGNED_READ,
)
from finchain.api.schemas import (
    AccountResponse,
    AccountTxsResponse,
    AssetJson,
    BlockJson,
    ErrorCodeJson,
    MemberJson,
    StatusResponse,
    ValidatorJson,
)
from finchain.api.services import NodeServices
from finchain.app import Application
from finchain.app.queries import ERR_BAD_QUERY
from finchain.crypto import parse_address
from finchain.errors import InvalidTransaction, all_error_codes

ACCOUNT_RESPONSES = {**BAD_REQUEST, **READ_AT_HEIGHT}
BLOCK_RESPONSES = {**NOT_FOUND, **SIGNED_READ}


def query_at(app: Application, path: str, height: int | None, **params: Any) -> Any:
    """A query's JSON value at `height` (default latest); 404 `api/not_found` above the latest
    committed height. Shared by the read routes of every module."""
    if height is not None and height > app.height:
        raise ApiError(
            404, ERR_NOT_FOUND, f"height {height} is not committed yet", latest=app.height
        )
    return app.query(path, params, height).value


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """How far this node is behind its network: `catching_up` while it is syncing blocks (or
    cannot tell it is not), `lag_blocks` = the network's highest height seen minus this node's
    committed height (None: the network's height is unknown)."""

    catching_up: bool
    lag_blocks: int | None


IN_SYNC = SyncStatus(catching_up=False, lag_blocks=0)


@runtime_checkable
class SyncReporter(Protocol):
    """What the status route needs from an engine that follows a network."""

    def get_sync_status(self, app_height: int) -> SyncStatus: ...


def build_query_router(services: NodeServices, readers: Readers) -> APIRouter:
    router = APIRouter(prefix="/v1")
    app, db, engine = services.app, services.db, services.engine

    def query(path: str, height: int | None, **params: Any) -> Any:
        return query_at(app, path, height, **params)

    @router.get("/status", response_model=StatusResponse, tags=["node"])
    def get_status() -> JSONResponse:
        if not app.is_initialised:
            raise ApiError(503, ERR_NOT_READY, "the chain has no genesis yet")
        last = app.info()  # one consistent (height, app hash, time) triple
        sync = (
            engine.get_sync_status(last.last_height)
            if isinstance(engine, SyncReporter)
            else IN_SYNC
        )
        return JSONResponse(
            {
                "chain_id": last.chain_id,
                "crypto_suite": app.suite.name,
                "height": last.last_height,
                "app_hash": last.last_app_hash.hex(),
                "block_time_ms": last.last_time_ms,
                "mempool_size": engine.mempool_size,
                "engine": services.engine_name,
                "version": __version__,
                "catching_up": sync.catching_up,
                "lag_blocks": sync.lag_blocks,
            }
        )

    @router.get(
        "/blocks/latest", response_model=BlockJson, responses=BLOCK_RESPONSES, tags=["blocks"]
    )
    def get_latest_block(request: Request, viewer: ViewerDep) -> JSONResponse:
        return JSONResponse(load_block_json(app.height, request, viewer))

    @router.get(
        "/blocks/{height}",
        response_model=BlockJson,
        responses={**BLOCK_RESPONSES, **INVALID_REQUEST},
        tags=["blocks"],
    )
    def get_block(height: BlockHeightPath, request: Request, viewer: ViewerDep) -> JSONResponse:
        return JSONResponse(load_block_json(height, request, viewer))

    def load_block_json(height: int, request: Request, viewer: Viewer) -> dict[str, Any]:
        block = db.load_block(height) if height > 0 else None
        if block is None:
            raise ApiError(404, ERR_NOT_FOUND, f"no block at height {height}", latest=app.height)
        view = cut_block(block, db.load_receipts(height), viewer)
        readers.audit_request(viewer, request, view.owners)
        return view.json

    @router.get(
        "/accounts/{address}",
        response_model=AccountResponse,
        responses=ACCOUNT_RESPONSES,
        tags=["accounts"],
    )
    def get_account(address: str, height: HeightQuery = None) -> JSONResponse:
        account = query("account", height, address=address)
        pending_nonce = engine.get_pending_nonce(parse_address_param(address))
        return JSONResponse({**account, "pending_nonce": pending_nonce})

    @router.get(
        "/accounts/{address}/balances",
        response_model=dict[str, str],
        responses=ACCOUNT_RESPONSES,
        tags=["accounts"],
    )
    def get_balances(address: str, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("balances", height, address=address))

    @router.get(
        "/accounts/{address}/txs",
        response_model=AccountTxsResponse,
        responses={**BAD_REQUEST, **INVALID_REQUEST},
        tags=["accounts"],
        summary="Hashes of the transactions that touched the account, newest first",
    )
    def get_account_txs(
        address: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> JSONResponse:
        hashes = db.find_account_txs(parse_address_param(address), limit)
        return JSONResponse({"tx_hashes": [h.hex() for h in hashes]})

    @router.get(
        "/members", response_model=list[MemberJson], responses=READ_AT_HEIGHT, tags=["members"]
    )
    def get_members(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("members", height))

    @router.get(
        "/members/{member_id}",
        response_model=MemberJson,
        responses=READ_AT_HEIGHT,
        tags=["members"],
    )
    def get_member(member_id: str, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("member", height, id=member_id))

    @router.get(
        "/assets", response_model=list[AssetJson], responses=READ_AT_HEIGHT, tags=["assets"]
    )
    def get_assets(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("assets", height))

    @router.get(
        "/assets/{symbol}", response_model=AssetJson, responses=READ_AT_HEIGHT, tags=["assets"]
    )
    def get_asset(symbol: str, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("asset", height, symbol=symbol))

    @router.get(
        "/validators",
        response_model=list[ValidatorJson],
        responses=READ_AT_HEIGHT,
        tags=["validators"],
    )
    def get_validators(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("validators", height))

    @router.get("/params", response_model=dict[str, Any], responses=READ_AT_HEIGHT, tags=["node"])
    def get_params(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("params", height))

    @router.get("/errors", response_model=list[ErrorCodeJson], tags=["node"])
    def get_errors() -> JSONResponse:
        return JSONResponse(
            [
                {
                    "code": str(code),
                    "codespace": code.codespace,
                    "number": code.number,
                    "description": code.description,
                }
                for code in all_error_codes()
            ]
        )

    return router


def parse_address_param(text: str) -> bytes:
    """An address from a path or query parameter; a bad one is 400 `query/bad_request`."""
    try:
        return parse_address(text)
    except ValueError as exc:
        raise InvalidTransaction(ERR_BAD_QUERY, str(exc)) from None
