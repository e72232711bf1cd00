"""Events of the supervision module: names and attributes in one place.

The three directive events carry the directive (`id, kind, target, legal_basis, issuer,
status`).
"""

from __future__ import annotations

from finchain.modules.context import ExecutionContext
from finchain.modules.supervision.keeper import Anchor, Directive, Report

DIRECTIVE_ISSUED = "supervision.directive_issued"
DIRECTIVE_EXECUTED = "supervision.directive_executed"
DIRECTIVE_LIFTED = "supervision.directive_lifted"
REPORT_SUBMITTED = "supervision.report_submitted"
REPORT_REVIEWED = "supervision.report_reviewed"
SCOPE_SET = "supervision.scope_set"
AUDIT_ANCHORED = "supervision.audit_anchored"


def emit_directive_issued(ctx: ExecutionContext, directive: Directive) -> None:
    _emit_directive(ctx, DIRECTIVE_ISSUED, directive)


def emit_directive_executed(ctx: ExecutionContext, directive: Directive) -> None:
    _emit_directive(ctx, DIRECTIVE_EXECUTED, directive)


def emit_directive_lifted(ctx: ExecutionContext, directive: Directive) -> None:
    _emit_directive(ctx, DIRECTIVE_LIFTED, directive)


def emit_report_submitted(ctx: ExecutionContext, report: Report) -> None:
    ctx.emit(
        REPORT_SUBMITTED,
        id=str(report.report_id),
        report_type=report.report_type,
        report_height=str(report.report_height),
        report_hash=report.report_hash.hex(),
        submitter=report.submitter,
    )


def emit_report_reviewed(ctx: ExecutionContext, reviewed: Report) -> None:
    ctx.emit(
        REPORT_REVIEWED,
        id=str(reviewed.report_id),
        decision=reviewed.status,
        reviewer=reviewed.reviewer,
        submitter=reviewed.submitter,
    )


def emit_scope_set(ctx: ExecutionContext, org_id: str, orgs: tuple[str, ...]) -> None:
    """`orgs` empty: every organisation (`*`)."""
    ctx.emit(SCOPE_SET, org=org_id, orgs=",".join(orgs) or "*")


def emit_audit_anchored(ctx: ExecutionContext, anchor: Anchor) -> None:
    ctx.emit(
        AUDIT_ANCHORED,
        org=anchor.org,
        log_id=anchor.log_id,
        entries=str(anchor.entries),
        head=anchor.head.hex(),
    )


def _emit_directive(ctx: ExecutionContext, event: str, directive: Directive) -> None:
    ctx.emit(
        event,
        id=str(directive.directive_id),
        kind=directive.kind,
        target=directive.target,
        legal_basis=directive.legal_basis,
        issuer=directive.issuer,
        status=directive.status,
    )
