"""The members module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.members import keys
from finchain.modules.members.ante import MEMBERSHIP_ORDER, apply_membership_and_roles
from finchain.modules.members.genesis import export_members_genesis, init_members_genesis
from finchain.modules.members.handlers import make_handlers
from finchain.modules.members.invariants import INVARIANTS
from finchain.modules.members.keeper import MembersView
from finchain.modules.members.messages import AddAccount, AddOrg, GrantRole, RemoveOrg, RevokeRole
from finchain.modules.members.queries import QUERIES
from finchain.modules.module import AnteStep, GenesisPart, Module

MODULE = Module(
    name="members",
    prefixes=(keys.PREFIX,),
    messages=(AddAccount, AddOrg, RemoveOrg, GrantRole, RevokeRole),
    handlers=make_handlers,
    provides={"members.membership": MembersView},
    queries=QUERIES,
    genesis=GenesisPart("members", init_members_genesis, list, export_members_genesis),
    invariants=tuple(INVARIANTS),
    ante=(AnteStep("membership_and_roles", MEMBERSHIP_ORDER, apply_membership_and_roles),),
)
