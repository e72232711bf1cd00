"""The one wiring list: every module of a finchain chain, in order.

The order is the order of genesis (members before bank: assets name their issuer organisation)
and of invariants; ante steps and end-of-block hooks carry their own declared order. Adding a
module is its package plus one line here (docs/architecture.md, "Adding a module").
"""

from __future__ import annotations

from finchain.modules.auth.module import MODULE as AUTH
from finchain.modules.bank.module import MODULE as BANK
from finchain.modules.clearing.module import MODULE as CLEARING
from finchain.modules.contracts.module import MODULE as CONTRACTS
from finchain.modules.governance.module import MODULE as GOVERNANCE
from finchain.modules.members.module import MODULE as MEMBERS
from finchain.modules.module import Module
from finchain.modules.params.module import MODULE as PARAMS
from finchain.modules.supervision.module import MODULE as SUPERVISION
from finchain.modules.validators.module import MODULE as VALIDATORS

MODULES: tuple[Module, ...] = (
    PARAMS,
    AUTH,
    MEMBERS,
    BANK,
    VALIDATORS,
    CLEARING,
    GOVERNANCE,
    SUPERVISION,
    CONTRACTS,
)
