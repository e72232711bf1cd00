"""The governance authority: the sender of actions the members adopted by vote.

A passed proposal's action runs at the end of a block with this address as its sender. It is a
hash, not a key: no transaction can be signed for it (and the ante refuses non-member senders),
so a handler that requires it runs only what a vote decided.
"""

from __future__ import annotations

import hashlib

from finchain.crypto import Address

GOVERNANCE_AUTHORITY = Address(hashlib.sha256(b"finchain/authority/governance").digest()[:20])


def is_governance(sender: bytes) -> bool:
    return sender == GOVERNANCE_AUTHORITY
