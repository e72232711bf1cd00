"""The clearing module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.clearing import keys
from finchain.modules.clearing import messages as m
from finchain.modules.clearing.expected import Membership, SupervisoryHolds
from finchain.modules.clearing.genesis import export_clearing_genesis, init_clearing_genesis
from finchain.modules.clearing.handlers import make_handlers, process_end_of_block
from finchain.modules.clearing.invariants import INVARIANTS
from finchain.modules.clearing.keeper import ParticipantSuspensions
from finchain.modules.clearing.queries import QUERIES
from finchain.modules.module import BlockHook, GenesisPart, Module

END_BLOCK_ORDER = 20  # after governance (10): a passed vote's change applies to this block's LSM

MODULE = Module(
    name="clearing",
    prefixes=(keys.PREFIX,),
    messages=(
        m.OpenAccount,
        m.RegisterBic,
        m.Pledge,
        m.Redeem,
        m.SetUrgentReserve,
        m.SubmitPayment,
        m.HoldPayment,
        m.ReleasePayment,
        m.CancelPayment,
        m.SetSuspended,
        m.RunLsm,
        m.CutOff,
        m.SetAutoProcess,
    ),
    handlers=make_handlers,
    needs={"members.membership": Membership, "supervision.holds": SupervisoryHolds},
    provides={"clearing.suspension": ParticipantSuspensions},
    queries=QUERIES,
    genesis=GenesisPart("clearing", init_clearing_genesis, dict, export_clearing_genesis),
    invariants=tuple(INVARIANTS),
    end_block=(BlockHook("clearing", END_BLOCK_ORDER, process_end_of_block),),
)
