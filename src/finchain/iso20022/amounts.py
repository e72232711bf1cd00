"""Money at the ISO 20022 edge: decimal text <-> integer minor units, exactly.

Owns the currency table (ISO 4217 minor-unit digits for the currencies finchain settles) and the
two conversions. Never uses floats: the text is split into digits and the integer is built from
them, so `123.45` CNY is exactly 12345 fen.

A fraction is judged by its value, as XSD `xs:decimal` does: `123.450` CNY is accepted (trailing
zeros carry no value), `123.451` CNY is refused. Pure functions; safe from any thread.
"""

from __future__ import annotations

import re

from finchain.errors import InvalidTransaction
from finchain.iso20022.errors import ERR_BAD_AMOUNT, ERR_UNSUPPORTED_CURRENCY

MAX_AMOUNT = 2**63 - 1
"""Largest amount of one instruction, in minor units (DOMAIN.md §1 rule 8)."""

CURRENCY_DECIMALS: dict[str, int] = {
    "CNY": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "SGD": 2,
    "USD": 2,
    "JPY": 0,
    "KRW": 0,
}
"""ISO 4217 minor-unit digits of every currency finchain accepts at its edge."""

_DECIMAL_TEXT = re.compile(r"\+?(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?")


def get_currency_decimals(currency: str) -> int:
    """Minor-unit digits of `currency`; raises `iso20022/unsupported_currency` if unknown."""
    decimals = CURRENCY_DECIMALS.get(currency)
    if decimals is None:
        raise InvalidTransaction(
            ERR_UNSUPPORTED_CURRENCY,
            f"currency {currency!r} is not supported; use one of {sorted(CURRENCY_DECIMALS)}",
            currency=currency,
        )
    return decimals


def parse_amount(text: str, currency: str) -> int:
    """Exact minor units of the `xs:decimal` text `text` in `currency`; 1 .. 2**63-1."""
    decimals = get_currency_decimals(currency)
    match = _DECIMAL_TEXT.fullmatch(text.strip())
    if match is None or not (match["whole"] or match["fraction"]):
        raise InvalidTransaction(
            ERR_BAD_AMOUNT, f"amount {text!r} is not a plain decimal number", amount=text
        )
    whole = match["whole"] or "0"
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > decimals:
        raise InvalidTransaction(
            ERR_BAD_AMOUNT,
            f"amount {text!r} has {len(fraction)} fraction digits; {currency} allows {decimals}",
            amount=text,
            currency=currency,
            allowed_fraction_digits=decimals,
        )
    scale: int = 10**decimals
    minor = int(whole) * scale + int(fraction.ljust(decimals, "0") or "0")
    if not 0 < minor <= MAX_AMOUNT:
        raise InvalidTransaction(
            ERR_BAD_AMOUNT,
            f"amount {text!r} {currency} must be 1 .. 2**63-1 minor units, got {minor}",
            amount=text,
            currency=currency,
        )
    return minor


def format_amount(minor: int, currency: str) -> str:
    """The exact decimal text of `minor` (>= 0) minor units: 12345 CNY -> `123.45`."""
    if minor < 0:
        raise ValueError(f"format_amount takes a non-negative amount, got {minor}")
    decimals = get_currency_decimals(currency)
    if decimals == 0:
        return str(minor)
    scale: int = 10**decimals
    whole, fraction = divmod(minor, scale)
    return f"{whole}.{fraction:0{decimals}d}"
