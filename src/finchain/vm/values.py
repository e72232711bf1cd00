"""The values a contract stores, receives, returns and passes: their checks and byte form.

A contract value is `None`, `bool`, `int` (-2**63 .. 2**64-1), `str`, `bytes`, a `list` (tuples
become lists) or a `dict` with `str` or `int` keys, nested at most `MAX_DEPTH` deep. The byte
form is msgpack; dicts keep their insertion order. Decoding checks that the bytes re-encode to
themselves, so every value has exactly one byte form.
"""

from __future__ import annotations

from typing import Any

import msgpack

MAX_DEPTH = 16
MAX_VALUE_BYTES = 64 * 1024
MAX_VALUE_NODES = 100_000
MIN_INT = -(2**63)
MAX_INT = 2**64 - 1


class ValueError_(Exception):
    """A value outside the contract value domain (message says where)."""


def check_value(value: Any) -> Any:
    """`value` normalised (tuples to lists); raises ValueError_ when it is not a contract value.

    Counts every element it visits, shared ones each time (a list holding one list 100,000
    times is 100,000 elements): a value larger than MAX_VALUE_NODES is refused before its
    expanded size can cost anything (it could not be encoded within MAX_VALUE_BYTES anyway)."""
    visited = [0]
    return _check(value, 0, visited)


def _check(value: Any, depth: int, visited: list[int]) -> Any:
    visited[0] += 1
    if visited[0] > MAX_VALUE_NODES:
        raise ValueError_(f"a value has at most {MAX_VALUE_NODES} elements")
    if depth > MAX_DEPTH:
        raise ValueError_(f"values nest at most {MAX_DEPTH} deep")
    kind = type(value)
    if value is None or kind in (bool, str, bytes):
        return value
    if kind is int:
        if not MIN_INT <= value <= MAX_INT:
            raise ValueError_("integers must be within -2**63 .. 2**64-1 to be stored or passed")
        return value
    if kind in (list, tuple):
        return [_check(item, depth + 1, visited) for item in value]
    if kind is dict:
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if type(key) not in (str, int):
                raise ValueError_("dict keys must be str or int")
            out[_check(key, depth + 1, visited)] = _check(item, depth + 1, visited)
        return out
    raise ValueError_(f"a {kind.__name__} is not a contract value")


def encode_value(value: Any) -> bytes:
    data: bytes = msgpack.packb(check_value(value), use_bin_type=True)
    if len(data) > MAX_VALUE_BYTES:
        raise ValueError_(f"encoded value is {len(data)} bytes; the limit is {MAX_VALUE_BYTES}")
    return data


def decode_value(data: bytes, *, trusted: bool = False) -> Any:
    """The value `data` encodes. `trusted` skips the canonical-form check, for bytes this VM
    wrote itself (storage slots); input from transactions is always checked."""
    try:
        value = msgpack.unpackb(data, raw=False, strict_map_key=False, use_list=True)
    except Exception as exc:  # msgpack raises several unrelated types
        raise ValueError_(f"malformed value: {exc}") from None
    if not trusted and encode_value(value) != data:
        raise ValueError_("value is not in canonical form")
    return value


def to_json_value(value: Any) -> Any:
    """A contract value as JSON: bytes as hex, dict keys as text (JSON object keys are strings),
    integers as JSON integers, insertion order kept."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    return value


def encode_args(args: list[Any] | tuple[Any, ...]) -> bytes:
    """The bytes of a call's positional arguments (a list value)."""
    return encode_value(list(args))


def decode_args(data: bytes) -> list[Any]:
    if not data:
        return []
    value = decode_value(data)
    if type(value) is not list:
        raise ValueError_("call arguments must be a list")
    return list(value)
