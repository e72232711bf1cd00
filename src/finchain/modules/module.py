"""The module record: everything the application needs to know about one module, in one value.

Each module package exports one `Module` (in its `module.py`); one wiring list
(`finchain.node.wiring.MODULES`) names them in order, and the application, its router, its
queries, its genesis, its ante chain and the permission document iterate that list. None of them
imports a module package by name: a new module is its package plus one line in the list.

What a record declares:
- `name` and `prefixes`: the store prefixes it alone writes (a test checks that every prefix
  has exactly one owner and that no two overlap);
- `messages`: the message types it owns; `handlers` builds their handlers from the
  `Interfaces` the wiring resolves; `needs` names each interface a handler, hook or query of
  the module uses, with the `Protocol` from its `expected.py`; `provides` offers the
  module's own interfaces to the others (least privilege: bank offers a transfer-only
  interface, never mint or burn);
- `queries`: read-only query paths over a committed view;
- `genesis`: its section of the genesis document (init, and export from state);
- `invariants`: functions returning violations (an empty list when the state is sound);
- `end_block`: hooks run at the end of every block in the order of their `order`;
- `ante`: the steps it contributes to the one ante chain (`finchain.app.ante`), also ordered;
- `validator_updates`: for the module that owns the validator set, the block's changes for the
  consensus engine.

Must never: hold state of its own (records are frozen values), import another module's package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finchain.crypto import CryptoSuite
from finchain.model.tx import SignedTransaction
from finchain.modules.context import ExecutionContext
from finchain.state import StateReader, StateWriter

Handler = Callable[[ExecutionContext, Any], None]
Invariant = Callable[[StateReader], list[str]]

INTERFACE_DISPATCH = "app.dispatch"
"""The one interface the application itself provides: run a message as the router would
(`Callable[[ExecutionContext, Msg], None]`), for governance's passed actions."""


class Interfaces:
    """The interfaces the wiring resolved: a name -> the object a provider offered (usually a
    class or function building a view over a state, e.g. `MembersView`)."""

    __slots__ = ("_provided",)

    def __init__(self, provided: Mapping[str, object]) -> None:
        self._provided = dict(provided)

    def get(self, name: str) -> Any:
        """The interface `name` (KeyError names the missing one: a wiring bug, not bad input)."""
        try:
            return self._provided[name]
        except KeyError:
            raise KeyError(f"no module provides the interface {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._provided)


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What a query sees: a committed state view, its height and the block time at that height
    (read only when a query asks for it), and the wired interfaces."""

    state: StateReader
    height: int
    interfaces: Interfaces
    load_block_time_ms: Callable[[], int] = lambda: 0

    @property
    def block_time_ms(self) -> int:
        return self.load_block_time_ms()


Query = Callable[[QueryContext, dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class GenesisContext:
    """What a module's genesis init sees besides its section."""

    chain_id: str
    interfaces: Interfaces
    engine_validators: Sequence[tuple[bytes, int]] | None = None  # CometBFT's InitChain set


@dataclass(frozen=True, slots=True)
class GenesisPart:
    """A module's section of the genesis document (`section`, with `default` when absent)."""

    section: str
    init: Callable[[StateWriter, Any, GenesisContext], None]
    default: Callable[[], Any] = dict
    export: Callable[[StateReader], Any] | None = None  # the section rebuilt from state


@dataclass(frozen=True, slots=True)
class AnteContext:
    """What an ante step sees: the transaction's ante branch (its writes are kept even when a
    message later fails), the verified transaction and the wiring."""

    state: StateWriter
    stx: SignedTransaction
    suite: CryptoSuite
    interfaces: Interfaces


@dataclass(frozen=True, slots=True)
class AnteStep:
    """One step of the ante chain; steps run in ascending `order` (ties: an error at wiring)."""

    name: str
    order: int
    apply: Callable[[AnteContext], None]


@dataclass(frozen=True, slots=True)
class BlockHook:
    """End-of-block work, in ascending `order`, each on its own branch kept only on success."""

    name: str
    order: int
    run: Callable[[ExecutionContext, Interfaces], None]


@dataclass(frozen=True, slots=True)
class Module:
    """One module, as the application wires it (see the module docstring)."""

    name: str
    prefixes: tuple[bytes, ...]
    messages: tuple[type, ...] = ()
    handlers: Callable[[Interfaces], Mapping[type, Handler]] = lambda _: {}
    needs: Mapping[str, object] = field(default_factory=dict)
    provides: Mapping[str, object] = field(default_factory=dict)
    queries: Mapping[str, Query] = field(default_factory=dict)
    genesis: GenesisPart | None = None
    invariants: tuple[Invariant, ...] = ()
    end_block: tuple[BlockHook, ...] = ()
    ante: tuple[AnteStep, ...] = ()
    validator_updates: Callable[[StateReader, Mapping[bytes, bytes | None]], Any] | None = None
