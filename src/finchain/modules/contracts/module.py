"""The contracts module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.contracts import keys
from finchain.modules.contracts.expected import Membership, Money
from finchain.modules.contracts.genesis import export_contracts_genesis, init_contracts_genesis
from finchain.modules.contracts.handlers import make_handlers
from finchain.modules.contracts.messages import Call, Deploy, SetParams, Upgrade
from finchain.modules.contracts.queries import QUERIES
from finchain.modules.module import GenesisPart, Module

MODULE = Module(
    name="contracts",
    prefixes=(keys.PREFIX,),
    messages=(Deploy, Call, Upgrade, SetParams),
    handlers=make_handlers,
    needs={"members.membership": Membership, "bank.transfers": Money},
    queries=QUERIES,
    genesis=GenesisPart("contracts", init_contracts_genesis, dict, export_contracts_genesis),
)
