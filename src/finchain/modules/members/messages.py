"""Message types of the members module."""

from __future__ import annotations

import re
from dataclasses import dataclass

from finchain.crypto import Address
from finchain.errors import InvalidTransaction
from finchain.model.message import ANY_MEMBER, GOVERNANCE_ONLY, message_type
from finchain.modules.members.errors import ERR_BAD_FIELD
from finchain.modules.members.roles import ROLES

ORG_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_NAME = 128


@message_type("members/AddAccount@1", roles=ANY_MEMBER)
@dataclass(frozen=True, slots=True)
class AddAccount:
    """Register `address` as another account of the sender's organisation."""

    address: Address

    def validate_basic(self) -> None:
        return None


# ---- governed actions: proposed and voted in module `governance`, run by its authority --------


def validate_org_id(org_id: str) -> None:
    if not ORG_ID.fullmatch(org_id):
        raise InvalidTransaction(ERR_BAD_FIELD, f"bad organisation id {org_id!r}")


def validate_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidTransaction(ERR_BAD_FIELD, f"unknown role {role!r}; roles are {ROLES}")


@message_type("members/AddOrg@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class AddOrg:
    """Admit organisation `org_id` with `roles` (comma-separated) and its first account."""

    org_id: str
    name: str
    roles: str
    account: Address

    def validate_basic(self) -> None:
        validate_org_id(self.org_id)
        if not 0 < len(self.name) <= MAX_NAME:
            raise InvalidTransaction(ERR_BAD_FIELD, f"name must be 1-{MAX_NAME} characters")
        for role in self.role_list:
            validate_role(role)

    @property
    def role_list(self) -> tuple[str, ...]:
        return tuple(sorted({r.strip() for r in self.roles.split(",") if r.strip()}))


@message_type("members/RemoveOrg@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class RemoveOrg:
    """Remove organisation `org_id` and every account of it (its keys can no longer sign)."""

    org_id: str

    def validate_basic(self) -> None:
        validate_org_id(self.org_id)


@message_type("members/GrantRole@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class GrantRole:
    """Give organisation `org_id` the role `role`."""

    org_id: str
    role: str

    def validate_basic(self) -> None:
        validate_org_id(self.org_id)
        validate_role(self.role)


@message_type("members/RevokeRole@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class RevokeRole:
    """Take the role `role` from organisation `org_id` (one admin organisation must remain)."""

    org_id: str
    role: str

    def validate_basic(self) -> None:
        validate_org_id(self.org_id)
        validate_role(self.role)
