"""The params module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.module import GenesisPart, Module
from finchain.modules.params import keys
from finchain.modules.params.genesis import export_params_genesis, init_params_genesis
from finchain.modules.params.handlers import make_handlers
from finchain.modules.params.keeper import ChainParamsView
from finchain.modules.params.messages import SetChainParams
from finchain.modules.params.queries import query_params

MODULE = Module(
    name="params",
    prefixes=(keys.PREFIX,),
    messages=(SetChainParams,),
    handlers=make_handlers,
    provides={"params.chain": ChainParamsView},
    queries={"params": query_params},
    genesis=GenesisPart("params", init_params_genesis, dict, export_params_genesis),
)
