"""What the governance module needs from the rest of the chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from finchain.modules.context import ExecutionContext


class Membership(Protocol):
    def find_org_of(self, address: bytes) -> str | None: ...

    def org_exists(self, org_id: str) -> bool: ...

    def list_org_ids(self) -> list[str]: ...


# Runs a passed proposal's action as the router would a message (the app supplies it).
ActionExecutor = Callable[[ExecutionContext, Any], None]
