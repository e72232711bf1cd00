"""Copy-on-write overlays over a read view: the unit of atomicity for blocks and transactions."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Protocol

_DELETED = None


class StateReader(Protocol):
    """A read view of state: point reads and sorted prefix iteration."""

    def get(self, key: bytes) -> bytes | None: ...

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...


class StateWriter(StateReader, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...


class Overlay:
    """Pending writes over a parent view; `None` marks a deletion. Reads see own writes first."""

    __slots__ = ("parent", "writes")

    def __init__(self, parent: StateReader) -> None:
        self.parent = parent
        self.writes: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        writes = self.writes
        if key in writes:
            return writes[key]
        return self.parent.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self.writes[key] = _DELETED

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Sorted (key, value) pairs under `prefix`, this overlay's writes shadowing the parent."""
        own = sorted((k, v) for k, v in self.writes.items() if k.startswith(prefix))
        own_keys = {k for k, _ in own}
        parent = ((k, v) for k, v in self.parent.iterate(prefix) if k not in own_keys)
        for key, value in heapq.merge(own, parent, key=lambda kv: kv[0]):
            if value is not None:
                yield key, value

    def branch(self) -> Overlay:
        return Overlay(self)

    def merge_into_parent(self) -> None:
        """Apply this overlay's writes to its parent, which must itself be an Overlay."""
        parent = self.parent
        if not isinstance(parent, Overlay):
            raise TypeError("only an overlay over another overlay can be merged")
        parent.writes.update(self.writes)
