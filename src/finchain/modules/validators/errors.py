"""Stable error codes of the validators module."""

from finchain.errors import register_error

ERR_BAD_PUB_KEY = register_error(
    "validators", 1, "bad_pub_key", "validator keys are 32-byte Ed25519 public keys"
)
ERR_BAD_POWER = register_error("validators", 2, "bad_power", "power must be 0 .. MAX_POWER")
ERR_UNKNOWN_VALIDATOR = register_error(
    "validators", 4, "unknown_validator", "the key is not in the validator set"
)
ERR_LAST_VALIDATOR = register_error(
    "validators", 5, "last_validator", "the last validator cannot be removed"
)
ERR_BAD_GENESIS = register_error(
    "validators", 6, "bad_genesis", "the genesis validator set is invalid"
)
ERR_GOVERNANCE_ONLY = register_error(
    "validators",
    7,
    "governance_only",
    "after the genesis bootstrap height the validator set changes only by a governance vote",
)
