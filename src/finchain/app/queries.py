"""Read-only query routes over a committed state view: each module's `queries`, by path.

Paths (from the wired modules): `params`, `account {address}`, `members`, `member {id}`,
`org_of {address}`, `assets`, `asset {symbol}`, `balances {address}`, `validators`,
`clearing/...`, `governance/...`, `supervision/...`, `contracts/...` (docs/api.md). Results are
JSON-ready. Clearing reads take an optional `scope` (`ReadScope`) from in-process callers and
filter by it (`modules/clearing/privacy.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.module import Query, QueryContext
from finchain.modules.query_params import ERR_BAD_QUERY

__all__ = ["ERR_BAD_QUERY", "run_query"]


def run_query(
    routes: Mapping[str, Query], q: QueryContext, path: str, params: dict[str, Any]
) -> Any:
    route = routes.get(path)
    if route is None:
        raise InvalidTransaction(
            ERR_BAD_QUERY, f"unknown query path {path!r}", paths=sorted(routes)
        )
    return route(q, params)
