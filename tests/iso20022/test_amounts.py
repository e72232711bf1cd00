"""Decimal text <-> minor units: exact, per currency, never floats."""

from __future__ import annotations

import decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finchain.errors import InvalidTransaction
from finchain.iso20022 import CURRENCY_DECIMALS, format_amount, parse_amount
from finchain.iso20022.amounts import MAX_AMOUNT


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("123.45", "CNY", 12345),
        ("0.01", "USD", 1),
        ("5", "JPY", 5),
        ("1.", "EUR", 100),
        (".5", "GBP", 50),
        ("+1.00", "HKD", 100),
        (" 7.1 ", "SGD", 710),
        ("1000.0", "KRW", 1000),
        ("92233720368547758.07", "CNY", MAX_AMOUNT),
    ],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("1.234", "CNY"),
        ("1.5", "JPY"),
        ("0.1", "KRW"),
        ("0", "CNY"),
        ("0.00", "USD"),
        ("", "EUR"),
        (".", "EUR"),
        ("1e3", "EUR"),
        ("-1", "EUR"),
        ("1,00", "EUR"),
        ("92233720368547758.08", "CNY"),
    ],
)
def test_invalid_amount(text: str, currency: str) -> None:
    with pytest.raises(InvalidTransaction) as info:
        parse_amount(text, currency)
    assert str(info.value.code) == "iso20022/bad_amount"


def test_invalid_unsupported_currency() -> None:
    with pytest.raises(InvalidTransaction) as info:
        parse_amount("1.00", "XAU")
    assert str(info.value.code) == "iso20022/unsupported_currency"


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(12345, "CNY", "123.45"), (5, "USD", "0.05"), (0, "EUR", "0.00"), (7, "JPY", "7")],
)
def test_format_amount(minor: int, currency: str, text: str) -> None:
    assert format_amount(minor, currency) == text


def test_format_amount_refuses_negative() -> None:
    with pytest.raises(ValueError):
        format_amount(-1, "CNY")


currencies = st.sampled_from(sorted(CURRENCY_DECIMALS))


@given(minor=st.integers(1, MAX_AMOUNT), currency=currencies)
def test_format_then_parse_is_identity(minor: int, currency: str) -> None:
    assert parse_amount(format_amount(minor, currency), currency) == minor


@given(
    whole=st.integers(0, 10**15),
    fraction=st.text("0123456789", max_size=4),
    currency=currencies,
)
def test_parse_matches_exact_decimal_arithmetic(whole: int, fraction: str, currency: str) -> None:
    text = f"{whole}.{fraction}" if fraction else str(whole)
    with decimal.localcontext(prec=100):
        value = decimal.Decimal(text) * 10 ** CURRENCY_DECIMALS[currency]
    if value != value.to_integral_value() or value == 0:
        with pytest.raises(InvalidTransaction):
            parse_amount(text, currency)
        return
    minor = parse_amount(text, currency)
    assert minor == int(value)
    assert decimal.Decimal(format_amount(minor, currency)) == decimal.Decimal(text)
