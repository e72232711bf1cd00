"""The validators module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.module import GenesisPart, Module
from finchain.modules.validators import keys
from finchain.modules.validators.genesis import export_validators_genesis, init_validators_genesis
from finchain.modules.validators.handlers import make_handlers
from finchain.modules.validators.invariants import INVARIANTS
from finchain.modules.validators.messages import SetPower
from finchain.modules.validators.queries import query_validators
from finchain.modules.validators.updates import compute_validator_updates

MODULE = Module(
    name="validators",
    prefixes=(keys.PREFIX,),
    messages=(SetPower,),
    handlers=make_handlers,
    queries={"validators": query_validators},
    genesis=GenesisPart("validators", init_validators_genesis, list, export_validators_genesis),
    invariants=tuple(INVARIANTS),
    validator_updates=compute_validator_updates,
)
