"""Stable error codes of the supervision module (codespace `supervision`).

Numbers are part of the chain's results hash: never renumber; new codes take the next number.
"""

from finchain.errors import register_error

ERR_BAD_FIELD = register_error(
    "supervision",
    1,
    "bad_field",
    "a directive or report field has the wrong form",
)
ERR_UNAUTHORIZED = register_error(
    "supervision", 2, "unauthorized", "the sender's organisation may not do this"
)
ERR_UNKNOWN_TARGET = register_error(
    "supervision", 3, "unknown_target", "the directive's account or participant does not exist"
)
ERR_UNKNOWN_DIRECTIVE = register_error("supervision", 4, "unknown_directive", "no such directive")
ERR_ILLEGAL_TRANSITION = register_error(
    "supervision", 5, "illegal_transition", "the directive's or report's state does not allow this"
)
ERR_ALREADY_IN_FORCE = register_error(
    "supervision", 6, "already_in_force", "a directive of this kind already holds the target"
)
ERR_UNKNOWN_REPORT = register_error("supervision", 7, "unknown_report", "no such report")
