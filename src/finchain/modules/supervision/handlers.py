"""Handlers of the supervision module, one function per message, in labelled steps.

Directives take effect in the transaction that issues them: ISSUED, then the effect, then
EXECUTED (both events emitted); lifting undoes the effect (LIFTED). One directive of a kind
holds a target at a time. Effects: `freeze_account` marks the account frozen (the ante refuses
every transaction it sends: it can make no debit); `suspend_participant` suspends the member in
clearing (CLR-8).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace

from finchain.crypto import parse_address
from finchain.errors import InvalidTransaction
from finchain.modules.context import ExecutionContext
from finchain.modules.module import Handler, Interfaces
from finchain.modules.supervision import keys
from finchain.modules.supervision.errors import (
    ERR_ALREADY_IN_FORCE,
    ERR_BAD_FIELD,
    ERR_ILLEGAL_TRANSITION,
    ERR_UNAUTHORIZED,
    ERR_UNKNOWN_TARGET,
)
from finchain.modules.supervision.events import (
    emit_audit_anchored,
    emit_directive_executed,
    emit_directive_issued,
    emit_directive_lifted,
    emit_report_reviewed,
    emit_report_submitted,
    emit_scope_set,
)
from finchain.modules.supervision.expected import Membership, ParticipantSuspension
from finchain.modules.supervision.keeper import (
    EXECUTED,
    ISSUED,
    LIFTED,
    SUBMITTED,
    Anchor,
    Directive,
    Report,
    SupervisionKeeper,
)
from finchain.modules.supervision.messages import (
    FREEZE_ACCOUNT,
    AnchorAuditLog,
    IssueDirective,
    LiftDirective,
    ReviewReport,
    SetScope,
    SubmitReport,
)
from finchain.state import StateReader, StateWriter

MembershipFactory = Callable[[StateReader], Membership]
SuspensionFactory = Callable[[StateWriter], ParticipantSuspension]


def make_handlers(interfaces: Interfaces) -> Mapping[type, Handler]:
    """The supervision handlers, wired to membership and clearing's participant suspension."""
    membership: MembershipFactory = interfaces.get("members.membership")
    suspension: SuspensionFactory = interfaces.get("clearing.suspension")

    def bind(handler: Callable[..., None]) -> Handler:
        return lambda ctx, msg: handler(ctx, msg, membership(ctx.state), suspension(ctx.state))

    return {
        SetScope: bind(handle_set_scope),
        AnchorAuditLog: bind(handle_anchor_audit_log),
        IssueDirective: bind(handle_issue_directive),
        LiftDirective: bind(handle_lift_directive),
        SubmitReport: bind(handle_submit_report),
        ReviewReport: bind(handle_review_report),
    }


def handle_issue_directive(
    ctx: ExecutionContext,
    msg: IssueDirective,
    members: Membership,
    clearing: ParticipantSuspension,
) -> None:
    keeper = SupervisionKeeper(ctx.state)
    # VALIDATE
    if msg.kind == FREEZE_ACCOUNT:
        if not members.is_member_account(parse_address(msg.target)):
            raise InvalidTransaction(ERR_UNKNOWN_TARGET, f"{msg.target} is no member's account")
    elif not members.org_exists(msg.target):
        raise InvalidTransaction(ERR_UNKNOWN_TARGET, f"no member organisation {msg.target!r}")
    in_force = keeper.find_in_force(msg.kind, msg.target)
    if in_force is not None:
        raise InvalidTransaction(
            ERR_ALREADY_IN_FORCE, f"directive {in_force} already holds {msg.target}"
        )
    # AUTHORIZE: a regulator (declared on the message, checked by the ante); its organisation
    # is the issuer
    issuer = _sender_org(ctx, members)
    # APPLY
    directive = Directive(
        directive_id=keeper.next_id(keys.DIRECTIVE_COUNTER),
        kind=msg.kind,
        target=msg.target,
        legal_basis=msg.legal_basis,
        issuer=issuer,
        status=ISSUED,
        issued_height=ctx.height,
    )
    emit_directive_issued(ctx, directive)
    _apply_effect(keeper, clearing, directive, in_force=True)
    executed = directive.with_status(EXECUTED)
    keeper.save_directive(executed)
    # EMIT
    emit_directive_executed(ctx, executed)


def handle_lift_directive(
    ctx: ExecutionContext,
    msg: LiftDirective,
    members: Membership,
    clearing: ParticipantSuspension,
) -> None:
    keeper = SupervisionKeeper(ctx.state)
    # VALIDATE
    directive = keeper.get_directive(msg.directive_id)
    if directive.status != EXECUTED:
        raise InvalidTransaction(
            ERR_ILLEGAL_TRANSITION, f"directive {directive.directive_id} is {directive.status}"
        )
    # AUTHORIZE: a regulator (declared on the message, checked by the ante)
    # APPLY
    _apply_effect(keeper, clearing, directive, in_force=False)
    lifted = directive.with_status(LIFTED, lifted_height=ctx.height, lift_basis=msg.legal_basis)
    keeper.save_directive(lifted)
    # EMIT
    emit_directive_lifted(ctx, lifted)


def handle_submit_report(
    ctx: ExecutionContext, msg: SubmitReport, members: Membership, _: ParticipantSuspension
) -> None:
    keeper = SupervisionKeeper(ctx.state)
    # VALIDATE (any member, checked by the ante, submits reports of its own organisation)
    submitter = _sender_org(ctx, members)
    if msg.params and json.loads(msg.params).get("org", submitter) != submitter:
        raise InvalidTransaction(ERR_BAD_FIELD, "a member submits reports of its own data")
    if msg.report_height >= ctx.height:
        raise InvalidTransaction(
            ERR_BAD_FIELD, f"report_height must be a committed height (< {ctx.height})"
        )
    # APPLY
    report = Report(
        report_id=keeper.next_id(keys.REPORT_COUNTER),
        report_type=msg.report_type,
        report_height=msg.report_height,
        report_hash=msg.report_hash,
        submitter=submitter,
        status=SUBMITTED,
        submitted_height=ctx.height,
        params=msg.params,
    )
    keeper.save_report(report)
    # EMIT
    emit_report_submitted(ctx, report)


def handle_review_report(
    ctx: ExecutionContext, msg: ReviewReport, members: Membership, _: ParticipantSuspension
) -> None:
    keeper = SupervisionKeeper(ctx.state)
    # VALIDATE
    report = keeper.get_report(msg.report_id)
    if report.status != SUBMITTED:
        raise InvalidTransaction(
            ERR_ILLEGAL_TRANSITION, f"report {msg.report_id} is {report.status}"
        )
    # AUTHORIZE: a regulator (declared on the message, checked by the ante); its organisation
    # is the reviewer
    reviewer = _sender_org(ctx, members)
    # APPLY
    reviewed = replace(
        report, status=msg.decision, reviewer=reviewer, reviewed_height=ctx.height, note=msg.note
    )
    keeper.save_report(reviewed)
    # EMIT
    emit_report_reviewed(ctx, reviewed)


def handle_set_scope(
    ctx: ExecutionContext, msg: SetScope, members: Membership, _: ParticipantSuspension
) -> None:
    keeper = SupervisionKeeper(ctx.state)
    # VALIDATE (AUTHORIZE: governance only, by the router)
    for org in (msg.org_id, *msg.org_list):
        if not members.org_exists(org):
            raise InvalidTransaction(ERR_UNKNOWN_TARGET, f"no member organisation {org!r}")
    # APPLY
    keeper.set_scope(msg.org_id, msg.org_list)
    # EMIT
    emit_scope_set(ctx, msg.org_id, msg.org_list)


def handle_anchor_audit_log(
    ctx: ExecutionContext, msg: AnchorAuditLog, members: Membership, _: ParticipantSuspension
) -> None:
    keeper = SupervisionKeeper(ctx.state)
    # VALIDATE (any member, checked by the ante, anchors its own nodes' logs; a log only grows)
    org = _sender_org(ctx, members)
    previous = keeper.find_anchor(org, msg.log_id)
    if previous is not None and msg.entries <= previous.entries:
        raise InvalidTransaction(
            ERR_ILLEGAL_TRANSITION,
            f"log {msg.log_id} is anchored at {previous.entries} entries; anchors only grow",
        )
    # APPLY
    anchor = Anchor(org, msg.log_id, msg.entries, msg.head, ctx.height)
    keeper.save_anchor(anchor)
    # EMIT
    emit_audit_anchored(ctx, anchor)


def _apply_effect(
    keeper: SupervisionKeeper,
    clearing: ParticipantSuspension,
    directive: Directive,
    in_force: bool,
) -> None:
    if directive.kind == FREEZE_ACCOUNT:
        keeper.set_frozen(parse_address(directive.target), in_force)
    else:
        clearing.set_suspended(directive.target, in_force)


def _sender_org(ctx: ExecutionContext, members: Membership) -> str:
    """The sender's organisation (the ante already checked the roles its message declares)."""
    org = members.find_org_of(ctx.sender)
    if org is None:
        raise InvalidTransaction(ERR_UNAUTHORIZED, "the sender is not a member's account")
    return org
