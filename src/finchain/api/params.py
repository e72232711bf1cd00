"""The bounded integer parameters of the REST routes, shared so every route states the same
bounds in the OpenAPI document.

Heights, ids and day numbers are unsigned 64-bit integers in the store's keys
(`store/database.py` packs heights as `>Q`; governance and supervision ids are u64 too), so
every integer path and query parameter is `0 <= n <= 2^64 - 1` (or a tighter range where the
route needs one): FastAPI then answers anything outside, or anything that is not an integer,
with 422 `api/invalid_request` before a route runs, and no out-of-range value reaches the
store's key encoding (which raised `struct.error`, a 500, before issue 15).

Must never: widen a bound past what the store encodes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_U64 = 2**64 - 1
MAX_HEIGHT = MAX_U64  # block heights are u64 in the store keys
MAX_ID = MAX_U64  # proposal and directive ids are u64 in the store keys

HeightQuery = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_HEIGHT,
        description="read state as committed at this height (default latest)",
    ),
]
BlockHeightPath = Annotated[
    int, Path(ge=0, le=MAX_HEIGHT, description="a block height (the first block is 1)")
]
EventHeightQuery = Annotated[
    int | None, Query(ge=1, le=MAX_HEIGHT, description="a committed block height")
]
ReportHeightQuery = Annotated[
    int | None,
    Query(ge=1, le=MAX_HEIGHT, description="report the state at this height (default latest)"),
]
DayQuery = Annotated[
    int, Query(ge=0, le=MAX_U64, description="the business day's number (from 0, oldest first)")
]
