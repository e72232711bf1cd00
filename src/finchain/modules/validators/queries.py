"""Read-only queries of the validators module (JSON-ready results)."""

from __future__ import annotations

from typing import Any

from finchain.modules.module import QueryContext
from finchain.modules.validators.keeper import ValidatorsView


def query_validators(q: QueryContext, _: dict[str, Any]) -> list[dict[str, object]]:
    return [v.to_json() for v in ValidatorsView(q.state).list_validators()]
