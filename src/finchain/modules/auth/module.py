"""The auth module's record for the wiring list."""

from __future__ import annotations

from finchain.modules.auth import ante, keys
from finchain.modules.auth.expected import Balances, ChainParamsReader, FeeTransfers, Membership
from finchain.modules.auth.keeper import AuthView, compute_fee_collector
from finchain.modules.auth.queries import query_account
from finchain.modules.module import AnteStep, Module

MODULE = Module(
    name="auth",
    prefixes=(keys.PREFIX,),
    needs={
        "params.chain": ChainParamsReader,
        "bank.transfers": FeeTransfers,
        "bank.balances": Balances,
        "members.membership": Membership,
    },
    provides={"auth.nonces": AuthView, "auth.fee_collector": compute_fee_collector},
    queries={"account": query_account},
    ante=(
        AnteStep("nonce", ante.NONCE_ORDER, ante.apply_nonce),
        AnteStep("fee", ante.FEE_ORDER, ante.apply_fee),
    ),
)
