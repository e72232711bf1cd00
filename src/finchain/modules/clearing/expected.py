"""What the clearing module needs from other modules."""

from __future__ import annotations

from typing import Protocol


class Membership(Protocol):
    def find_org_of(self, address: bytes) -> str | None: ...

    def org_exists(self, org_id: str) -> bool: ...


class SupervisoryHolds(Protocol):
    """Whether a regulator's directive keeps a participant suspended (module supervision)."""

    def is_suspended_by_directive(self, participant: str) -> bool: ...
