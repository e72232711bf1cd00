"""Running one contract function: the call's globals, the contract API, and the `Host` it uses.

`execute` loads a compiled contract into fresh globals (nothing survives between calls except
through storage), checks the arguments against the ABI and calls the function. The contract sees
`finchain.contract` as an object built for this call:

| name | what it does |
|---|---|
| `export` | marks a function callable by transactions and queries (and lists it in the ABI) |
| `Value(name)` | one stored value: `.get(default)`, `.set(value)` |
| `Map(name)` | values by key (scalar or tuple): `m[k]`, `m.get(k, d)`, `m[k] = v`, `del m[k]` |
| `ctx` | `caller`, `origin`, `contract`, `height`, `time_ms`, `tx_hash`, `asset`, `amount` |
| `emit(name, **attrs)` | an event `contract.<name>` (attribute values: str, int, bool, bytes) |
| `require(cond, msg)` | abort the call with `msg` unless `cond` |
| `ContractError(msg)` | raise it to abort the call with `msg` |
| `call(contract, fn, *args)` | call another contract's exported function (as this contract) |
| `transfer(to, asset, amount)` | move this contract's own bank-module asset to `to` |
| `balance(asset, account="")` | a balance (default: this contract's) |
| `sha256(data)` | hex digest of str (UTF-8) or bytes |

The `Host` (the contracts module) does storage, events, assets and nested calls; it refuses
writes in a read-only query. Failures other than `ContractError` are reported with their type.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Protocol

import msgpack

from finchain.vm.abi import CONSTRUCTOR, AbiError
from finchain.vm.compiler import CompiledContract
from finchain.vm.guards import PUBLIC_ATTRIBUTES, WRITABLE_TYPES, Guards, make_builtins
from finchain.vm.meter import (
    ASSET_TRANSFER,
    EVENT,
    EVENT_PER_BYTE,
    SIZE_DIVISOR,
    STORAGE_READ,
    STORAGE_READ_PER_BYTE,
    STORAGE_WRITE,
    STORAGE_WRITE_PER_BYTE,
    Meter,
)
from finchain.vm.values import (
    MAX_INT,
    MAX_VALUE_BYTES,
    MIN_INT,
    ValueError_,
    check_value,
    decode_value,
    encode_value,
)

CONTRACT_MODULE = "finchain.contract"
_STORAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
MAX_EVENT_ATTRIBUTES = 16
MAX_EVENT_VALUE = 1_024
MAX_MESSAGE = 256


class ContractError(Exception):
    """Raised by contract code (or `require`) to abort its call with a message."""


class ContractFailure(Exception):
    """A failure the host or the VM reports with a stable reason (`name`), e.g. `bad_args`."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a contract knows about its call; addresses are `0x...` strings."""

    caller: str
    origin: str
    contract: str
    height: int
    time_ms: int
    tx_hash: str
    asset: str = ""
    amount: int = 0


class Host(Protocol):
    """The ledger as a contract may touch it (implemented by the contracts module)."""

    def storage_get(self, contract: str, key: bytes) -> bytes | None: ...

    def storage_set(self, contract: str, key: bytes, value: bytes) -> None: ...

    def storage_delete(self, contract: str, key: bytes) -> None: ...

    def emit(self, contract: str, name: str, attributes: list[tuple[str, str]]) -> None: ...

    def transfer(self, contract: str, to: str, asset: str, amount: int) -> None: ...

    def balance(self, account: str, asset: str) -> int: ...

    def call(
        self, context: CallContext, target: str, function: str, args: list[Any], meter: Meter
    ) -> Any: ...


_MISSING = object()


class _Storage:
    """Reads and writes of one contract's storage, metered."""

    __slots__ = ("contract", "guards", "host")

    def __init__(self, host: Host, contract: str, guards: Guards) -> None:
        self.host, self.contract, self.guards = host, contract, guards

    def read(self, key: bytes) -> Any:
        raw = self.host.storage_get(self.contract, key)
        self.guards.tick(STORAGE_READ + STORAGE_READ_PER_BYTE * len(raw or b""))
        return _MISSING if raw is None else decode_value(raw, trusted=True)

    def write(self, key: bytes, value: Any) -> None:
        try:
            raw = encode_value(value)
        except ValueError_ as exc:
            raise ContractFailure("bad_value", str(exc)) from None
        self.guards.tick(STORAGE_WRITE + STORAGE_WRITE_PER_BYTE * (len(key) + len(raw)))
        self.host.storage_set(self.contract, key, raw)

    def delete(self, key: bytes) -> None:
        self.guards.tick(STORAGE_WRITE)
        self.host.storage_delete(self.contract, key)


def _storage_prefix(name: Any) -> bytes:
    if type(name) is not str or not _STORAGE_NAME.fullmatch(name):
        raise ContractFailure("bad_value", "a storage name is letters, digits and _ (<= 32)")
    return name.encode() + b"\x00"


def _map_key(key: Any) -> bytes:
    kind = type(key)
    if kind is str or kind is bytes or kind is bool or (kind is int and MIN_INT <= key <= MAX_INT):
        packed: bytes = msgpack.packb([key], use_bin_type=True)  # what encode_value gives
        if len(packed) <= MAX_VALUE_BYTES:
            return packed
    parts = key if kind is tuple else (key,)
    if not parts or any(type(p) not in (int, str, bytes, bool) for p in parts):
        raise ContractFailure("bad_value", "map keys are int, str, bytes, bool or tuples of them")
    try:
        return encode_value(list(parts))
    except ValueError_ as exc:
        raise ContractFailure("bad_value", str(exc)) from None


class StoredValue:
    """`Value(name)`: one value in the contract's storage."""

    __slots__ = ("_key", "_storage")

    def __init__(self, storage: _Storage, name: Any) -> None:
        self._storage, self._key = storage, _storage_prefix(name)

    def get(self, default: Any = None) -> Any:
        value = self._storage.read(self._key)
        return default if value is _MISSING else value

    def set(self, value: Any) -> None:
        self._storage.write(self._key, value)


class StoredMap:
    """`Map(name)`: values by key in the contract's storage."""

    __slots__ = ("_prefix", "_storage")

    def __init__(self, storage: _Storage, name: Any) -> None:
        self._storage, self._prefix = storage, _storage_prefix(name)

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._storage.read(self._prefix + _map_key(key))
        return default if value is _MISSING else value

    def __getitem__(self, key: Any) -> Any:
        value = self._storage.read(self._prefix + _map_key(key))
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: Any) -> bool:
        return self._storage.read(self._prefix + _map_key(key)) is not _MISSING


class _MapWriter:
    """What `_write_(map)` returns: item assignment and deletion only."""

    __slots__ = ("_map",)

    def __init__(self, target: StoredMap) -> None:
        self._map = target

    def __setitem__(self, key: Any, value: Any) -> None:
        target = self._map
        target._storage.write(target._prefix + _map_key(key), value)

    def __delitem__(self, key: Any) -> None:
        target = self._map
        target._storage.delete(target._prefix + _map_key(key))


PUBLIC_ATTRIBUTES[StoredValue] = frozenset({"get", "set"})
PUBLIC_ATTRIBUTES[StoredMap] = frozenset({"get"})
PUBLIC_ATTRIBUTES[CallContext] = frozenset(CallContext.__dataclass_fields__)
WRITABLE_TYPES[StoredMap] = _MapWriter


class _ContractModule:
    """The `finchain.contract` module as one call sees it."""

    def __init__(self, host: Host, context: CallContext, guards: Guards) -> None:
        storage = _Storage(host, context.contract, guards)
        tick = guards.tick

        def export(function: Any) -> Any:
            return function

        def value(name: str) -> StoredValue:
            return StoredValue(storage, name)

        def map_(name: str) -> StoredMap:
            return StoredMap(storage, name)

        def emit(name: str, **attributes: Any) -> None:
            if type(name) is not str or not _EVENT_NAME.fullmatch(name):
                raise ContractFailure("bad_value", "an event name is letters, digits and _ (<= 32)")
            if len(attributes) > MAX_EVENT_ATTRIBUTES:
                raise ContractFailure("bad_value", f"at most {MAX_EVENT_ATTRIBUTES} attributes")
            pairs = [(key, _event_text(item)) for key, item in attributes.items()]
            size = len(name) + sum(len(k) + len(v) for k, v in pairs)
            tick(EVENT + EVENT_PER_BYTE * size)
            host.emit(context.contract, name, pairs)

        def require(condition: Any, message: str = "requirement failed") -> None:
            if not condition:
                raise ContractError(message)

        def call(target: str, function: str, *args: Any) -> Any:
            try:
                values = check_value(list(args))
            except ValueError_ as exc:
                raise ContractFailure("bad_args", str(exc)) from None
            return host.call(context, target, function, values, guards.meter)

        def transfer(to: str, asset: str, amount: int) -> None:
            tick(ASSET_TRANSFER)
            host.transfer(context.contract, to, asset, amount)

        def balance(asset: str, account: str = "") -> int:
            tick(STORAGE_READ)
            return host.balance(account or context.contract, asset)

        def sha256(data: str | bytes) -> str:
            raw = data.encode() if type(data) is str else data
            if type(raw) is not bytes:
                raise TypeError("sha256 takes str or bytes")
            tick(10 + len(raw) // SIZE_DIVISOR)
            digest: str = hashlib.sha256(raw).hexdigest()
            return digest

        self.export = export
        self.Value = value
        self.Map = map_
        self.ctx = context
        self.emit = emit
        self.require = require
        self.ContractError = ContractError
        self.call = call
        self.transfer = transfer
        self.balance = balance
        self.sha256 = sha256


def _event_text(value: Any) -> str:
    kind = type(value)
    if kind is bytes:
        text: str = value.hex()
    elif kind in (str, int, bool):
        text = str(value)
    else:
        raise ContractFailure("bad_value", f"event attribute of type {kind.__name__}")
    if len(text) > MAX_EVENT_VALUE:
        raise ContractFailure("bad_value", f"event attribute longer than {MAX_EVENT_VALUE}")
    return text


def execute(
    compiled: CompiledContract,
    function: str,
    args: list[Any],
    host: Host,
    context: CallContext,
    meter: Meter,
) -> Any:
    """Run `function(*args)` of `compiled`; returns its (checked) return value.

    Raises ContractFailure (unknown function, bad arguments, bad values), ContractError (the
    contract aborted), ContractAbort (out of compute, a cap) or any exception the contract's
    own code raised (a TypeError, a KeyError...): the caller treats every one as a failed call.
    """
    abi = compiled.abi
    target = abi.constructor if function == CONSTRUCTOR else abi.find(function)
    if target is None:
        shown = repr(function) if type(function) is str else f"<{type(function).__name__}>"
        raise ContractFailure("unknown_function", f"the contract exports no {shown[:80]}")
    try:
        target.check_args(args)
    except AbiError as exc:
        raise ContractFailure("bad_args", str(exc)) from None
    guards = Guards(meter)
    module = _ContractModule(host, context, guards)

    def importer(name: str, *_: Any) -> Any:
        if name != CONTRACT_MODULE:
            raise ImportError(f"no module {name!r} in contracts")
        return module

    scope: dict[str, Any] = {"__builtins__": make_builtins(guards, importer), **guards.names()}
    scope["__name__"] = "contract"
    exec(compiled.code, scope)
    result = scope[function](*args)
    try:
        return check_value(result)
    except ValueError_ as exc:
        raise ContractFailure("bad_value", f"return value: {exc}") from None
