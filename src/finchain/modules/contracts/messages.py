"""Message types of the contracts module."""

from __future__ import annotations

import re
from dataclasses import dataclass

from finchain.crypto import Address
from finchain.errors import InvalidTransaction
from finchain.model.message import GOVERNANCE_ONLY, message_type
from finchain.modules.contracts.errors import ERR_BAD_ARGS, ERR_BAD_PARAMS
from finchain.modules.contracts.params import MAX_MAX_COMPUTE, ContractParams
from finchain.modules.money import MONEY_HOLDER_ROLES, validate_amount, validate_symbol

_FUNCTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def validate_compute_limit(limit: int) -> None:
    if not 0 < limit <= MAX_MAX_COMPUTE:
        raise InvalidTransaction(ERR_BAD_PARAMS, f"compute_limit must be 1 .. {MAX_MAX_COMPUTE}")


@message_type("contracts/Deploy@1", roles=MONEY_HOLDER_ROLES)
@dataclass(frozen=True, slots=True)
class Deploy:
    """Deploy a Python contract; its `init(*init_args)` runs once (args: encoded value list).
    The chain parameter `deployer_roles` further limits who may deploy."""

    code: str
    init_args: bytes
    compute_limit: int

    def validate_basic(self) -> None:
        if not self.code.strip():
            raise InvalidTransaction(ERR_BAD_ARGS, "empty contract code")
        validate_compute_limit(self.compute_limit)


@message_type("contracts/Call@1", roles=MONEY_HOLDER_ROLES)
@dataclass(frozen=True, slots=True)
class Call:
    """Call an exported function of `contract`, optionally paying it `amount` of `asset` first
    (args: encoded value list; `asset` "" and `amount` 0 for no payment)."""

    contract: Address
    function: str
    args: bytes
    compute_limit: int
    asset: str = ""
    amount: int = 0

    def validate_basic(self) -> None:
        if not _FUNCTION.fullmatch(self.function):
            raise InvalidTransaction(ERR_BAD_ARGS, f"bad function name {self.function!r}")
        validate_compute_limit(self.compute_limit)
        if self.asset or self.amount:
            validate_symbol(self.asset)
            validate_amount(self.amount)


@message_type("contracts/Upgrade@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class Upgrade:
    """By a governance vote: replace `contract`'s code (its storage and address stay)."""

    contract: Address
    code: str

    def validate_basic(self) -> None:
        if not self.code.strip():
            raise InvalidTransaction(ERR_BAD_ARGS, "empty contract code")


@message_type("contracts/SetParams@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetParams:
    """By a governance vote: who may deploy (comma-separated roles), the compute cap per call
    and the compute price (fee minor units per 1,000 units)."""

    deployer_roles: str
    max_compute: int
    compute_price: int

    @property
    def params(self) -> ContractParams:
        roles = tuple(r for r in self.deployer_roles.split(",") if r)
        return ContractParams(roles, self.max_compute, self.compute_price)

    def validate_basic(self) -> None:
        if not all(_ROLE.fullmatch(r) for r in self.deployer_roles.split(",")):
            raise InvalidTransaction(ERR_BAD_PARAMS, "deployer_roles: comma-separated role names")
        self.params.validate()
