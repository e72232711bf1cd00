"""Result codes across the ABCI boundary: finchain's `codespace/name` <-> ABCI (codespace, code).

ABCI carries a numeric `code` (0 = ok) and a `codespace` string. A finchain `ErrorCode` is already
(codespace, number, name) with `number` > 0 and stable, so the mapping is the identity on
(codespace, number): `bank/insufficient_funds` (bank, 2) travels as code 2 in codespace `bank`.
Only `code` (with gas_used and data) enters CometBFT's LastResultsHash, so it must be a pure
function of the receipt; it is.

Must never: renumber codes (the numbers are part of the chain's results hash).
Concurrency: pure functions over the import-time error registry.
"""

from __future__ import annotations

from finchain.errors import ErrorCode, all_error_codes, find_error_code
from finchain.model.receipt import CODE_OK

ABCI_OK = 0
UNREGISTERED_CODE = 65_535  # a code string no module registered (never expected; still stable)


def to_abci_code(code: str) -> tuple[int, str]:
    """`ok` -> (0, ""); `bank/insufficient_funds` -> (2, "bank")."""
    if code == CODE_OK:
        return ABCI_OK, ""
    error = find_error_code(code)
    if error is None:
        codespace = code.split("/", 1)[0] if "/" in code else "finchain"
        return UNREGISTERED_CODE, codespace
    return error.number, error.codespace


def from_abci_code(code: int, codespace: str) -> str:
    """The inverse of `to_abci_code`; unknown pairs become `codespace/code_<n>`."""
    if code == ABCI_OK:
        return CODE_OK
    error = find_abci_error(code, codespace)
    return str(error) if error is not None else f"{codespace or 'abci'}/code_{code}"


def find_abci_error(code: int, codespace: str) -> ErrorCode | None:
    for error in all_error_codes():
        if error.codespace == codespace and error.number == code:
            return error
    return None
