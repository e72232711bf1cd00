"""Money as people write it ("12.34") <-> integer minor units (1234), exactly.

Pure string and integer arithmetic: no floats anywhere, so "0.1" is exactly 10 minor units at
two decimals. Parsing is strict: plain digits with at most one `.`; no sign, exponent, spaces,
underscores or non-ASCII digits, and never more fractional digits than the asset's `decimals`
(rounding money silently is a bug, so "1.234" at 2 decimals is refused, not rounded).
"""

from __future__ import annotations

import re

from finchain.sdk.errors import AmountError

MAX_DECIMALS = 36
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?", re.ASCII)


def parse_amount(text: str, decimals: int) -> int:
    """Parse a non-negative decimal amount in major units into integer minor units.

    `parse_amount("12.34", decimals=2) == 1234`; `parse_amount("12", 2) == 1200`.
    Raises AmountError for anything else (negative, "1e3", "abc", "1.234" at 2 decimals).
    """
    _validate_decimals(decimals)
    if not isinstance(text, str):
        raise AmountError(f"amount must be text such as '12.34', got {type(text).__name__}")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise AmountError(
            f"bad amount {text!r}: write digits with an optional '.' such as '12.34' "
            "(no sign, exponent or spaces)"
        )
    whole: str = match.group(1)
    fraction: str = match.group(2) or ""
    if len(fraction) > decimals:
        raise AmountError(
            f"amount {text!r} has {len(fraction)} fractional digits; this asset allows {decimals}"
        )
    scale: int = 10**decimals
    return int(whole) * scale + int(fraction.ljust(decimals, "0") or "0")


def format_amount(minor_units: int, decimals: int) -> str:
    """Render integer minor units in major units with exactly `decimals` fractional digits.

    `format_amount(1234, 2) == "12.34"`, `format_amount(5, 2) == "0.05"`, `format_amount(7, 0)
    == "7"`. Negative values render with a leading '-'.
    """
    _validate_decimals(decimals)
    if isinstance(minor_units, bool) or not isinstance(minor_units, int):
        raise AmountError(f"minor units must be an int, got {type(minor_units).__name__}")
    sign = "-" if minor_units < 0 else ""
    digits = str(abs(minor_units))
    if decimals == 0:
        return sign + digits
    digits = digits.rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def _validate_decimals(decimals: int) -> None:
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise AmountError(f"decimals must be an int, got {type(decimals).__name__}")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise AmountError(f"decimals must be 0..{MAX_DECIMALS}, got {decimals}")
