"""Governance routes (`/v1/governance/...`): proposals with their votes and tallies, and the
governance parameters.

Public reads: governance is transparent within the consortium, so every member (and any client
that can reach the node) sees every proposal, vote and parameter; no signed read is needed.
Answers are the JSON of the `governance/*` queries (`modules/governance/queries.py`) at a
committed height (`?height=N`, default latest); a height above the latest committed one and a
missing proposal are 404 `api/not_found`.

Must never: change state; proposals and votes are transactions (`POST /v1/txs`).
Concurrency: plain `def` routes, run in FastAPI's worker threads (RocksDB reads block).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from finchain.api.params import MAX_ID, HeightQuery
from finchain.api.responses import READ_AT_HEIGHT
from finchain.api.routes_query import query_at
from finchain.api.services import NodeServices

ProposalId = Annotated[
    int, Path(ge=0, le=MAX_ID, description="the proposal id (from 0, in submit order)")
]


def build_governance_router(services: NodeServices) -> APIRouter:
    router = APIRouter(prefix="/v1/governance", tags=["governance"], responses=READ_AT_HEIGHT)
    app = services.app

    def query(path: str, height: int | None, **params: Any) -> Any:
        return query_at(app, path, height, **params)

    @router.get(
        "/proposals",
        response_model=list[dict[str, Any]],
        summary="Every proposal, in id order, with its action, status, tally and votes",
    )
    def get_proposals(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("governance/proposals", height))

    @router.get(
        "/proposals/{proposal_id}",
        response_model=dict[str, Any],
        summary="One proposal with its action, status, tally and votes",
    )
    def get_proposal(proposal_id: ProposalId, height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("governance/proposal", height, id=proposal_id))

    @router.get(
        "/params",
        response_model=dict[str, Any],
        summary="Voting period, thresholds (default and per action type), default weight",
    )
    def get_params(height: HeightQuery = None) -> JSONResponse:
        return JSONResponse(query("governance/params", height))

    return router
