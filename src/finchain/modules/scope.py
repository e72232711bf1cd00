"""Who is reading: the organisation and roles a privacy-aware query answers for.

`None` in place of a `ReadScope` means the node's operator reading its own replica (the ABCI
query path and in-process tools): everything. The API builds a `ReadScope` from an
authenticated client; modules decide what that scope may see (e.g. `clearing/privacy.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReadScope:
    org: str | None  # None: an authenticated key that belongs to no member organisation
    roles: frozenset[str] = frozenset()
