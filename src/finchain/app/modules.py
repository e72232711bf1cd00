"""The module set: a wiring list of `Module` records, checked once and iterated by the application.

`ModuleSet(modules)` refuses a wiring that could not work (with `WiringError`, at start-up, never
during a block): two modules of one name, a store prefix with two owners or inside another's, a
message type, query path, genesis section, ante order or hook order claimed twice, an interface
offered twice or needed but offered by nobody, or a provider lacking a method its `Protocol`
declares. After that the application only iterates: `handlers()`, `queries`, `genesis_parts`,
`ante_steps`, `end_block_hooks`, `invariants`.

Must never: import a module package (the list arrives from the composition root).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from finchain.modules.module import (
    INTERFACE_DISPATCH,
    AnteStep,
    BlockHook,
    GenesisPart,
    Handler,
    Interfaces,
    Invariant,
    Module,
    Query,
)
from finchain.state import StateReader


class WiringError(Exception):
    """The wiring list is inconsistent: a programming error found at start-up."""


class ModuleSet:
    """The wired modules in their declared order, with everything they contribute indexed."""

    def __init__(self, modules: Sequence[Module]) -> None:
        self.modules: tuple[Module, ...] = tuple(modules)
        _check_unique("module name", [(m.name, m.name) for m in self.modules])
        _check_prefixes(self.modules)
        self.provided: dict[str, object] = _collect(
            "interface", ((m.name, m.provides) for m in self.modules)
        )
        self.queries: dict[str, Query] = _collect(
            "query path", ((m.name, m.queries) for m in self.modules)
        )
        self.genesis_parts: tuple[GenesisPart, ...] = tuple(
            m.genesis for m in self.modules if m.genesis is not None
        )
        _check_unique("genesis section", [(m.name, p.section) for m, p in self._with_genesis()])
        self.ante_steps: tuple[AnteStep, ...] = _ordered(
            "ante step", [(m.name, s) for m in self.modules for s in m.ante]
        )
        self.end_block_hooks: tuple[BlockHook, ...] = _ordered(
            "end-of-block hook", [(m.name, h) for m in self.modules for h in m.end_block]
        )
        self.invariants: tuple[Invariant, ...] = tuple(
            i for m in self.modules for i in m.invariants
        )
        updates = [m.validator_updates for m in self.modules if m.validator_updates is not None]
        if len(updates) > 1:
            raise WiringError("two modules compute validator updates")
        self.validator_updates = updates[0] if updates else None
        self.message_types: dict[type, str] = _collect(
            "message type", ((m.name, dict.fromkeys(m.messages, m.name)) for m in self.modules)
        )
        _check_needs(self.modules, self.provided)

    def interfaces(self, dispatch: Callable[..., None]) -> Interfaces:
        """The interfaces every module offers, plus the application's `dispatch`."""
        return Interfaces({**self.provided, INTERFACE_DISPATCH: dispatch})

    def handlers(self, interfaces: Interfaces) -> dict[type, Handler]:
        """Every message type's handler; each module must handle exactly the types it owns."""
        table: dict[type, Handler] = {}
        for module in self.modules:
            built = dict(module.handlers(interfaces))
            if set(built) != set(module.messages):
                raise WiringError(f"module {module.name}: handlers do not match its messages")
            table.update(built)
        return table

    def prefix_owners(self) -> dict[bytes, str]:
        """Every store prefix and the module that owns it."""
        return {prefix: m.name for m in self.modules for prefix in m.prefixes}

    def owner_of_key(self, key: bytes) -> str | None:
        """The module whose prefix `key` falls under (None: a key no module owns)."""
        for prefix, owner in self.prefix_owners().items():
            if key.startswith(prefix):
                return owner
        return None

    def find(self, name: str) -> Module | None:
        return next((m for m in self.modules if m.name == name), None)

    def _with_genesis(self) -> list[tuple[Module, GenesisPart]]:
        return [(m, m.genesis) for m in self.modules if m.genesis is not None]


def _check_unique(what: str, claims: Iterable[tuple[str, object]]) -> None:
    owners: dict[object, str] = {}
    for owner, item in claims:
        if item in owners:
            raise WiringError(f"{what} {item!r} is claimed by {owners[item]} and {owner}")
        owners[item] = owner


def _collect(what: str, parts: Iterable[tuple[str, Mapping[Any, Any]]]) -> dict[Any, Any]:
    merged: dict[Any, Any] = {}
    owners: dict[Any, str] = {}
    for owner, mapping in parts:
        for key, value in mapping.items():
            if key in merged:
                raise WiringError(f"{what} {key!r} is claimed by {owners[key]} and {owner}")
            merged[key], owners[key] = value, owner
    return merged


def _ordered(what: str, items: list[tuple[str, AnteStep]] | list[tuple[str, BlockHook]]) -> Any:
    _check_unique(f"{what} order", [(owner, item.order) for owner, item in items])
    return tuple(item for _, item in sorted(items, key=lambda pair: pair[1].order))


def _check_prefixes(modules: Sequence[Module]) -> None:
    claims = sorted((prefix, m.name) for m in modules for prefix in m.prefixes)
    for (prefix, owner), (other, other_owner) in pairwise(claims):
        if other.startswith(prefix):
            raise WiringError(
                f"store prefix {other!r} of {other_owner} lies under {prefix!r} of {owner}"
            )
    for prefix, owner in claims:
        if not prefix.endswith(b"/"):
            raise WiringError(f"store prefix {prefix!r} of {owner} must end with '/'")


def _check_needs(modules: Sequence[Module], provided: Mapping[str, object]) -> None:
    for module in modules:
        for name, protocol in module.needs.items():
            if name == INTERFACE_DISPATCH:
                continue
            if name not in provided:
                raise WiringError(f"module {module.name} needs {name!r}, which no module offers")
            missing = _missing_members(provided[name], protocol)
            if missing:
                raise WiringError(
                    f"the interface {name!r} lacks {missing} that {module.name} expects"
                )


def _missing_members(provider: object, protocol: object) -> list[str]:
    """Public methods `protocol` declares that `provider` (a class, or a factory returning one)
    does not have. A plain function provider is checked by the type checker only."""
    cls = provider if isinstance(provider, type) else None
    if cls is None or not isinstance(protocol, type):
        return []
    declared = [
        name
        for name, value in vars(protocol).items()
        if not name.startswith("_") and callable(value)
    ]
    return [name for name in declared if not callable(getattr(cls, name, None))]


def run_invariants(invariants: Iterable[Invariant], state: StateReader) -> list[str]:
    return [violation for invariant in invariants for violation in invariant(state)]
