"""Message types of the supervision module: directives and the review of submitted reports."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from finchain.crypto import parse_address
from finchain.errors import InvalidTransaction
from finchain.model.message import ANY_MEMBER, GOVERNANCE_ONLY, message_type
from finchain.modules.scope import REGULATOR_ROLE
from finchain.modules.supervision.errors import ERR_BAD_FIELD
from finchain.modules.supervision.keeper import SUSPEND_PARTICIPANT

FREEZE_ACCOUNT = "freeze_account"
DIRECTIVE_KINDS = (FREEZE_ACCOUNT, SUSPEND_PARTICIPANT)
REPORT_DECISIONS = ("ACKNOWLEDGED", "REJECTED")
MAX_TEXT = 256
MAX_PARAMS = 512
REGULATOR = frozenset({REGULATOR_ROLE})
_ORG_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_REPORT_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LOG_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def canonical_json(value: object) -> str:
    """Sorted keys, no spaces: the form report parameters are stored in."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def validate_report_params(params: str) -> None:
    if not params:
        return
    try:
        value = json.loads(params)
    except ValueError:
        raise InvalidTransaction(ERR_BAD_FIELD, "report params must be JSON") from None
    if not isinstance(value, dict) or canonical_json(value) != params:
        raise InvalidTransaction(ERR_BAD_FIELD, "report params are a canonical JSON object")
    if len(params) > MAX_PARAMS:
        raise InvalidTransaction(ERR_BAD_FIELD, f"report params are at most {MAX_PARAMS} chars")


def validate_text(name: str, text: str) -> None:
    if not 0 < len(text) <= MAX_TEXT:
        raise InvalidTransaction(ERR_BAD_FIELD, f"{name} must be 1-{MAX_TEXT} characters")


@message_type("supervision/IssueDirective@1", roles=REGULATOR)
@dataclass(frozen=True, slots=True)
class IssueDirective:
    """A regulator orders `kind` against `target` (an account `0x…` for freeze_account, a
    member organisation for suspend_participant), citing its legal basis; it takes effect at
    once (ISSUED -> EXECUTED)."""

    kind: str
    target: str
    legal_basis: str

    def validate_basic(self) -> None:
        if self.kind == FREEZE_ACCOUNT:
            try:
                parse_address(self.target)
            except ValueError as exc:
                raise InvalidTransaction(ERR_BAD_FIELD, str(exc)) from None
            if self.target != self.target.lower():
                raise InvalidTransaction(ERR_BAD_FIELD, "write the address in lowercase hex")
        elif self.kind == SUSPEND_PARTICIPANT:
            if not _ORG_ID.fullmatch(self.target):
                raise InvalidTransaction(ERR_BAD_FIELD, f"bad participant {self.target!r}")
        else:
            raise InvalidTransaction(ERR_BAD_FIELD, f"kind must be one of {DIRECTIVE_KINDS}")
        validate_text("legal_basis", self.legal_basis)


@message_type("supervision/LiftDirective@1", roles=REGULATOR)
@dataclass(frozen=True, slots=True)
class LiftDirective:
    """A regulator lifts an EXECUTED directive (EXECUTED -> LIFTED), citing its legal basis."""

    directive_id: int
    legal_basis: str

    def validate_basic(self) -> None:
        if self.directive_id < 0:
            raise InvalidTransaction(ERR_BAD_FIELD, "directive ids are >= 0")
        validate_text("legal_basis", self.legal_basis)


@message_type("supervision/SubmitReport@1", roles=ANY_MEMBER)
@dataclass(frozen=True, slots=True)
class SubmitReport:
    """A member submits the hash of a report it generated at committed height
    `report_height` (GENERATED off chain -> SUBMITTED) with the report's parameters (the
    `params` of its JSON, as canonical JSON; empty: the defaults), so the regulator recomputes
    exactly that report."""

    report_type: str
    report_height: int
    report_hash: bytes
    params: str = ""

    def validate_basic(self) -> None:
        validate_report_params(self.params)
        if not _REPORT_TYPE.fullmatch(self.report_type):
            raise InvalidTransaction(ERR_BAD_FIELD, f"bad report type {self.report_type!r}")
        if self.report_height < 1:
            raise InvalidTransaction(ERR_BAD_FIELD, "report_height must be >= 1")
        if len(self.report_hash) != 32:
            raise InvalidTransaction(ERR_BAD_FIELD, "report_hash is a 32-byte SHA-256")


@message_type("supervision/ReviewReport@1", roles=REGULATOR)
@dataclass(frozen=True, slots=True)
class ReviewReport:
    """The regulator acknowledges or rejects a submitted report, with a note."""

    report_id: int
    decision: str
    note: str

    def validate_basic(self) -> None:
        if self.report_id < 0:
            raise InvalidTransaction(ERR_BAD_FIELD, "report ids are >= 0")
        if self.decision not in REPORT_DECISIONS:
            raise InvalidTransaction(ERR_BAD_FIELD, f"decision must be one of {REPORT_DECISIONS}")
        if len(self.note) > MAX_TEXT:
            raise InvalidTransaction(ERR_BAD_FIELD, f"note is at most {MAX_TEXT} characters")


@message_type("supervision/AnchorAuditLog@1", roles=ANY_MEMBER)
@dataclass(frozen=True, slots=True)
class AnchorAuditLog:
    """A member's node anchors its read audit log: `entries` lines so far, `head` = SHA-256 of
    the last line (the log is hash-chained, so this commits to every line before it)."""

    log_id: str
    entries: int
    head: bytes

    def validate_basic(self) -> None:
        if not _LOG_ID.fullmatch(self.log_id):
            raise InvalidTransaction(ERR_BAD_FIELD, f"bad log id {self.log_id!r}")
        if self.entries < 1:
            raise InvalidTransaction(ERR_BAD_FIELD, "an anchor covers at least one entry")
        if len(self.head) != 32:
            raise InvalidTransaction(ERR_BAD_FIELD, "head is a 32-byte SHA-256")


@message_type("supervision/SetScope@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetScope:
    """By a governance vote: the member organisations regulator `org_id` supervises
    (comma-separated), or `*` for every one (DOMAIN.md REG-5: a regulator reads within its
    jurisdiction only)."""

    org_id: str
    orgs: str

    def validate_basic(self) -> None:
        for org in (self.org_id, *self.org_list):
            if not _ORG_ID.fullmatch(org):
                raise InvalidTransaction(ERR_BAD_FIELD, f"bad organisation id {org!r}")

    @property
    def org_list(self) -> tuple[str, ...]:
        """The listed organisations, sorted; empty for `*` (every organisation)."""
        if self.orgs.strip() == "*":
            return ()
        return tuple(sorted({o.strip() for o in self.orgs.split(",") if o.strip()}))
