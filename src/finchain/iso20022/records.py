"""Plain values the ISO 20022 edge reads and writes: frozen dataclasses, no XML in sight.

Owns the shape of what the clearing module gets from a pacs.008/pacs.009 and gives back for a
pacs.002 or camt.053. Amounts are integer minor units, never floats. Text fields copied from a
message (ids, timestamps, dates) keep the exact text the sender used.

Constructors check what the XSD cannot (allowed status codes, one reason for RJCT) and raise
`ValueError`: a bad value here is a programming error of the caller, not user input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

PaymentKind = Literal["pacs.008", "pacs.009"]
Priority = Literal["URGENT", "HIGH", "NORMAL"]
TransactionStatusCode = Literal["ACTC", "ACCP", "ACSP", "ACSC", "PDNG", "RJCT"]
CreditDebit = Literal["CRDT", "DBIT"]


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """One `CdtTrfTxInf` of a pacs.008 (customer) or pacs.009 (bank's own) credit transfer.

    `priority`: `SttlmPrty` URGT/HIGH/NORM -> URGENT/HIGH/NORMAL if present, else
    `PmtTpInf/InstrPrty` HIGH/NORM -> HIGH/NORMAL (transaction level, then group level), else
    NORMAL. `settlement_date` is the transaction's `IntrBkSttlmDt`, else the group's.
    For a pacs.009 the debtor/creditor are banks: the agent BICs are `DbtrAgt`/`CdtrAgt` if
    given, else the BICs of `Dbtr`/`Cdtr` themselves, and the names are the banks' `Nm`.
    """

    kind: PaymentKind
    msg_id: str
    creation_time: str
    settlement_method: str
    instr_id: str | None
    end_to_end_id: str
    uetr: str
    amount: int
    currency: str
    settlement_date: str
    priority: Priority
    debtor_agent_bic: str
    creditor_agent_bic: str
    debtor_name: str | None = None
    debtor_account: str | None = None
    creditor_name: str | None = None
    creditor_account: str | None = None
    charge_bearer: str | None = None


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    """The status of one original transaction, as reported in a pacs.002 `TxInfAndSts`.

    A RJCT carries exactly one reason: `reason_code`, an ISO external status reason code of
    1-4 characters (e.g. `AM04` insufficient funds) written to `StsRsnInf/Rsn/Cd`, or
    `reason_proprietary`, up to 35 characters (e.g. a finchain error code) written to `Prtry`.
    """

    end_to_end_id: str
    status: TransactionStatusCode
    uetr: str | None = None
    instr_id: str | None = None
    reason_code: str | None = None
    reason_proprietary: str | None = None
    additional_info: str | None = None

    def __post_init__(self) -> None:
        if self.status not in get_args(TransactionStatusCode):
            raise ValueError(f"unknown TxSts {self.status!r}")
        if self.reason_code is not None and self.reason_proprietary is not None:
            raise ValueError("give reason_code or reason_proprietary, not both")
        has_reason = self.reason_code is not None or self.reason_proprietary is not None
        if self.status == "RJCT" and not has_reason:
            raise ValueError(f"RJCT of {self.end_to_end_id!r} needs a reason")
        if self.reason_code is not None and not 1 <= len(self.reason_code) <= 4:
            raise ValueError(f"ISO status reason codes have 1-4 characters: {self.reason_code!r}")
        if self.reason_proprietary is not None and not 1 <= len(self.reason_proprietary) <= 35:
            raise ValueError(
                f"proprietary reasons have 1-35 characters: {self.reason_proprietary!r}"
            )


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One booked movement of a camt.053 statement (`Ntry`); `amount` > 0 in minor units."""

    entry_reference: str
    amount: int
    credit_debit: CreditDebit
    booking_date: dt.date
    end_to_end_id: str | None = None
    uetr: str | None = None

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError(f"entry amounts are positive minor units, got {self.amount}")
        if self.credit_debit not in get_args(CreditDebit):
            raise ValueError(f"credit_debit is CRDT or DBIT, got {self.credit_debit!r}")

    @property
    def signed_amount(self) -> int:
        """The amount with its direction: credits positive, debits negative."""
        return self.amount if self.credit_debit == "CRDT" else -self.amount
