"""Stable error codes of the contracts module (codespace `contracts`).

Numbers are part of the chain's results hash: never renumber; new codes take the next number.
"""

from finchain.errors import register_error

ERR_COMPILE = register_error(
    "contracts", 1, "compile_error", "the contract source breaks the language rules (by line)"
)
ERR_UNKNOWN_CONTRACT = register_error("contracts", 2, "unknown_contract", "no such contract")
ERR_UNKNOWN_FUNCTION = register_error(
    "contracts", 3, "unknown_function", "the contract exports no such function"
)
ERR_BAD_ARGS = register_error(
    "contracts", 4, "bad_args", "arguments do not match the function's ABI"
)
ERR_REVERTED = register_error(
    "contracts", 5, "reverted", "the contract aborted the call (require / ContractError)"
)
ERR_OUT_OF_COMPUTE = register_error(
    "contracts", 6, "out_of_compute", "the call used all of its compute limit"
)
ERR_LIMIT_EXCEEDED = register_error(
    "contracts", 7, "limit_exceeded", "an operation exceeded a size or depth cap"
)
ERR_EXECUTION = register_error(
    "contracts", 8, "execution_error", "the contract's code raised an error (type and message)"
)
ERR_DEPLOY_NOT_PERMITTED = register_error(
    "contracts", 9, "deploy_not_permitted", "the sender's roles may not deploy contracts"
)
ERR_FEE_TOO_LOW = register_error(
    "contracts", 10, "fee_too_low", "the fee does not cover the compute limit at its price"
)
ERR_READ_ONLY = register_error(
    "contracts", 11, "read_only", "a query tried to write, emit or move assets"
)
ERR_REENTRANCY = register_error(
    "contracts", 12, "reentrancy", "a contract already on the call stack was called again"
)
ERR_BAD_VALUE = register_error(
    "contracts", 13, "bad_value", "a value a contract stored, emitted or returned is not allowed"
)
ERR_BAD_PARAMS = register_error(
    "contracts", 14, "bad_params", "contract parameters or a compute limit out of range"
)
ERR_UNKNOWN_RECIPIENT = register_error(
    "contracts", 16, "unknown_recipient", "assets go only to member accounts or contracts"
)
ERR_CALL_DEPTH = register_error(
    "contracts", 17, "call_depth", "contract-to-contract calls nest too deep"
)
ERR_TOO_DEEP = register_error(
    "contracts", 18, "too_deep", "the contract source nests deeper than the language allows"
)
