"""Read-only queries of the validators module (JSON-ready results)."""

from __future__ import annotations

from finchain.modules.validators.keeper import ValidatorsView
from finchain.state import StateReader


def query_validators(state: StateReader) -> list[dict[str, object]]:
    return [v.to_json() for v in ValidatorsView(state).list_validators()]
