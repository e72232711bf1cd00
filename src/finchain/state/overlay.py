"""Copy-on-write overlays over a read view: the unit of atomicity for blocks and transactions."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol, TypeVar

_DELETED = None


class StateReader(Protocol):
    """A read view of state: point reads and sorted prefix iteration."""

    def get(self, key: bytes) -> bytes | None: ...

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...


class StateWriter(StateReader, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...


class Overlay:
    """Pending writes over a parent view; `None` marks a deletion. Reads see own writes first.

    `writes` must be changed only through `set`/`delete`/`merge_into_parent`: new keys are also
    appended to `_keys`, which is sorted again (timsort: nearly linear on a sorted run plus a
    short tail) only when an iteration needs it, so prefix iteration is a bisection instead of a
    scan of every write, and blocks that never iterate pay one append per new key."""

    __slots__ = ("_keys", "_keys_sorted", "parent", "writes")

    def __init__(self, parent: StateReader) -> None:
        self.parent = parent
        self.writes: dict[bytes, bytes | None] = {}
        self._keys: list[bytes] = []
        self._keys_sorted = True

    def get(self, key: bytes) -> bytes | None:
        writes = self.writes
        if key in writes:
            return writes[key]
        return self.parent.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        if key not in self.writes:
            self._keys.append(key)
            self._keys_sorted = False
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        if key not in self.writes:
            self._keys.append(key)
            self._keys_sorted = False
        self.writes[key] = _DELETED

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Sorted (key, value) pairs under `prefix`, this overlay's writes shadowing the parent."""
        keys = self._keys
        if not self._keys_sorted:
            keys.sort()
            self._keys_sorted = True
        index = bisect.bisect_left(keys, prefix)
        own_keys = []
        while index < len(keys) and keys[index].startswith(prefix):
            own_keys.append(keys[index])
            index += 1
        own = [(k, self.writes[k]) for k in own_keys]
        shadowed = set(own_keys)
        parent = ((k, v) for k, v in self.parent.iterate(prefix) if k not in shadowed)
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
        apply_writes(parent, self.writes)


T = TypeVar("T")


def run_on_branch(state: StateWriter, work: Callable[[Overlay], T]) -> T:
    """Run `work` on a fresh branch of `state` and keep the branch's writes only if it returns:
    an exception drops them all and propagates (the one "try on a branch" rule of execution)."""
    branch = Overlay(state)
    result = work(branch)
    apply_writes(state, branch.writes)
    return result


def apply_writes(state: StateWriter, writes: Mapping[bytes, bytes | None]) -> None:
    """Apply a write-set (`None`: delete) to `state`, in the write-set's order."""
    for key, value in writes.items():
        if value is None:
            state.delete(key)
        else:
            state.set(key, value)
