"""Module `members`: the consortium's member organisations, their roles and their accounts.

State layout (all keys built in `keys.py`):
| key                          | value                               |
|------------------------------|-------------------------------------|
| `members/org/<org id>`       | [org id, name, [roles sorted]]      |
| `members/acct/<address>`     | org id (utf-8)                      |

Messages: `members/AddAccount@1(address)` — an account of an organisation registers another key
of the same organisation (e.g. a new operator key or customer wallet); and, only as the action of
a passed governance vote, `AddOrg@1(org_id, name, roles, account)`, `RemoveOrg@1(org_id)` (with
every account of it), `GrantRole@1(org_id, role)`, `RevokeRole@1(org_id, role)` (one admin
organisation must remain).
Roles: admin, validator_operator, bank, central_bank, payment_institution, corporate, regulator,
auditor. Each message type declares the roles that may send it; the ante step (`ante.py`) refuses
a sender whose organisation holds none of them.
Invariants: every account belongs to exactly one existing organisation.
Events: `members.account_added(org, address)`, `org_added(org, roles, account)`,
`org_removed(org, accounts)`, `role_granted(org, role)`, `role_revoked(org, role)`.
Interface offered: `members.membership` (`MembersView`).
"""

from __future__ import annotations

from finchain.modules.members.keeper import MembersKeeper, MembersView
from finchain.modules.members.messages import AddAccount
from finchain.modules.members.roles import ROLES, Role

__all__ = ["ROLES", "AddAccount", "MembersKeeper", "MembersView", "Role"]
