"""Queries of the params module."""

from __future__ import annotations

from typing import Any

from finchain.errors import NotFound
from finchain.modules.module import QueryContext
from finchain.modules.params import keys
from finchain.modules.params.keeper import ChainParamsView


def query_params(q: QueryContext, _: dict[str, Any]) -> Any:
    if q.state.get(keys.CHAIN_PARAMS_KEY) is None:
        raise NotFound("chain parameters (no genesis yet)")
    return ChainParamsView(q.state).get().to_json()
