"""Receipts and events: the outcome of every transaction in a block, success or failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from finchain.codec import Value, decode, encode

CODE_OK = "ok"
CONTRACT_EVENT_PREFIX = "contract."  # events a contract emits itself: `contract.<name>`


@dataclass(frozen=True, slots=True)
class Event:
    """A typed event (`bank.transfer`) with ordered string attributes."""

    type: str
    attributes: tuple[tuple[str, str], ...] = ()

    def to_value(self) -> list[Value]:
        return [self.type, [[k, v] for k, v in self.attributes]]

    @staticmethod
    def from_value(value: Any) -> Event:
        kind, attrs = value
        return Event(kind, tuple((k, v) for k, v in attrs))

    def to_json(self) -> dict[str, object]:
        return {"type": self.type, "attributes": dict(self.attributes)}


@dataclass(frozen=True, slots=True)
class Receipt:
    """`code` is `ok` or a stable error code such as `bank/insufficient_funds`."""

    tx_hash: bytes
    height: int
    index: int
    code: str
    log: str
    gas_used: int
    events: tuple[Event, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.code == CODE_OK

    def encode(self) -> bytes:
        return encode(
            [
                self.tx_hash,
                self.height,
                self.index,
                self.code,
                self.log,
                self.gas_used,
                [e.to_value() for e in self.events],
            ]
        )

    @staticmethod
    def decode(data: bytes) -> Receipt:
        tx_hash, height, index, code, log, gas_used, events = decode(data)
        return Receipt(
            tx_hash,
            height,
            index,
            code,
            log,
            gas_used,
            tuple(Event.from_value(e) for e in events),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "tx_hash": self.tx_hash.hex(),
            "height": self.height,
            "index": self.index,
            "code": self.code,
            "log": self.log,
            "gas_used": self.gas_used,
            "events": [e.to_json() for e in self.events],
        }
