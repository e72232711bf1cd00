"""Stable error codes of the governance module (codespace `governance`).

Numbers are part of the chain's results hash: never renumber; new codes take the next number.
"""

from finchain.errors import register_error

ERR_BAD_FIELD = register_error(
    "governance", 1, "bad_field", "a proposal, vote option or parameter has the wrong form"
)
ERR_NOT_GOVERNABLE = register_error(
    "governance", 2, "not_governable", "this message type cannot be adopted by a vote"
)
ERR_UNAUTHORIZED = register_error(
    "governance", 3, "unauthorized", "the sender's organisation may not do this"
)
ERR_UNKNOWN_PROPOSAL = register_error("governance", 4, "unknown_proposal", "no such proposal")
ERR_ILLEGAL_TRANSITION = register_error(
    "governance", 5, "illegal_transition", "the proposal's state does not allow this"
)
ERR_NO_VOTING_WEIGHT = register_error(
    "governance", 6, "no_voting_weight", "the sender's organisation has no voting weight"
)
ERR_BAD_GENESIS = register_error(
    "governance", 7, "bad_genesis", "the governance genesis is invalid"
)
ERR_UNKNOWN_ORG = register_error(
    "governance", 9, "unknown_org", "no member organisation with that id"
)
ERR_ACTION_WOULD_FAIL = register_error(
    "governance",
    10,
    "action_would_fail",
    "the proposed action is refused against the current state (its code is in the details)",
)
