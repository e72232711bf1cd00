"""Supervisory reports (DOMAIN.md §11, REG-3): deterministic functions of the ledger at a stated
height, each carrying that height and a SHA-256 so a regulator can recompute it on its own node.

| report type              | rows                                                          |
|--------------------------|---------------------------------------------------------------|
| `balances`               | per member organisation and asset: money held in the bank     |
|                          | module, and settlement balances in clearing                   |
| `flows`                  | per member organisation and asset, blocks 1..height: inflow,   |
|                          | outflow and count of transfers and settled clearing payments  |
| `large_value_transfers`  | every transfer or settled payment at or above the threshold   |
|                          | of its asset (default CNY 2,000,000.00: PBOC Order 2016 No. 3, |
|                          | transfers by non-individuals)                                 |

`generate_report` returns a `Report`: its JSON (`to_json`, with the hash), CSV (`to_csv`, the
height and hash in a comment line) and the hash over the canonical JSON of everything else.
A report may be scoped to one organisation (`org`): a member reports its own data, and the
regulator recomputes that same report to review a submission (`supervision/SubmitReport`).
Pure over a committed read view and the block store: no clock, no randomness, sorted rows.
"""

from finchain.reports.envelope import Report
from finchain.reports.supervisory import REPORT_TYPES, ReportError, generate_report

__all__ = ["REPORT_TYPES", "Report", "ReportError", "generate_report"]
