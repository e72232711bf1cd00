"""What the validators module needs from other modules."""

from __future__ import annotations

from typing import Protocol


class Roles(Protocol):
    def has_role(self, address: bytes, role: str) -> bool: ...
