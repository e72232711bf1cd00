"""The supervision module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.module import AnteStep, GenesisPart, Module
from finchain.modules.supervision import keys
from finchain.modules.supervision.ante import FROZEN_ORDER, validate_not_frozen
from finchain.modules.supervision.expected import Membership, ParticipantSuspension
from finchain.modules.supervision.genesis import init_supervision_genesis
from finchain.modules.supervision.handlers import make_handlers
from finchain.modules.supervision.invariants import INVARIANTS
from finchain.modules.supervision.keeper import SupervisionView
from finchain.modules.supervision.messages import (
    AnchorAuditLog,
    IssueDirective,
    LiftDirective,
    ReviewReport,
    SetScope,
    SubmitReport,
)
from finchain.modules.supervision.queries import QUERIES

MODULE = Module(
    name="supervision",
    prefixes=(keys.PREFIX,),
    messages=(SetScope, AnchorAuditLog, IssueDirective, LiftDirective, SubmitReport, ReviewReport),
    handlers=make_handlers,
    needs={"members.membership": Membership, "clearing.suspension": ParticipantSuspension},
    provides={"supervision.holds": SupervisionView},
    queries=QUERIES,
    genesis=GenesisPart("supervision", init_supervision_genesis),
    invariants=tuple(INVARIANTS),
    ante=(AnteStep("frozen", FROZEN_ORDER, validate_not_frozen),),
)
