"""The contracts module's parameters: who may deploy, the compute cap and its price.

Kept in state under `contracts/params`, written by genesis (section `contracts`) and changed by a
governance vote (`contracts/SetParams@1`).
"""

from __future__ import annotations

from dataclasses import dataclass

from finchain.codec import decode, encode
from finchain.errors import InvalidTransaction
from finchain.modules.contracts.errors import ERR_BAD_PARAMS
from finchain.modules.money import MONEY_HOLDER_ROLES

DEFAULT_DEPLOYER_ROLES = ("admin", "bank", "central_bank", "payment_institution", "corporate")
DEFAULT_MAX_COMPUTE = 2_000_000
MAX_MAX_COMPUTE = 50_000_000


@dataclass(frozen=True, slots=True)
class ContractParams:
    """`compute_price` is in fee minor units per 1,000 compute units (0: compute is free)."""

    deployer_roles: tuple[str, ...] = DEFAULT_DEPLOYER_ROLES
    max_compute: int = DEFAULT_MAX_COMPUTE
    compute_price: int = 0

    def encode(self) -> bytes:
        return encode([list(self.deployer_roles), self.max_compute, self.compute_price])

    @staticmethod
    def decode(raw: bytes) -> ContractParams:
        roles, max_compute, price = decode(raw)
        return ContractParams(tuple(roles), max_compute, price)

    def to_json(self) -> dict[str, object]:
        return {
            "deployer_roles": list(self.deployer_roles),
            "max_compute": self.max_compute,
            "compute_price": self.compute_price,
        }

    def validate(self) -> None:
        if not 1_000 <= self.max_compute <= MAX_MAX_COMPUTE:
            raise InvalidTransaction(
                ERR_BAD_PARAMS, f"max_compute must be 1000 .. {MAX_MAX_COMPUTE}"
            )
        if self.compute_price < 0:
            raise InvalidTransaction(ERR_BAD_PARAMS, "compute_price must not be negative")
        unknown = sorted(set(self.deployer_roles) - MONEY_HOLDER_ROLES)
        if unknown or not self.deployer_roles:
            raise InvalidTransaction(
                ERR_BAD_PARAMS,
                f"deployer_roles must be among {sorted(MONEY_HOLDER_ROLES)} (the roles that may "
                f"send business messages), got {unknown or 'none'}",
            )

    def compute_fee(self, compute_limit: int) -> int:
        """The fee a call with `compute_limit` must at least carry (rounded up)."""
        return -(-compute_limit * self.compute_price // 1_000)
