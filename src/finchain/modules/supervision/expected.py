"""What the supervision module needs from other modules (the application wires them)."""

from __future__ import annotations

from typing import Protocol


class Membership(Protocol):
    def find_org_of(self, address: bytes) -> str | None: ...

    def org_exists(self, org_id: str) -> bool: ...

    def is_member_account(self, address: bytes) -> bool: ...


class ParticipantSuspension(Protocol):
    """Clearing's switch: a suspended participant can neither send nor receive (CLR-8)."""

    def set_suspended(self, participant: str, suspended: bool) -> None: ...
