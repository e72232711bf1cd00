"""The canonical codec: one byte form per value, forbidden types rejected."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finchain.codec import decode, decode_uint, encode, encode_uint
from finchain.errors import InvalidTransaction

values = st.recursive(
    st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.binary(max_size=40) | st.text(),
    lambda children: st.lists(children, max_size=5),
    max_leaves=20,
)


@given(values)
def test_roundtrip_is_byte_equal(value: object) -> None:
    raw = encode(value)  # type: ignore[arg-type]
    assert decode(raw) == value
    assert encode(decode(raw)) == raw


@given(st.integers(min_value=0, max_value=2**300))
def test_uint_roundtrip(n: int) -> None:
    assert decode_uint(encode_uint(n)) == n


def test_invalid_non_canonical_int_encoding() -> None:
    # 1 encoded as uint32 instead of a positive fixint
    with pytest.raises(InvalidTransaction) as err:
        decode(b"\xce\x00\x00\x00\x01")
    assert str(err.value.code) == "codec/non_canonical"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1.5, "codec/forbidden_type"),
        ({"a": 1}, "codec/forbidden_type"),
        (True, "codec/forbidden_type"),
        (None, "codec/forbidden_type"),
    ],
)
def test_invalid_forbidden_types(value: object, code: str) -> None:
    raw = msgpack.packb(value, use_bin_type=True)
    with pytest.raises(InvalidTransaction) as err:
        decode(raw)
    assert str(err.value.code) == code


@pytest.mark.parametrize("raw", [b"", b"\x92\x01", b"\xc1", b"\x01\x02"])
def test_invalid_malformed_bytes(raw: bytes) -> None:
    with pytest.raises(InvalidTransaction) as err:
        decode(raw)
    assert str(err.value.code) == "codec/malformed"


def test_invalid_uint_leading_zero() -> None:
    with pytest.raises(InvalidTransaction):
        decode_uint(b"\x00\x01")


@given(values)
def test_remembered_bytes_decode_like_fresh_ones(value: object) -> None:
    raw = encode(value)  # type: ignore[arg-type]
    first = decode(raw)
    again = decode(raw)  # small values: answered from the remembered check
    assert again == first == value
    if isinstance(value, list):
        assert again is not first  # a fresh list each time: callers may keep or change it


def test_invalid_bytes_are_never_remembered() -> None:
    raw = b"\xce\x00\x00\x00\x01"  # non-canonical 1
    for _ in range(2):
        with pytest.raises(InvalidTransaction) as err:
            decode(raw)
        assert str(err.value.code) == "codec/non_canonical"
