"""The ISO 20022 edge of clearing: official XML messages <-> plain frozen dataclasses.

A pure codec (no chain code, no I/O beyond reading the bundled XSDs once): it never touches
state, the clock or the network, and may import only `finchain.errors`.

Supported versions (XSDs bundled unmodified in `xsd/`):
| message         | direction | use                                                   |
|-----------------|-----------|-------------------------------------------------------|
| pacs.008.001.08 | in        | customer credit transfer -> `PaymentInstruction`s     |
| pacs.009.001.08 | in        | bank's own credit transfer -> `PaymentInstruction`s   |
| pacs.002.001.10 | out       | `TransactionStatus`es -> status report (ACSC, RJCT..) |
| camt.053.001.08 | out       | balances + `StatementEntry`s -> end-of-day statement  |

Errors (`InvalidTransaction`, codespace `iso20022`, see `errors.py`): `malformed_xml` (also any
DOCTYPE/entity), `unsupported_message`, `schema_invalid` (details: `path`, `reason`),
`bad_group_header`, `bad_amount`, `unsupported_currency`, `missing_field`. Priority mapping
(URGENT only from `SttlmPrty` URGT) is described in `payments.py`.
"""

from __future__ import annotations

from finchain.iso20022.amounts import CURRENCY_DECIMALS, format_amount, parse_amount
from finchain.iso20022.payments import parse_payment_instructions
from finchain.iso20022.records import (
    PaymentInstruction,
    StatementEntry,
    TransactionStatus,
)
from finchain.iso20022.reports import build_statement, build_status_report
from finchain.iso20022.schemas import MESSAGE_VERSIONS

__all__ = [
    "CURRENCY_DECIMALS",
    "MESSAGE_VERSIONS",
    "PaymentInstruction",
    "StatementEntry",
    "TransactionStatus",
    "build_statement",
    "build_status_report",
    "format_amount",
    "parse_amount",
    "parse_payment_instructions",
]
