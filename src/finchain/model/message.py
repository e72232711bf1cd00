"""Registered, versioned message types (`bank/Transfer@1`) and their positional encoding.

A message is a frozen dataclass whose fields are `int`, `str`, `bytes` or `Address`; it is encoded
as `[type_name, [field values in declaration order]]`. Each class is registered once with
`@message_type("module/Name@version")` and implements `validate_basic()` (stateless checks that
raise InvalidTransaction). The signer of every message is the transaction's sender.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, TypeVar

from finchain.codec import Value
from finchain.crypto import ADDRESS_LENGTH
from finchain.errors import InvalidTransaction, register_error

ERR_UNKNOWN_MESSAGE = register_error("tx", 10, "unknown_message", "no such message type")
ERR_BAD_MESSAGE = register_error("tx", 11, "bad_message", "message fields have the wrong shape")

_ALLOWED_FIELD_TYPES = (int, str, bytes)


class Msg(Protocol):
    TYPE: ClassVar[str]

    def validate_basic(self) -> None: ...


M = TypeVar("M")


@dataclasses.dataclass(frozen=True, slots=True)
class _MessageSpec:
    cls: type[Any]
    field_names: tuple[str, ...]
    field_types: tuple[type, ...]
    address_fields: frozenset[str]


_SPECS: dict[str, _MessageSpec] = {}


def message_type(type_name: str) -> Callable[[type[M]], type[M]]:
    """Class decorator: register a frozen dataclass as the message type `type_name`."""

    def register(cls: type[M]) -> type[M]:
        if type_name in _SPECS:
            raise ValueError(f"message type registered twice: {type_name}")
        hints = typing.get_type_hints(cls)
        names: list[str] = []
        kinds: list[type] = []
        addresses: set[str] = set()
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            hint = hints[field.name]
            base = getattr(hint, "__supertype__", hint)  # NewType -> its base
            if base not in _ALLOWED_FIELD_TYPES:
                raise TypeError(f"{type_name}.{field.name}: field type {hint} is not allowed")
            if getattr(hint, "__name__", "") == "Address":
                addresses.add(field.name)
            names.append(field.name)
            kinds.append(base)
        cls.TYPE = type_name  # type: ignore[attr-defined]
        _SPECS[type_name] = _MessageSpec(cls, tuple(names), tuple(kinds), frozenset(addresses))
        return cls

    return register


def registered_messages() -> list[str]:
    return sorted(_SPECS)


def encode_msg(msg: Any) -> list[Value]:
    spec = _SPECS[msg.TYPE]
    return [msg.TYPE, [getattr(msg, name) for name in spec.field_names]]


def decode_msg(value: Any) -> Any:
    """Build a message from its decoded value; reject unknown types and ill-typed fields."""
    if type(value) is not list or len(value) != 2:
        raise InvalidTransaction(ERR_BAD_MESSAGE, "a message is [type, [fields]]")
    type_name, fields = value
    if type(type_name) is not str or type(fields) is not list:
        raise InvalidTransaction(ERR_BAD_MESSAGE, "a message is [type, [fields]]")
    spec = _SPECS.get(type_name)
    if spec is None:
        raise InvalidTransaction(ERR_UNKNOWN_MESSAGE, f"unknown message type {type_name!r}")
    if len(fields) != len(spec.field_names):
        raise InvalidTransaction(
            ERR_BAD_MESSAGE,
            f"{type_name} has {len(spec.field_names)} fields, got {len(fields)}",
        )
    for name, kind, field_value in zip(spec.field_names, spec.field_types, fields, strict=True):
        if type(field_value) is not kind:
            raise InvalidTransaction(
                ERR_BAD_MESSAGE, f"{type_name}.{name} must be {kind.__name__}", field=name
            )
        if name in spec.address_fields and len(field_value) != ADDRESS_LENGTH:  # type: ignore[arg-type]
            raise InvalidTransaction(
                ERR_BAD_MESSAGE, f"{type_name}.{name} must be a 20-byte address", field=name
            )
    return spec.cls(*fields)
