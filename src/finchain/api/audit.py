"""The read audit log (G-5, REG-2): every read of private data by a reader who is not a party.

When the central bank or the regulator reads a payment, balance or statement it is not a party
to, the API appends one JSON line to the node's audit log before answering:

    {"seq", "time_ms", "reader", "org", "roles", "legal_basis", "method", "target",
     "items", "owners", "prev"}

`owners` are the organisations whose data was read; `prev` is the SHA-256 (hex) of the
previous line, so removing or editing a line breaks the chain (`verify_audit_log`). The log is
append-only and fsynced per line; it lives with the node (`HOME/audit/reads.jsonl`), off chain:
a read must not need consensus. The node anchors its head on chain (`node/audit_anchor.py`:
`supervision/AnchorAuditLog` after blocks in which the log grew), so even a log rewritten with
a valid chain is caught (`verify_audit_log(path, anchor)`). `entries()` serves the audit API
(a reader's own reads, or the reads of a member's data).

Concurrency: `record` and `entries` are thread-safe (routes run in worker threads).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from finchain.api.auth import Viewer

GENESIS_PREV = "0" * 64
log = logging.getLogger("finchain.audit")


class AuditLog:
    """Hash-chained JSON lines in `path` (kept in memory too; only in memory when None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._prev = GENESIS_PREV
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                lines = path.read_bytes().splitlines()
                self._entries = [json.loads(line) for line in lines]
                if lines:
                    self._prev = hashlib.sha256(lines[-1]).hexdigest()

    def record(
        self, viewer: Viewer, method: str, target: str, owners: Iterable[frozenset[str]]
    ) -> None:
        """Append one supervisory read of the items whose owners are `owners` (one set per
        item; an empty list records a stream subscription)."""
        owner_sets = list(owners)
        with self._lock:
            entry = {
                "seq": len(self._entries),
                "time_ms": int(time.time() * 1000),
                "reader": viewer.address,
                "org": viewer.scope.org,
                "roles": sorted(viewer.scope.roles),
                "legal_basis": viewer.legal_basis,
                "method": method,
                "target": target,
                "items": len(owner_sets),
                "owners": sorted(set().union(*owner_sets)),
                "prev": self._prev,
            }
            line = json.dumps(entry, separators=(",", ":"), sort_keys=True).encode()
            if self.path is not None:
                with self.path.open("ab") as file:
                    file.write(line + b"\n")
                    file.flush()
                    os.fsync(file.fileno())
            log.info("supervisory read %s", line.decode())
            self._entries.append(entry)
            self._prev = hashlib.sha256(line).hexdigest()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def head(self) -> tuple[int, str]:
        """(number of entries, SHA-256 hex of the last line): what an on-chain anchor fixes."""
        with self._lock:
            return len(self._entries), self._prev


def verify_audit_log(path: Path, anchor: tuple[int, str] | None = None) -> int:
    """The number of entries, or ValueError naming the first line that breaks the chain. With
    an on-chain `anchor` (entries, head hex), the first `entries` lines must end in `head`:
    a log rewritten from the start, with a valid chain, still fails against its anchor."""
    prev = GENESIS_PREV
    lines = path.read_bytes().splitlines()
    for number, line in enumerate(lines):
        entry = json.loads(line)
        if entry["prev"] != prev or entry["seq"] != number:
            raise ValueError(f"audit log broken at line {number + 1}")
        prev = hashlib.sha256(line).hexdigest()
        if anchor is not None and number + 1 == anchor[0] and prev != anchor[1]:
            raise ValueError(f"audit log differs from its on-chain anchor at line {number + 1}")
    if anchor is not None and len(lines) < anchor[0]:
        raise ValueError(f"audit log has {len(lines)} lines; the chain anchored {anchor[0]}")
    return len(lines)
