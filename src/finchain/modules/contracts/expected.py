"""What the contracts module needs from other modules (the application wires them)."""

from __future__ import annotations

from typing import Protocol


class Membership(Protocol):
    def find_org_of(self, address: bytes) -> str | None: ...

    def is_member_account(self, address: bytes) -> bool: ...

    def org_exists(self, org_id: str) -> bool: ...

    def has_role(self, address: bytes, role: str) -> bool: ...
