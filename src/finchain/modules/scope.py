"""Who is reading: the organisation, roles and supervisory reach a privacy-aware read answers for.

`None` in place of a `ReadScope` means the node's operator reading its own replica (the ABCI
query path and in-process tools): everything. The API builds a `ReadScope` from an
authenticated client; `may_read` is the one rule every module's privacy applies to an item
whose parties (member organisations) it names:
- a party reads its own items;
- a supervisor (central bank, regulator) reads every item of the organisations it supervises:
  all of them, or for a regulator with a scope (DOMAIN.md REG-5, `supervision/SetScope`), the
  listed ones only;
- nobody else reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

REGULATOR_ROLE = "regulator"
SUPERVISORY_ROLES = frozenset({"central_bank", REGULATOR_ROLE})


@dataclass(frozen=True, slots=True)
class ReadScope:
    org: str | None  # None: an authenticated key that belongs to no member organisation
    roles: frozenset[str] = frozenset()
    supervised: frozenset[str] | None = None  # a supervisor's reach; None: every organisation

    @property
    def is_supervisor(self) -> bool:
        return not SUPERVISORY_ROLES.isdisjoint(self.roles)

    @property
    def sees_everything(self) -> bool:
        return self.is_supervisor and self.supervised is None

    def covers(self, org: str) -> bool:
        """Whether the reader may read `org`'s own data."""
        if org == self.org:
            return True
        return self.is_supervisor and (self.supervised is None or org in self.supervised)

    def may_read(self, parties: Iterable[str] | None) -> bool:
        """Whether the reader may read an item of `parties` (None: a public item)."""
        return parties is None or any(self.covers(org) for org in parties)
