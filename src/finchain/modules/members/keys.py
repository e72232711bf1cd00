"""The only place that builds `members/` store keys."""

PREFIX = b"members/"
ORG_PREFIX = b"members/org/"
ACCOUNT_PREFIX = b"members/acct/"


def org_key(org_id: str) -> bytes:
    return ORG_PREFIX + org_id.encode()


def account_key(address: bytes) -> bytes:
    return ACCOUNT_PREFIX + address
