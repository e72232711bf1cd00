"""Error codes and the exception tree shared by every layer.

Every rejection carries a stable `ErrorCode` such as `bank/insufficient_funds`: a codespace
(the owning module or layer), a number unique inside the codespace (the ABCI `code`), and a name.

    FinchainError
     ├── InvalidTransaction   input is rejected; nothing is changed (codec, ante, module handlers)
     ├── NotFound             a query names something that does not exist
     └── InternalError        the node cannot continue safely (broken invariant, storage failure)

Must never: import anything from finchain (this is the bottom layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_REGISTRY: dict[tuple[str, int], ErrorCode] = {}
_BY_NAME: dict[str, ErrorCode] = {}


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """A stable, documented rejection reason. `number` is > 0 and unique within `codespace`."""

    codespace: str
    number: int
    name: str
    description: str = ""

    def __str__(self) -> str:
        return f"{self.codespace}/{self.name}"


def register_error(codespace: str, number: int, name: str, description: str = "") -> ErrorCode:
    """Declare an error code once, at import time; duplicates are a programming error."""
    code = ErrorCode(codespace, number, name, description)
    if number <= 0:
        raise ValueError(f"error number must be positive: {code}")
    if (codespace, number) in _REGISTRY or str(code) in _BY_NAME:
        raise ValueError(f"error code registered twice: {code}")
    _REGISTRY[(codespace, number)] = code
    _BY_NAME[str(code)] = code
    return code


def all_error_codes() -> list[ErrorCode]:
    """Every registered code, sorted by codespace then number (for docs and tests)."""
    return sorted(_REGISTRY.values(), key=lambda c: (c.codespace, c.number))


def find_error_code(qualified_name: str) -> ErrorCode | None:
    """Look a code up by its `codespace/name` form."""
    return _BY_NAME.get(qualified_name)


class FinchainError(Exception):
    """Base of every error raised on purpose by finchain."""


class InvalidTransaction(FinchainError):
    """Reject this input: it changes nothing. `code` says why, `details` helps the user fix it."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFound(FinchainError):
    """A query asked for something that does not exist."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.message = what


class InternalError(FinchainError):
    """Stop: a broken invariant or a storage failure; never caused by user input."""
