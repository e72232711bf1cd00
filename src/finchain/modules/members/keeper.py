"""Read view and keeper over the `members/` key prefix."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.codec import decode, encode
from finchain.errors import InvalidTransaction
from finchain.modules.members import keys
from finchain.modules.members.errors import ERR_ACCOUNT_EXISTS, ERR_UNKNOWN_ORG
from finchain.state import StateReader, StateWriter


@dataclass(frozen=True, slots=True)
class Organisation:
    org_id: str
    name: str
    roles: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"id": self.org_id, "name": self.name, "roles": list(self.roles)}


class MembersView:
    """Read-only access: organisations, roles, and which organisation owns an account."""

    def __init__(self, state: StateReader) -> None:
        self.state = state

    def find_org(self, org_id: str) -> Organisation | None:
        raw = self.state.get(keys.org_key(org_id))
        return None if raw is None else _decode_org(raw)

    def org_exists(self, org_id: str) -> bool:
        return self.state.get(keys.org_key(org_id)) is not None

    def get_org(self, org_id: str) -> Organisation:
        org = self.find_org(org_id)
        if org is None:
            raise InvalidTransaction(ERR_UNKNOWN_ORG, f"no member organisation {org_id!r}")
        return org

    def list_orgs(self) -> list[Organisation]:
        return [_decode_org(raw) for _, raw in self.state.iterate(keys.ORG_PREFIX)]

    def list_org_ids(self) -> list[str]:
        prefix = keys.ORG_PREFIX
        return [k[len(prefix) :].decode() for k, _ in self.state.iterate(prefix)]

    def find_org_of(self, address: bytes) -> str | None:
        raw = self.state.get(keys.account_key(address))
        return None if raw is None else raw.decode()

    def is_member_account(self, address: bytes) -> bool:
        return self.state.get(keys.account_key(address)) is not None

    def has_role(self, address: bytes, role: str) -> bool:
        org_id = self.find_org_of(address)
        if org_id is None:
            return False
        org = self.find_org(org_id)
        return org is not None and role in org.roles

    def list_accounts(self, org_id: str) -> list[bytes]:
        return [
            k[len(keys.ACCOUNT_PREFIX) :]
            for k, v in self.state.iterate(keys.ACCOUNT_PREFIX)
            if v == org_id.encode()
        ]


class MembersKeeper(MembersView):
    """Writes organisations and accounts."""

    state: StateWriter

    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.state = state

    def set_org(self, org: Organisation) -> None:
        value = encode([org.org_id, org.name, sorted(org.roles)])
        self.state.set(keys.org_key(org.org_id), value)

    def add_account(self, org_id: str, address: bytes) -> None:
        self.get_org(org_id)
        if self.is_member_account(address):
            raise InvalidTransaction(
                ERR_ACCOUNT_EXISTS, "address is already a member account", address=address.hex()
            )
        self.state.set(keys.account_key(address), org_id.encode())

    def remove_org(self, org_id: str) -> list[bytes]:
        """Delete the organisation and its accounts; returns the removed addresses."""
        accounts = self.list_accounts(org_id)
        for address in accounts:
            self.state.delete(keys.account_key(address))
        self.state.delete(keys.org_key(org_id))
        return accounts


def _decode_org(raw: bytes) -> Organisation:
    org_id, name, roles = decode(raw)
    return Organisation(org_id, name, tuple(roles))
