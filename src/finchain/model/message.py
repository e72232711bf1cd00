"""Registered, versioned message types (`bank/Transfer@1`) and their positional encoding.

A message is a frozen dataclass whose fields are `int`, `str`, `bytes` or `Address`; it is encoded
as `[type_name, [field values in declaration order]]`. Each class is registered once with
`@message_type("module/Name@version", roles=...)` and implements `validate_basic()` (stateless
checks that raise InvalidTransaction). The signer of every message is the transaction's sender.

`roles` says which member organisations may send the type: `ANY_MEMBER`, a frozenset of role names
(the sender's organisation needs at least one of them), or `GOVERNANCE_ONLY` (the empty set: no
member sends it; it runs only as the action of a passed governance vote). The application's ante
enforces it (`tx/role_not_permitted`); handlers keep their finer checks (the asset's issuer, the
payment's sender). Role names are plain strings here: this layer knows no module, so a test checks
them against `finchain.modules.members.roles.ROLES`. `list_permissions()` is the table
`docs/permissions.md` is generated from (`scripts/gen_permissions.py`).
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Final, Literal, Protocol, TypeVar

from finchain.codec import Value
from finchain.crypto import ADDRESS_LENGTH
from finchain.errors import InvalidTransaction, register_error

ERR_UNKNOWN_MESSAGE = register_error("tx", 10, "unknown_message", "no such message type")
ERR_BAD_MESSAGE = register_error("tx", 11, "bad_message", "message fields have the wrong shape")

_ALLOWED_FIELD_TYPES = (int, str, bytes)


class AnyMember(enum.Enum):
    """The type of `ANY_MEMBER` (a one-value enum, so the type checker can narrow on it)."""

    ANY_MEMBER = "any member"


ANY_MEMBER: Final = AnyMember.ANY_MEMBER
"""`roles=ANY_MEMBER`: an account of any member organisation may send the type."""
GOVERNANCE_ONLY: Final[frozenset[str]] = frozenset()
"""`roles=GOVERNANCE_ONLY`: no member may send the type; only a passed governance vote runs it."""

AllowedRoles = frozenset[str] | Literal[AnyMember.ANY_MEMBER]


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
    roles: AllowedRoles


@dataclasses.dataclass(frozen=True, slots=True)
class Permission:
    """One row of the permission table: who may send `type_name`, and what the type does."""

    type_name: str
    roles: AllowedRoles
    description: str


_SPECS: dict[str, _MessageSpec] = {}


def message_type(type_name: str, *, roles: AllowedRoles) -> Callable[[type[M]], type[M]]:
    """Class decorator: register a frozen dataclass as the message type `type_name`, which
    members holding one of `roles` may send (`ANY_MEMBER`, or `GOVERNANCE_ONLY` for none)."""
    _validate_roles_declaration(type_name, roles)

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
        _SPECS[type_name] = _MessageSpec(
            cls, tuple(names), tuple(kinds), frozenset(addresses), roles
        )
        return cls

    return register


def registered_messages() -> list[str]:
    return sorted(_SPECS)


def message_fields(type_name: str) -> tuple[tuple[str, str], ...]:
    """The fields of a registered message type in declaration (wire) order, each with its kind:
    `"int"`, `"str"`, `"bytes"` or `"address"` (20 bytes); for builders generated from the
    registry (the SDK's, the CLI's `finchain tx`). InvalidTransaction if the type is unknown."""
    spec = _SPECS.get(type_name)
    if spec is None:
        raise InvalidTransaction(ERR_UNKNOWN_MESSAGE, f"unknown message type {type_name!r}")
    return tuple(
        (name, "address" if name in spec.address_fields else kind.__name__)
        for name, kind in zip(spec.field_names, spec.field_types, strict=True)
    )


def get_allowed_roles(type_name: str) -> AllowedRoles:
    """The roles declared for a registered message type (InvalidTransaction if unknown)."""
    spec = _SPECS.get(type_name)
    if spec is None:
        raise InvalidTransaction(ERR_UNKNOWN_MESSAGE, f"unknown message type {type_name!r}")
    return spec.roles


def list_permissions() -> list[Permission]:
    """Every registered message type with its allowed roles and the summary of its docstring,
    sorted by type name."""
    return [
        Permission(name, spec.roles, _describe(spec.cls)) for name, spec in sorted(_SPECS.items())
    ]


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


def _validate_roles_declaration(type_name: str, roles: object) -> None:
    if roles is ANY_MEMBER:
        return
    if type(roles) is not frozenset or not all(type(r) is str and r for r in roles):
        raise TypeError(
            f"{type_name}: roles must be ANY_MEMBER or a frozenset of role names, got {roles!r}"
        )


def _describe(cls: type[Any]) -> str:
    """The class docstring's first paragraph on one line; "" if it has none. A dataclass without
    a docstring gets its signature as `__doc__` (`Transfer(to: ...)`), not a description."""
    doc = cls.__doc__ or ""
    if doc.startswith(f"{cls.__name__}("):
        return ""
    first_paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(first_paragraph.split())
