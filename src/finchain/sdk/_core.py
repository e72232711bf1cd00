"""The SDK's sans-I/O core: API calls as generators of effects, run by a sync or async transport.

Every call of the v1 API (docs/api.md) is written once, as a generator method decorated with
`api_call`. It yields effects and gets their outcomes back:

    @api_call
    def get_asset(self, symbol: str) -> Call[AssetView]:
        reply = yield from self.request.steps("GET", f"/v1/assets/{symbol}")
        return AssetView.from_json(reply.json())

- `Request` (method, path, params, JSON or raw body, headers, and the signer of a signed read):
  the transport sends it and resumes the call with the reply, or throws NodeUnavailable into it.
- `Sleep`: the transport waits (`time.sleep` or `asyncio.sleep`) and resumes it.

The same method is then `client.get_asset("CNY")` on a `Client` (a `SyncRunner`: runs to the
value) and `await client.get_asset("CNY")` on an `AsyncClient` (an `AsyncRunner`); inside another
call, `yield from self.get_asset.steps("CNY")` runs it as part of that call. This is the h11 /
httpx split: the protocol lives here, the sockets in `_transport.py`.

Must never: open a connection, sleep, or sign with the wall clock (the transport stamps signed
reads as it sends them). It reads the monotonic clock for deadlines only.
Concurrency: a call is a plain generator, driven by one thread or task at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

if TYPE_CHECKING:
    from finchain.sdk._chain import ChainApi
    from finchain.sdk.results import TxResult
    from finchain.sdk.wallet import Wallet

P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
S = TypeVar("S")
A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class ReadSigner:
    """Who signs a request as a read (`read_signing`): a member's wallet for this chain."""

    wallet: Wallet
    chain_id: str
    legal_basis: str = ""


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to the node, relative to its base URL; `signer` makes it a signed read."""

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None
    signer: ReadSigner | None = None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait `seconds` before the call goes on (polling)."""

    seconds: float


Effect = Request | Sleep
Call = Generator[Effect, Any, T]
"""An API call in progress: it yields effects, is sent their outcomes and returns a T."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What performing an effect gave: a reply (None after a Sleep), or the error to raise."""

    reply: Any = None
    error: BaseException | None = None


class Stepper(Generic[T]):
    """Drives a call one effect at a time, so a transport's loop is only "perform, resume":

    stepper = Stepper(call)
    while (effect := stepper.next_effect()) is not None:
        stepper.resume(perform(effect))
    return stepper.value
    """

    def __init__(self, call: Call[T]) -> None:
        self._call = call
        self._outcome = Outcome()
        self._done = False
        self._value: T | None = None

    def next_effect(self) -> Effect | None:
        """The call's next effect, or None once it has returned (its value is `value`)."""
        outcome = self._outcome
        try:
            if outcome.error is not None:
                return self._call.throw(outcome.error)
            return self._call.send(outcome.reply)
        except StopIteration as stop:
            self._done = True
            self._value = stop.value
            return None

    def resume(self, outcome: Outcome) -> None:
        self._outcome = outcome

    @property
    def value(self) -> T:
        assert self._done, "the call has not returned yet"
        return self._value  # type: ignore[return-value]  # T may itself be None


class SyncDriver(Protocol):
    def run(self, call: Call[T]) -> T: ...


class AsyncDriver(Protocol):
    def run(self, call: Call[T]) -> Coroutine[Any, Any, T]: ...


class Runner:
    """Anything whose API calls a transport runs: a client or one of its module call groups."""

    _driver: SyncDriver | AsyncDriver

    def _run(self, call: Call[T]) -> Any:
        """Run `call` here: its value (sync) or an awaitable of it (async)."""
        return self._driver.run(call)


class SyncRunner(Runner):
    """Runs calls to their value over a blocking transport (`Client`)."""

    _driver: SyncDriver


class AsyncRunner(Runner):
    """Runs calls to awaitables over an asyncio transport (`AsyncClient`)."""

    _driver: AsyncDriver


class BoundCall(Generic[P, T_co]):
    """An API call bound to its client; `steps(...)` is the generator, for use in other calls."""

    def __init__(self, steps: Callable[Concatenate[Any, P], Call[Any]], owner: Any) -> None:
        self._steps = steps
        self._owner = owner
        self.__doc__ = steps.__doc__

    def steps(self, *args: P.args, **kwargs: P.kwargs) -> Generator[Effect, Any, T_co]:
        return self._steps(self._owner, *args, **kwargs)


class SyncCall(BoundCall[P, T_co]):
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T_co:
        return self._owner._run(self.steps(*args, **kwargs))  # type: ignore[no-any-return]


class AsyncCall(BoundCall[P, T_co]):
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T_co]:
        return self._owner._run(self.steps(*args, **kwargs))  # type: ignore[no-any-return]


class api_call(Generic[P, T]):  # lowercase: a decorator, like `property`
    """Decorator: an API call written once as a generator method (see the module docstring)."""

    def __init__(self, steps: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self._steps = steps
        self.__doc__ = steps.__doc__
        self.__name__ = steps.__name__

    @overload
    def __get__(self, owner: SyncRunner, owner_type: type | None = None) -> SyncCall[P, T]: ...

    @overload
    def __get__(self, owner: AsyncRunner, owner_type: type | None = None) -> AsyncCall[P, T]: ...

    @overload
    def __get__(self, owner: object, owner_type: type | None = None) -> BoundCall[P, T]: ...

    def __get__(self, owner: object, owner_type: type | None = None) -> Any:
        if owner is None:
            return self
        if isinstance(owner, SyncRunner):
            return SyncCall(self._steps, owner)
        if isinstance(owner, AsyncRunner):
            return AsyncCall(self._steps, owner)
        return BoundCall(self._steps, owner)


class ModuleApi(Runner):
    """A module's call group (`client.clearing`, ...), run by the transport of its client."""

    def __init__(self, client: ChainApi) -> None:
        self._client = client
        self._driver = client._driver

    def _submit(self, wallet: Wallet, msg: Any, **options: Any) -> Call[TxResult]:
        """Sign `msg` from `wallet`, submit it and check the receipt (`sign_and_submit`)."""
        return (yield from self._client.sign_and_submit.steps(wallet, msg, **options))


class module_calls(Generic[S, A]):  # lowercase: a descriptor, like `property`
    """A client's module call group, declared once for both clients: a `SyncRunner` gets an
    instance of `sync_type`, an `AsyncRunner` one of `async_type` (made on first use)."""

    def __init__(self, sync_type: Callable[[Any], S], async_type: Callable[[Any], A]) -> None:
        self._sync_type = sync_type
        self._async_type = async_type
        self._name = ""

    def __set_name__(self, owner_type: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, owner: SyncRunner, owner_type: type | None = None) -> S: ...

    @overload
    def __get__(self, owner: AsyncRunner, owner_type: type | None = None) -> A: ...

    @overload
    def __get__(self, owner: object, owner_type: type | None = None) -> S | A: ...

    def __get__(self, owner: object, owner_type: type | None = None) -> Any:
        if owner is None:
            return self
        make = self._sync_type if isinstance(owner, SyncRunner) else self._async_type
        group = make(owner)
        owner.__dict__[self._name] = group  # a plain attribute from now on
        return group
