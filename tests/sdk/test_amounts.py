"""Money helpers: exact text <-> minor units conversion (no floats, no rounding)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finchain.sdk import AmountError, format_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [
        ("12.34", 2, 1234),
        ("12", 2, 1200),
        ("12.3", 2, 1230),
        ("0.01", 2, 1),
        ("0", 2, 0),
        ("0.1", 2, 10),
        ("007.50", 2, 750),
        ("5", 0, 5),
        ("1.000000000000000001", 18, 10**18 + 1),
        ("123456789012345678901234567890.12", 2, 12345678901234567890123456789012),
    ],
)
def test_parse_amount(text: str, decimals: int, expected: int) -> None:
    assert parse_amount(text, decimals) == expected


@pytest.mark.parametrize(
    ("minor_units", "decimals", "expected"),
    [
        (1234, 2, "12.34"),
        (5, 2, "0.05"),
        (0, 2, "0.00"),
        (100, 0, "100"),
        (-5, 2, "-0.05"),
        (10**30, 2, "1" + "0" * 28 + ".00"),
    ],
)
def test_format_amount(minor_units: int, decimals: int, expected: str) -> None:
    assert format_amount(minor_units, decimals) == expected


@pytest.mark.parametrize(
    ("text", "decimals"),
    [
        ("1.234", 2),
        ("1.5", 0),
        ("-1", 2),
        ("-0.01", 2),
        ("+1", 2),
        ("abc", 2),
        ("1e3", 2),
        ("1E3", 2),
        ("", 2),
        (".5", 2),
        ("5.", 2),
        ("1.2.3", 2),
        (" 1", 2),
        ("1 ", 2),
        ("1_000", 2),
        ("1,000", 2),
        ("١٢", 2),  # Arabic-Indic digits: int() would accept them
        ("NaN", 2),
        ("inf", 2),
        ("0x10", 2),
    ],
)
def test_invalid_amount_text(text: str, decimals: int) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, decimals)


def test_invalid_amount_types() -> None:
    with pytest.raises(AmountError):
        parse_amount(12.34, 2)  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        format_amount(12.5, 2)  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        parse_amount("1", -1)
    assert isinstance(AmountError("x"), ValueError)


@given(st.integers(min_value=0, max_value=10**40), st.integers(min_value=0, max_value=18))
def test_parse_inverts_format(minor_units: int, decimals: int) -> None:
    assert parse_amount(format_amount(minor_units, decimals), decimals) == minor_units


@given(
    st.from_regex(r"\A(0|[1-9][0-9]{0,25})\Z"),
    st.integers(min_value=0, max_value=18),
    st.data(),
)
def test_format_inverts_parse_of_canonical_text(
    whole: str, decimals: int, data: st.DataObject
) -> None:
    fraction = data.draw(st.text(alphabet="0123456789", min_size=decimals, max_size=decimals))
    text = f"{whole}.{fraction}" if decimals else whole
    assert format_amount(parse_amount(text, decimals), decimals) == text


@given(st.from_regex(r"\A[0-9]{1,20}(\.[0-9]{1,20})?\Z"), st.integers(min_value=0, max_value=20))
def test_parse_is_exact_or_refuses(text: str, decimals: int) -> None:
    fraction = text.partition(".")[2]
    if len(fraction) > decimals:
        with pytest.raises(AmountError):
            parse_amount(text, decimals)
        return
    value = parse_amount(text, decimals)
    # exact: compare with integer arithmetic on the digit strings
    whole = text.partition(".")[0]
    assert value == int(whole + fraction.ljust(decimals, "0"))
