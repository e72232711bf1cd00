"""What a message handler sees: state branch, block header fields, signer and an event sink.

Handlers are plain functions `handle_x(ctx, msg) -> None` that raise InvalidTransaction to reject;
they read and write only through `ctx.state` and never see the clock (time is `ctx.block_time_ms`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from finchain.crypto import Address
from finchain.model.receipt import Event
from finchain.state import StateWriter


@dataclass(slots=True)
class ExecutionContext:
    state: StateWriter
    chain_id: str
    height: int
    block_time_ms: int
    sender: Address
    tx_hash: bytes
    fee: int = 0
    compute_used: int = 0  # contract compute units spent by this transaction (its receipt's gas)
    compute_limits: int = 0  # the compute limits of its contract messages so far (paid by `fee`)
    events: list[Event] = field(default_factory=list)
    touched_accounts: set[bytes] = field(default_factory=set)

    def emit(self, event_type: str, **attributes: str) -> None:
        self.events.append(Event(event_type, tuple(attributes.items())))

    def touch(self, address: bytes) -> None:
        """Index this transaction under `address` (the sender is always indexed)."""
        self.touched_accounts.add(address)
