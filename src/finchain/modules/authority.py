"""The governance authority: the sender of actions the members adopted by vote.

A passed proposal's action runs at the end of a block with this address as its sender. It is a
hash, not a key: no transaction can be signed for it (and the ante refuses non-member senders),
so a handler that requires it runs only what a vote decided. `ERR_ROLE_NOT_PERMITTED` is the
one refusal of a sender whose roles a message type does not allow (the ante, the router).
"""

from __future__ import annotations

import hashlib

from finchain.crypto import Address
from finchain.errors import register_error

ERR_ROLE_NOT_PERMITTED = register_error(
    "tx",
    29,
    "role_not_permitted",
    "the sender's organisation holds no role allowed to send this message type",
)

GOVERNANCE_AUTHORITY = Address(hashlib.sha256(b"finchain/authority/governance").digest()[:20])


def is_governance(sender: bytes) -> bool:
    return sender == GOVERNANCE_AUTHORITY


def governance_only_reason(type_name: str) -> str:
    """Why a member may not send `type_name` itself (a GOVERNANCE_ONLY type)."""
    return (
        f"{type_name} is never sent by a member: it runs only after a governance vote "
        "(propose it with governance/Propose@1)"
    )
