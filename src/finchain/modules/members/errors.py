"""Stable error codes of the members module."""

from finchain.errors import register_error

ERR_UNKNOWN_ORG = register_error("members", 1, "unknown_org", "no such member organisation")
ERR_ACCOUNT_EXISTS = register_error(
    "members", 2, "account_exists", "the address is already an account of a member"
)
ERR_NOT_A_MEMBER = register_error(
    "members", 3, "not_a_member", "the address is not an account of any member organisation"
)
ERR_BAD_GENESIS = register_error("members", 4, "bad_genesis", "the members genesis is invalid")
ERR_ORG_EXISTS = register_error("members", 6, "org_exists", "the organisation already exists")
ERR_LAST_ADMIN = register_error(
    "members", 7, "last_admin", "the consortium must keep at least one admin organisation"
)
ERR_BAD_FIELD = register_error(
    "members", 8, "bad_field", "an organisation id, name or role has the wrong form"
)
ERR_ROLE_UNCHANGED = register_error(
    "members", 9, "role_unchanged", "the organisation already has (or lacks) that role"
)
