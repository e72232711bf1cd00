"""Read view and keeper over the `supervision/` key prefix: directives, frozen accounts,
submitted reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from finchain.codec import decode, decode_uint, encode, encode_uint
from finchain.errors import InvalidTransaction
from finchain.modules.supervision import keys
from finchain.modules.supervision.errors import ERR_UNKNOWN_DIRECTIVE, ERR_UNKNOWN_REPORT
from finchain.state import StateReader, StateWriter

ISSUED, EXECUTED, LIFTED = "ISSUED", "EXECUTED", "LIFTED"
SUSPEND_PARTICIPANT = "suspend_participant"  # the directive kind (messages.py) clearing asks about
SUBMITTED, ACKNOWLEDGED, REJECTED = "SUBMITTED", "ACKNOWLEDGED", "REJECTED"


@dataclass(frozen=True, slots=True)
class Directive:
    directive_id: int
    kind: str
    target: str
    legal_basis: str
    issuer: str  # org id
    status: str
    issued_height: int
    lifted_height: int = 0
    lift_basis: str = ""

    def encode(self) -> bytes:
        return encode(
            [
                self.directive_id,
                self.kind,
                self.target,
                self.legal_basis,
                self.issuer,
                self.status,
                self.issued_height,
                self.lifted_height,
                self.lift_basis,
            ]
        )

    @staticmethod
    def decode(raw: bytes) -> Directive:
        return Directive(*decode(raw))

    def with_status(self, status: str, **changes: object) -> Directive:
        return replace(self, status=status, **changes)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.directive_id,
            "kind": self.kind,
            "target": self.target,
            "legal_basis": self.legal_basis,
            "issuer": self.issuer,
            "status": self.status,
            "issued_height": self.issued_height,
            "lifted_height": self.lifted_height,
            "lift_basis": self.lift_basis,
        }


@dataclass(frozen=True, slots=True)
class Report:
    report_id: int
    report_type: str
    report_height: int  # the committed height the report was computed at
    report_hash: bytes
    submitter: str  # org id
    status: str
    submitted_height: int
    reviewer: str = ""
    reviewed_height: int = 0
    note: str = ""
    params: str = ""  # canonical JSON of the report's parameters ("" = the defaults)

    def encode(self) -> bytes:
        return encode(
            [
                self.report_id,
                self.report_type,
                self.report_height,
                self.report_hash,
                self.submitter,
                self.status,
                self.submitted_height,
                self.reviewer,
                self.reviewed_height,
                self.note,
                self.params,
            ]
        )

    @staticmethod
    def decode(raw: bytes) -> Report:
        return Report(*decode(raw))

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.report_id,
            "report_type": self.report_type,
            "report_height": self.report_height,
            "report_hash": self.report_hash.hex(),
            "submitter": self.submitter,
            "status": self.status,
            "submitted_height": self.submitted_height,
            "reviewer": self.reviewer,
            "reviewed_height": self.reviewed_height,
            "note": self.note,
            "params": json.loads(self.params) if self.params else {},
        }


@dataclass(frozen=True, slots=True)
class Anchor:
    org: str
    log_id: str
    entries: int
    head: bytes
    height: int

    def to_json(self) -> dict[str, object]:
        return {
            "org": self.org,
            "log_id": self.log_id,
            "entries": self.entries,
            "head": self.head.hex(),
            "height": self.height,
        }


class SupervisionView:
    def __init__(self, state: StateReader) -> None:
        self.state = state

    def is_frozen(self, address: bytes) -> bool:
        return self.state.get(keys.frozen_key(address)) is not None

    def find_directive(self, directive_id: int) -> Directive | None:
        raw = self.state.get(keys.directive_key(directive_id))
        return None if raw is None else Directive.decode(raw)

    def get_directive(self, directive_id: int) -> Directive:
        directive = self.find_directive(directive_id)
        if directive is None:
            raise InvalidTransaction(ERR_UNKNOWN_DIRECTIVE, f"no directive {directive_id}")
        return directive

    def list_directives(self) -> list[Directive]:
        return [Directive.decode(raw) for _, raw in self.state.iterate(keys.DIRECTIVE_PREFIX)]

    def find_in_force(self, kind: str, target: str) -> int | None:
        raw = self.state.get(keys.in_force_key(kind, target))
        return None if raw is None else decode_uint(raw)

    def find_scope(self, org_id: str) -> frozenset[str] | None:
        """The organisations regulator `org_id` supervises; None: every one."""
        raw = self.state.get(keys.scope_key(org_id))
        return None if raw is None else frozenset(decode(raw))

    def is_suspended_by_directive(self, participant: str) -> bool:
        return self.find_in_force(SUSPEND_PARTICIPANT, participant) is not None

    def find_report(self, report_id: int) -> Report | None:
        raw = self.state.get(keys.report_key(report_id))
        return None if raw is None else Report.decode(raw)

    def get_report(self, report_id: int) -> Report:
        report = self.find_report(report_id)
        if report is None:
            raise InvalidTransaction(ERR_UNKNOWN_REPORT, f"no report {report_id}")
        return report

    def list_reports(self) -> list[Report]:
        return [Report.decode(raw) for _, raw in self.state.iterate(keys.REPORT_PREFIX)]

    def find_anchor(self, org: str, log_id: str) -> Anchor | None:
        raw = self.state.get(keys.anchor_key(org, log_id))
        return None if raw is None else Anchor(org, log_id, *decode(raw))

    def list_anchors(self) -> list[Anchor]:
        anchors = []
        for key, raw in self.state.iterate(keys.ANCHOR_PREFIX):
            org, log_id = key[len(keys.ANCHOR_PREFIX) :].decode().split("/", 1)
            anchors.append(Anchor(org, log_id, *decode(raw)))
        return anchors


class SupervisionKeeper(SupervisionView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.writer = state

    def next_id(self, counter: bytes) -> int:
        raw = self.state.get(counter)
        number = 0 if raw is None else decode_uint(raw)
        self.writer.set(counter, encode_uint(number + 1))
        return number

    def save_directive(self, directive: Directive) -> None:
        self.writer.set(keys.directive_key(directive.directive_id), directive.encode())
        in_force = keys.in_force_key(directive.kind, directive.target)
        if directive.status == EXECUTED:
            self.writer.set(in_force, encode_uint(directive.directive_id))
        else:
            self.writer.delete(in_force)

    def set_frozen(self, address: bytes, frozen: bool) -> None:
        if frozen:
            self.writer.set(keys.frozen_key(address), b"\x01")
        else:
            self.writer.delete(keys.frozen_key(address))

    def set_scope(self, org_id: str, orgs: tuple[str, ...]) -> None:
        if orgs:
            self.writer.set(keys.scope_key(org_id), encode(list(orgs)))
        else:
            self.writer.delete(keys.scope_key(org_id))

    def save_anchor(self, anchor: Anchor) -> None:
        value = encode([anchor.entries, anchor.head, anchor.height])
        self.writer.set(keys.anchor_key(anchor.org, anchor.log_id), value)

    def save_report(self, report: Report) -> None:
        self.writer.set(keys.report_key(report.report_id), report.encode())
