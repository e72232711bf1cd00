"""Parsing of query parameters, shared by every module's queries: one error for bad input.

Parameters arrive as text from the ABCI query path and the API, or as values from in-process
callers; each helper refuses a bad value with `query/bad_request` naming the parameter.
"""

from __future__ import annotations

from typing import Any

from finchain.crypto import parse_address
from finchain.errors import InvalidTransaction, register_error
from finchain.modules.scope import ReadScope

ERR_BAD_QUERY = register_error("query", 1, "bad_request", "unknown query path or bad parameter")


def parse_address_param(params: dict[str, Any], name: str = "address") -> bytes:
    try:
        return parse_address(str(params.get(name, "")))
    except ValueError as exc:
        raise InvalidTransaction(ERR_BAD_QUERY, str(exc)) from None


def parse_text_param(params: dict[str, Any], name: str) -> str:
    return str(params.get(name, ""))


def parse_id_param(params: dict[str, Any], name: str) -> int:
    """An id parameter: an integer 0 .. 2**64-1 (ids are u64 in the store's keys)."""
    try:
        value = int(params.get(name, ""))
    except ValueError:
        value = -1
    if not 0 <= value < 2**64:
        raise InvalidTransaction(ERR_BAD_QUERY, f"{name} must be an integer 0 .. 2**64-1")
    return value


def find_scope_param(params: dict[str, Any]) -> ReadScope | None:
    """The reader's scope, which only in-process callers (the API) can pass: the ABCI query
    path carries text parameters, so it reads as the node's operator."""
    scope = params.get("scope")
    return scope if isinstance(scope, ReadScope) else None
