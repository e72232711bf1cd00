"""Canonical, deterministic encoding of every consensus value (transactions, blocks, state).

The encoding is msgpack restricted to a positional schema: unsigned/signed integers, byte strings,
UTF-8 strings and lists. Maps, floats, booleans, nil and extension types are refused. A decoded
value must re-encode to exactly the input bytes, otherwise it is rejected as non-canonical, so every
value has one and only one byte form and hashes are well defined.

Integers in encoded values are limited to msgpack's range (-2**63 .. 2**64-1); unbounded amounts
(balances, supplies) are stored with `encode_uint`/`decode_uint`.

Whether bytes are a canonical, allowed encoding is a pure function of the bytes, so `decode`
remembers small byte strings it has accepted (organisation and asset records are read by every
transaction) and only unpacks them the next time; `tests/unit/test_codec.py` checks that a
remembered value decodes exactly as a fresh one.

Must never: accept a second byte form for a value; import from layers above.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import msgpack

from finchain.errors import InvalidTransaction, register_error

Value: TypeAlias = "int | bytes | str | list[Value]"

ERR_MALFORMED = register_error("codec", 1, "malformed", "bytes are not a valid encoding")
ERR_NON_CANONICAL = register_error(
    "codec", 2, "non_canonical", "the value has a shorter or different canonical encoding"
)
ERR_FORBIDDEN_TYPE = register_error(
    "codec", 3, "forbidden_type", "maps, floats, booleans, nil and extensions are not allowed"
)
ERR_TOO_LARGE = register_error("codec", 4, "too_large", "the encoded value exceeds the size limit")

MIN_INT = -(2**63)
MAX_INT = 2**64 - 1
MAX_DEPTH = 16
MAX_REMEMBERED_BYTES = 128  # longer values (transaction envelopes) are rarely decoded twice
MAX_REMEMBERED_VALUES = 8_192  # cleared when full

_accepted: set[bytes] = set()  # byte strings `decode` has checked; set operations hold the GIL


def encode(value: Value) -> bytes:
    """Encode a schema value canonically. Raises InvalidTransaction on a forbidden type."""
    _check_types(value, 0)
    return msgpack.packb(value, use_bin_type=True)  # type: ignore[no-any-return]


def decode(data: bytes, max_size: int | None = None) -> Any:
    """Decode canonical bytes; reject malformed, non-canonical or forbidden-type input.

    Returns a `Value` (typed `Any` so callers can unpack their positional schema directly).
    """
    if max_size is not None and len(data) > max_size:
        raise InvalidTransaction(
            ERR_TOO_LARGE, f"encoded value is {len(data)} bytes, limit {max_size}", limit=max_size
        )
    try:
        value = msgpack.unpackb(data, raw=False, use_list=True, strict_map_key=True)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise InvalidTransaction(ERR_MALFORMED, f"not a canonical msgpack value: {exc}") from None
    except Exception as exc:  # msgpack raises several private error types on truncated input
        raise InvalidTransaction(ERR_MALFORMED, f"cannot decode: {type(exc).__name__}") from None
    remember = type(data) is bytes and len(data) <= MAX_REMEMBERED_BYTES
    if remember and data in _accepted:
        return value
    _check_types(value, 0)
    if msgpack.packb(value, use_bin_type=True) != data:
        raise InvalidTransaction(ERR_NON_CANONICAL, "value is not in its canonical encoding")
    if remember:
        if len(_accepted) >= MAX_REMEMBERED_VALUES:
            _accepted.clear()
        _accepted.add(data)
    return value


def encode_uint(n: int) -> bytes:
    """Minimal big-endian bytes of a non-negative integer of any size (0 encodes as b'')."""
    if n < 0:
        raise ValueError("encode_uint takes non-negative integers")
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def decode_uint(data: bytes) -> int:
    """Inverse of encode_uint; rejects a leading zero byte (non-canonical)."""
    if data[:1] == b"\x00":
        raise InvalidTransaction(ERR_NON_CANONICAL, "integer has a leading zero byte")
    return int.from_bytes(data, "big")


def _check_types(value: object, depth: int) -> None:
    """Allow only int (in range), bytes, str and lists; leaves are checked inline (hot path)."""
    kind = type(value)
    if kind is bytes or kind is str:
        return
    if kind is int:
        if not MIN_INT <= value <= MAX_INT:  # type: ignore[operator]
            raise InvalidTransaction(ERR_FORBIDDEN_TYPE, "integer out of the encodable range")
        return
    if kind is not list:
        raise InvalidTransaction(ERR_FORBIDDEN_TYPE, f"type {kind.__name__} is not allowed")
    if depth >= MAX_DEPTH:
        raise InvalidTransaction(ERR_FORBIDDEN_TYPE, "value nested too deeply")
    for item in value:  # type: ignore[attr-defined]
        item_kind = type(item)
        if item_kind is bytes or item_kind is str:
            continue
        if item_kind is int and MIN_INT <= item <= MAX_INT:
            continue
        _check_types(item, depth + 1)
