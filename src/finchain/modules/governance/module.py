"""The governance module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.governance import keys
from finchain.modules.governance.expected import ActionExecutor, Membership
from finchain.modules.governance.genesis import init_governance_genesis
from finchain.modules.governance.handlers import make_handlers, process_end_of_block
from finchain.modules.governance.invariants import INVARIANTS
from finchain.modules.governance.messages import (
    OpenVoting,
    Propose,
    SetParams,
    SetThreshold,
    SetWeight,
    Vote,
)
from finchain.modules.governance.queries import QUERIES
from finchain.modules.module import INTERFACE_DISPATCH, BlockHook, GenesisPart, Module

END_BLOCK_ORDER = 10  # first: a passed action applies before the block's other end-of-block work

MODULE = Module(
    name="governance",
    prefixes=(keys.PREFIX,),
    messages=(Propose, OpenVoting, Vote, SetWeight, SetParams, SetThreshold),
    handlers=make_handlers,
    needs={"members.membership": Membership, INTERFACE_DISPATCH: ActionExecutor},
    queries=QUERIES,
    genesis=GenesisPart("governance", init_governance_genesis),
    invariants=tuple(INVARIANTS),
    end_block=(BlockHook("governance", END_BLOCK_ORDER, process_end_of_block),),
)
