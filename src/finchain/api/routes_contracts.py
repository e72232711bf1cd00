"""Contract routes (`/v1/contracts/...`): deployed contracts, their ABI and code, the module's
parameters, read-only calls and the events each contract emitted.

Public reads: contracts, their storage and their events are visible to the whole consortium
(anyone may run a read-only call), so no signed read is needed. State reads are the
`contracts/*` queries (`app/queries.py`) at a committed height (`?height=N`, or `height` in a
query's body; default latest). A contract that does not exist is 404 with the module's code
`contracts/unknown_contract`; a failed read-only call is 400 with the module's code
(`contracts/reverted`, `contracts/read_only`, `contracts/bad_args`, ...) and `compute_used` in
its details; a malformed body is 422 `api/invalid_request`.

Read-only calls run on the API's `QueryPool` (`query_pool.py`), never on the worker threads that
serve status reads and submissions: a full pool is 503 `api/busy` and a client with too many
queries in flight 429 `api/too_many_queries`, both with `Retry-After`. A call's compute limit is
its `compute_limit`, else the module's `DEFAULT_QUERY_COMPUTE` (200,000), capped at
`max_compute`.

Events come from committed blocks' receipts: at most `MAX_EVENT_BLOCKS` blocks per request
(`from_height` defaults to that many blocks before `to_height`, which defaults to the latest).

Must never: change state; deploying and calling are transactions (`POST /v1/txs`).
Concurrency: plain `def` routes, run in FastAPI's worker threads (RocksDB reads block), except
the read-only call: an `async def` that awaits the query pool's threads.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from finchain.api.errors import ERR_NOT_FOUND, ApiError, error_response
from finchain.api.params import EventHeightQuery, HeightQuery
from finchain.api.query_pool import QueryPool, QueryRefused
from finchain.api.responses import (
    BAD_REQUEST,
    BODY_TOO_LARGE,
    READ_AT_HEIGHT,
    error_answer,
)
from finchain.api.routes_query import parse_address_param, query_at
from finchain.api.schemas import ContractEventsResponse, ContractQueryRequest, ContractQueryResponse
from finchain.api.services import NodeServices
from finchain.app.queries import ERR_BAD_QUERY
from finchain.crypto import format_address
from finchain.errors import InvalidTransaction
from finchain.modules.contracts.errors import ERR_UNKNOWN_CONTRACT
from finchain.store import Database

MAX_EVENT_BLOCKS = 10_000
CONTRACT_EVENT_PREFIX = "contract."
READ_RESPONSES = {
    **BAD_REQUEST,
    **READ_AT_HEIGHT,
    **error_answer(404, "contracts/unknown_contract, or api/not_found above the latest height"),
}
QUERY_RESPONSES = {
    **READ_RESPONSES,
    **BODY_TOO_LARGE,
    **error_answer(400, "api/invalid_json, query/bad_request, or the call's contracts/* code"),
    **error_answer(429, "api/too_many_queries: this client's queries in flight (Retry-After)"),
    **error_answer(503, "api/busy: the query pool and its queue are full (Retry-After)"),
}


def build_contracts_router(services: NodeServices, pool: QueryPool | None = None) -> APIRouter:
    """`pool` runs the read-only calls (default: a `QueryPool` with its default bounds)."""
    router = APIRouter(prefix="/v1/contracts", tags=["contracts"])
    app = services.app
    query_pool = pool or QueryPool()

    def query(path: str, height: int | None, **params: Any) -> Any:
        """The query's value; an unknown contract is 404 with its module code."""
        try:
            return query_at(app, path, height, **params)
        except InvalidTransaction as exc:
            if exc.code == ERR_UNKNOWN_CONTRACT:
                raise ApiError(404, exc.code, exc.message) from None
            raise

    @router.get(
        "",
        response_model=list[dict[str, Any]],
        responses=READ_AT_HEIGHT,
        summary="Every deployed contract: address, code hash, deployer, org, heights",
    )
    def get_contracts(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("contracts/list", height))

    @router.get(
        "/params",
        response_model=dict[str, Any],
        responses=READ_AT_HEIGHT,
        summary="Who may deploy, the compute cap per call and the compute price",
    )
    def get_params(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("contracts/params", height))

    @router.get(
        "/{address}",
        response_model=dict[str, Any],
        responses=READ_RESPONSES,
        summary="One contract's record and its ABI (functions, parameters, docs)",
    )
    def get_contract(address: str, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("contracts/info", height, address=address))

    @router.get(
        "/{address}/code",
        response_model=dict[str, Any],
        responses=READ_RESPONSES,
        summary="The contract's source and its SHA-256",
    )
    def get_code(address: str, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("contracts/code", height, address=address))

    @router.post(
        "/{address}/query",
        response_model=ContractQueryResponse,
        responses=QUERY_RESPONSES,
        summary="Run an exported function read-only (no transaction, no fee, no writes)",
    )
    async def post_query(
        address: str, body: ContractQueryRequest, request: Request
    ) -> JSONResponse:
        def run() -> Any:
            return query(
                "contracts/call",
                body.height,
                address=address,
                function=body.function,
                args=body.args,
                caller=body.caller,
                compute_limit=body.compute_limit,
            )

        try:
            answer = await query_pool.run(client_key(request), run)
        except QueryRefused as refused:
            return _refusal(refused)
        return JSONResponse(answer)

    @router.get(
        "/{address}/events",
        response_model=ContractEventsResponse,
        responses=READ_RESPONSES,
        summary=f"The contract's own events (`contract.*`), at most {MAX_EVENT_BLOCKS:,} blocks",
    )
    def get_events(
        address: str, from_height: EventHeightQuery = None, to_height: EventHeightQuery = None
    ) -> JSONResponse:
        contract = parse_address_param(address)
        query("contracts/info", None, address=address)  # 404 if there is no such contract
        latest = app.height
        end = latest if to_height is None else to_height
        if end > latest:
            raise ApiError(404, ERR_NOT_FOUND, f"height {end} is not committed yet", latest=latest)
        start = max(1, end - MAX_EVENT_BLOCKS + 1) if from_height is None else from_height
        _validate_range(start, end, explicit=from_height is not None)
        events = find_contract_events(services.db, format_address(contract), start, end)
        return JSONResponse(
            {
                "contract": format_address(contract),
                "from_height": start,
                "to_height": end,
                "events": events,
            }
        )

    return router


def client_key(request: Request) -> str:
    """Whom a query's per-client limit counts against: the remote address."""
    return request.client.host if request.client else "unknown"


def _refusal(refused: QueryRefused) -> JSONResponse:
    answer = error_response(refused.status, refused.code, refused.message, **refused.details)
    answer.headers.update(refused.headers)
    return answer


def find_contract_events(db: Database, contract: str, start: int, end: int) -> list[dict[str, Any]]:
    """The `contract.*` events `contract` emitted in committed blocks `start..end`, in order."""
    found: list[dict[str, Any]] = []
    for height in range(start, end + 1):
        for receipt in db.load_receipts(height):
            if not receipt.ok:  # a failed transaction keeps no contract event; be sure
                continue
            for event in receipt.events:
                attributes = dict(event.attributes)
                if event.type.startswith(CONTRACT_EVENT_PREFIX) and (
                    attributes.get("contract") == contract
                ):
                    found.append(
                        {
                            "height": height,
                            "index": receipt.index,
                            "tx_hash": receipt.tx_hash.hex(),
                            "type": event.type,
                            "attributes": attributes,
                        }
                    )
    return found


def _validate_range(start: int, end: int, *, explicit: bool) -> None:
    if start > end and explicit:
        raise InvalidTransaction(ERR_BAD_QUERY, f"from_height {start} is above to_height {end}")
    if end - start + 1 > MAX_EVENT_BLOCKS:
        raise InvalidTransaction(
            ERR_BAD_QUERY,
            f"at most {MAX_EVENT_BLOCKS} blocks per request; ask for {start}..{end} in parts",
        )
