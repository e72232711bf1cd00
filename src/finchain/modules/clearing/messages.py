"""Message types of the clearing module (amounts in integer minor units)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from finchain.errors import InvalidTransaction
from finchain.model.message import GOVERNANCE_ONLY, message_type
from finchain.modules.clearing.errors import ERR_BAD_FIELD, ERR_INVALID_AMOUNT
from finchain.modules.clearing.netting import MAX_AMOUNT, Priority

PRIORITIES = tuple(priority.value for priority in Priority)  # highest first
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")  # ISO 20022 Max35Text, printable
_UETR = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$")
_ORG_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_BIC = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")  # ISO 9362


def validate_currency(currency: str) -> None:
    if not _CURRENCY.fullmatch(currency):
        raise InvalidTransaction(
            ERR_BAD_FIELD, f"currency must be ISO 4217 (3 letters): {currency!r}"
        )


def validate_amount(amount: int) -> None:
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidTransaction(ERR_INVALID_AMOUNT, f"amount must be 1 .. 2**63-1, got {amount}")


def validate_uetr(uetr: str) -> None:
    if not _UETR.fullmatch(uetr):
        raise InvalidTransaction(ERR_BAD_FIELD, "uetr must be a lowercase UUIDv4")


def validate_participant(org_id: str) -> None:
    if not _ORG_ID.fullmatch(org_id):
        raise InvalidTransaction(ERR_BAD_FIELD, f"bad participant id {org_id!r}")


@message_type("clearing/OpenAccount@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class OpenAccount:
    """Central bank: open `participant`'s settlement account in `currency` (balance 0)."""

    participant: str
    currency: str

    def validate_basic(self) -> None:
        validate_participant(self.participant)
        validate_currency(self.currency)


@message_type("clearing/RegisterBic@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class RegisterBic:
    """Central bank: list `participant` under `bic` in the directory the ISO 20022 edge uses to
    map agents to participants (replaces the participant's previous BIC)."""

    participant: str
    bic: str

    def validate_basic(self) -> None:
        validate_participant(self.participant)
        if not _BIC.fullmatch(self.bic):
            raise InvalidTransaction(ERR_BAD_FIELD, f"bic must be an ISO 9362 BIC: {self.bic!r}")


@message_type("clearing/Pledge@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class Pledge:
    """Central bank: credit on-ledger cash backed 1:1 by the participant's reserve account."""

    participant: str
    currency: str
    amount: int

    def validate_basic(self) -> None:
        validate_participant(self.participant)
        validate_currency(self.currency)
        validate_amount(self.amount)


@message_type("clearing/Redeem@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class Redeem:
    """Central bank: debit on-ledger cash back to the participant's reserve account."""

    participant: str
    currency: str
    amount: int

    def validate_basic(self) -> None:
        validate_participant(self.participant)
        validate_currency(self.currency)
        validate_amount(self.amount)


@message_type("clearing/SetUrgentReserve@1", roles=frozenset({"bank"}))
@dataclass(frozen=True, slots=True)
class SetUrgentReserve:
    """A participant bank: keep `amount` of its `currency` balance for URGENT payments only."""

    currency: str
    amount: int

    def validate_basic(self) -> None:
        validate_currency(self.currency)
        if not 0 <= self.amount <= MAX_AMOUNT:
            raise InvalidTransaction(
                ERR_INVALID_AMOUNT, f"reserve must be 0 .. 2**63-1, got {self.amount}"
            )


@message_type("clearing/SubmitPayment@1", roles=frozenset({"bank"}))
@dataclass(frozen=True, slots=True)
class SubmitPayment:
    """A participant bank pays `receiver` (an org id); settles gross at once or is QUEUED."""

    receiver: str
    currency: str
    amount: int
    priority: str
    msg_id: str
    end_to_end_id: str
    uetr: str

    def validate_basic(self) -> None:
        validate_participant(self.receiver)
        validate_currency(self.currency)
        validate_amount(self.amount)
        if self.priority not in PRIORITIES:
            raise InvalidTransaction(ERR_BAD_FIELD, f"priority must be one of {PRIORITIES}")
        for name in ("msg_id", "end_to_end_id"):
            if not _IDENTIFIER.fullmatch(getattr(self, name)):
                raise InvalidTransaction(ERR_BAD_FIELD, f"{name} must be 1-35 printable chars")
        validate_uetr(self.uetr)


@message_type("clearing/HoldPayment@1", roles=frozenset({"bank"}))
@dataclass(frozen=True, slots=True)
class HoldPayment:
    """Sender: take a QUEUED payment out of settlement (ON_HOLD)."""

    uetr: str

    def validate_basic(self) -> None:
        validate_uetr(self.uetr)


@message_type("clearing/ReleasePayment@1", roles=frozenset({"bank"}))
@dataclass(frozen=True, slots=True)
class ReleasePayment:
    """Sender: put an ON_HOLD payment back in the queue with its original sequence number."""

    uetr: str

    def validate_basic(self) -> None:
        validate_uetr(self.uetr)


@message_type("clearing/CancelPayment@1", roles=frozenset({"bank"}))
@dataclass(frozen=True, slots=True)
class CancelPayment:
    """Sender: cancel a QUEUED or ON_HOLD payment (terminal)."""

    uetr: str

    def validate_basic(self) -> None:
        validate_uetr(self.uetr)


@message_type("clearing/SetSuspended@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class SetSuspended:
    """Central bank: suspend (1) or unsuspend (0) a participant (the regulator suspends by a
    `supervision/IssueDirective`, which this cannot undo)."""

    participant: str
    suspended: int

    def validate_basic(self) -> None:
        validate_participant(self.participant)
        if self.suspended not in (0, 1):
            raise InvalidTransaction(ERR_BAD_FIELD, "suspended must be 0 or 1")


@message_type("clearing/RunLsm@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class RunLsm:
    """Central bank: gross retries, then one netting cycle over `currency`'s queue."""

    currency: str

    def validate_basic(self) -> None:
        validate_currency(self.currency)


@message_type("clearing/CutOff@1", roles=frozenset({"central_bank"}))
@dataclass(frozen=True, slots=True)
class CutOff:
    """Central bank: end of day; every queued or held payment in `currency` is REJECTED."""

    currency: str

    def validate_basic(self) -> None:
        validate_currency(self.currency)


@message_type("clearing/SetAutoProcess@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetAutoProcess:
    """By a governance vote: whether every block ends with gross retries and a netting cycle
    (rule 3; genesis `clearing.auto_process`)."""

    enabled: int

    def validate_basic(self) -> None:
        if self.enabled not in (0, 1):
            raise InvalidTransaction(ERR_BAD_FIELD, "enabled must be 0 or 1")
