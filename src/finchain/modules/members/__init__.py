"""Module `members`: the consortium's member organisations, their roles and their accounts.

State layout (all keys built in `keys.py`):
| key                          | value                               |
|------------------------------|-------------------------------------|
| `members/org/<org id>`       | [org id, name, [roles sorted]]      |
| `members/acct/<address>`     | org id (utf-8)                      |

Messages: `members/AddAccount@1(address)` — an account of an organisation registers another key
of the same organisation (e.g. a new operator key or customer wallet).
Roles: admin, validator_operator, bank, central_bank, payment_institution, corporate, regulator,
auditor. Membership changes by vote come with the governance module.
Invariants: every account belongs to exactly one existing organisation.
Events: `members.account_added(org, address)`.
"""

from __future__ import annotations

from finchain.modules.members.keeper import MembersKeeper, MembersView
from finchain.modules.members.messages import AddAccount
from finchain.modules.members.roles import ROLES, Role

__all__ = ["ROLES", "AddAccount", "MembersKeeper", "MembersView", "Role"]
