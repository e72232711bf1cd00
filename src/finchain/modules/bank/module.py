"""The bank module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.bank import keys
from finchain.modules.bank.expected import Membership
from finchain.modules.bank.genesis import export_bank_genesis, init_bank_genesis
from finchain.modules.bank.handlers import make_handlers
from finchain.modules.bank.invariants import INVARIANTS
from finchain.modules.bank.keeper import BankTransfers, BankView
from finchain.modules.bank.messages import Issue, Redeem, Transfer
from finchain.modules.bank.queries import QUERIES
from finchain.modules.module import GenesisPart, Module

MODULE = Module(
    name="bank",
    prefixes=(keys.PREFIX,),
    messages=(Transfer, Issue, Redeem),
    handlers=make_handlers,
    needs={"members.membership": Membership},
    provides={"bank.transfers": BankTransfers, "bank.balances": BankView},
    queries=QUERIES,
    genesis=GenesisPart("bank", init_bank_genesis, dict, export_bank_genesis),
    invariants=tuple(INVARIANTS),
)
