"""A report's envelope: canonical JSON, its SHA-256, and CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Report:
    report_type: str
    chain_id: str
    height: int
    params: dict[str, Any]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # every cell text (amounts as decimal minor units)

    def body(self) -> dict[str, Any]:
        return {
            "report_type": self.report_type,
            "chain_id": self.chain_id,
            "height": self.height,
            "params": self.params,
            "columns": list(self.columns),
            "rows": [list(row) for row in self.rows],
        }

    @property
    def hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of `body()` (sorted keys, no spaces, UTF-8)."""
        canonical = json.dumps(self.body(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    def to_csv(self) -> str:
        out = io.StringIO()
        out.write(
            f"# finchain report {self.report_type} chain={self.chain_id} "
            f"height={self.height} sha256={self.hash}\n"
        )
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()
