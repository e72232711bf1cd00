"""`client.contracts`: deploy, call and query members' Python smart contracts, with typed call
helpers built from a contract's ABI.

    with Client(url) as client:
        deployed = client.contracts.deploy(bank_a, source, "TOK", 1_000)   # init("TOK", 1000)
        token = client.contracts.at(deployed.address)           # reads the ABI once
        token.call.transfer(bank_a, bank_b.address_hex, 10)     # a transaction, checked first
        token.query.balance_of(bank_b.address_hex)              # read-only: 10
        client.contracts.events(deployed.address)               # its contract.* events

Arguments are contract values (None, bool, int, str, bytes, list, dict); addresses are `0x…`
strings. `deploy` and `call` always wait for commit: `deploy` returns the new address, code hash
and compute used (from the receipt's `contracts.deployed` event), `call` the compute used and the
contract's own events. A transaction does not return the function's value; read state with a
query. Both raise like every typed call: FinchainApiError when the node refuses the transaction
(a call that fails when the node checks it, e.g. `contracts/reverted`, is refused before any
block), TransactionFailed for a failed receipt. `fee` must cover `compute_limit` at the chain's
`compute_price` (`params()`; else `contracts/fee_too_low` with `required_fee` in its details).

`query` runs a function read-only at a committed height (no fee, no writes: a write is refused
with `contracts/read_only`) and returns a `ContractQueryResult`; bytes go over JSON as hex both
ways (a `bytes` parameter takes hex text). The handle from `at()` checks argument count and
types against the ABI before anything is sent (ContractArgsError naming the function and the
parameter): `handle.query.<fn>(*args)` returns the value itself, `handle.call.<fn>(wallet, *args)`
a `CallResult`. With AsyncClient the same calls are awaited (`await client.contracts.at(...)`).

Reads are public within the consortium (no reader needed). `events` asks the node for at most
`MAX_EVENT_BLOCKS` blocks at a time and pages through longer ranges.

Must never: sign on anyone's behalf; every transaction is signed by the wallet given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finchain.sdk._core import AsyncRunner, Call, ModuleApi, SyncRunner, api_call
from finchain.sdk.errors import ContractArgsError, SdkError
from finchain.sdk.messages import make_call, make_deploy
from finchain.sdk.results import EventView, TxResult
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import AddressInput, coerce_address, compute_height_params
from finchain.vm.abi import AbiError, AbiFunction, args_from_json

CONTRACTS_PATH = "/v1/contracts"
DEFAULT_COMPUTE_LIMIT = 1_000_000
MAX_EVENT_BLOCKS = 10_000  # the node's limit per events request
DEPLOYED_EVENT = "contracts.deployed"
CALLED_EVENT = "contracts.called"
CONTRACT_EVENT_PREFIX = "contract."

# Aliases, because `list` is also a method name in the classes below.
ContractRecords = list[dict[str, Any]]
ContractEvents = list["ContractEvent"]
FunctionFactory = Callable[[AbiFunction], Callable[..., Any]]


@dataclass(frozen=True, slots=True)
class Deployed:
    """A committed deploy: the contract's address (`0x…`), code hash (hex), the compute its
    deploy used (init included) and the transaction's result."""

    address: str
    code_hash: str
    compute_used: int
    tx: TxResult


@dataclass(frozen=True, slots=True)
class CallResult:
    """A committed call: the compute it used, the `contract.*` events it emitted (of every
    contract it reached), the function's return value (JSON form, bytes as hex; `None` when the
    node left a long value out of the event, see `result_text`) and the transaction's result."""

    compute_used: int
    events: tuple[EventView, ...]
    tx: TxResult
    result: Any = None
    result_text: str = ""


@dataclass(frozen=True, slots=True)
class ContractQueryResult:
    """A read-only call's return value (bytes as hex), compute used and the height read."""

    result: Any
    compute_used: int
    height: int


@dataclass(frozen=True, slots=True)
class ContractEvent:
    """One event a contract emitted: `name` is `Transfer` for type `contract.Transfer`;
    `attributes` start with `contract` (the emitter); `index` is the transaction's in its block."""

    name: str
    attributes: Mapping[str, str]
    height: int
    index: int
    tx_hash: str

    @property
    def type(self) -> str:
        return CONTRACT_EVENT_PREFIX + self.name

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ContractEvent:
        return ContractEvent(
            name=str(data["type"]).removeprefix(CONTRACT_EVENT_PREFIX),
            attributes={str(k): str(v) for k, v in dict(data.get("attributes") or {}).items()},
            height=int(data["height"]),
            index=int(data.get("index", 0)),
            tx_hash=str(data.get("tx_hash", "")),
        )


@dataclass(frozen=True, slots=True)
class ContractHandle:
    """A deployed contract with its ABI: `query.<fn>(*args, caller=None, height=None)` runs a
    function read-only and returns its value; `call.<fn>(wallet, *args, compute_limit=...,
    asset="", amount=0, fee=0, memo="")` sends it as a transaction and returns a CallResult.
    Arguments are checked against the ABI first (ContractArgsError). From an AsyncClient both
    return awaitables."""

    address: str
    abi: Mapping[str, AbiFunction]
    query: FunctionSet = field(repr=False)
    call: FunctionSet = field(repr=False)

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(self.abi)


class FunctionSet:
    """`handle.query` / `handle.call`: one attribute per exported function of the ABI."""

    def __init__(self, address: str, abi: Mapping[str, AbiFunction], bind: FunctionFactory) -> None:
        self._address = address
        self._abi = abi
        self._bind = bind

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = self._abi.get(name)
        if function is None or name.startswith("_"):
            raise AttributeError(
                f"contract {self._address} exports no {name!r}; it has {sorted(self._abi)}"
            )
        return self._bind(function)

    def __dir__(self) -> list[str]:
        return sorted(self._abi)


# ---- pure helpers -------------------------------------------------------


def compute_contract_path(contract: AddressInput, suffix: str = "") -> str:
    return f"{CONTRACTS_PATH}/{coerce_address(contract)}{suffix}"


def parse_abi(info: Mapping[str, Any]) -> dict[str, AbiFunction]:
    """The exported functions of `GET /v1/contracts/{address}`'s `abi`, by name."""
    functions = dict(info["abi"]).get("functions") or []
    return {
        str(f["name"]): AbiFunction(
            str(f["name"]),
            tuple((str(p["name"]), str(p["type"])) for p in f.get("params", ())),
            str(f.get("returns") or ""),
            str(f.get("doc") or ""),
        )
        for f in functions
    }


def check_contract_args(function: AbiFunction, args: Sequence[Any]) -> list[Any]:
    """`args` normalised (tuples to lists, bytearray to bytes) and checked against the ABI:
    count and exact types (a bool is not an int). ContractArgsError names what is wrong."""
    values = [_normalise(value) for value in args]
    try:
        function.check_args(values)
    except AbiError as exc:
        params = ", ".join(f"{n}: {t}" for n, t in function.params)
        raise ContractArgsError(f"{exc} (signature: {function.name}({params}))") from None
    return values


def convert_json_args(function: AbiFunction, values: Sequence[Any]) -> list[Any]:
    """JSON arguments (e.g. from a command line) as a transaction needs them: hex text becomes
    bytes for `bytes` parameters; then checked like `check_contract_args`."""
    try:
        converted = args_from_json(function, list(values))
    except AbiError as exc:
        raise ContractArgsError(str(exc)) from None
    return check_contract_args(function, converted)


def build_query_body(
    function: str,
    args: Sequence[Any],
    caller: AddressInput | None,
    height: int | None,
    compute_limit: int | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"function": function, "args": [encode_json_value(a) for a in args]}
    if caller is not None:
        body["caller"] = coerce_address(caller)
    if height is not None:
        body["height"] = int(height)
    if compute_limit is not None:
        body["compute_limit"] = int(compute_limit)
    return body


def encode_json_value(value: Any) -> Any:
    """A contract value as JSON: bytes as hex text (the node turns it back for bytes params)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [encode_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: encode_json_value(item) for key, item in value.items()}
    return value


def build_event_params(from_height: int | None, to_height: int | None) -> dict[str, int]:
    params = {"from_height": from_height, "to_height": to_height}
    return {name: int(value) for name, value in params.items() if value is not None}


def compute_event_windows(start: int, end: int) -> list[tuple[int, int]]:
    """`start..end` cut into requests of at most MAX_EVENT_BLOCKS blocks (one if empty)."""
    if start > end:
        return [(start, end)]  # the node explains what is wrong with the range
    return [
        (a, min(a + MAX_EVENT_BLOCKS - 1, end)) for a in range(start, end + 1, MAX_EVENT_BLOCKS)
    ]


def make_deployed(result: TxResult) -> Deployed:
    event = None if result.receipt is None else result.receipt.find_event(DEPLOYED_EVENT)
    if event is None:
        raise SdkError(f"transaction {result.hash} has no {DEPLOYED_EVENT} event")
    attributes = event.attributes
    return Deployed(
        attributes["contract"],
        attributes.get("code_hash", ""),
        int(attributes.get("compute_used", 0)),
        result,
    )


def make_call_result(result: TxResult) -> CallResult:
    receipt = result.receipt
    if receipt is None:
        raise SdkError(f"transaction {result.hash} has no receipt")
    called = receipt.find_event(CALLED_EVENT)
    compute_used = 0 if called is None else int(called.attributes.get("compute_used", 0))
    events = tuple(e for e in receipt.events if e.type.startswith(CONTRACT_EVENT_PREFIX))
    text = "" if called is None else str(called.attributes.get("result", ""))
    value = None if not text or text.startswith("sha256:") else json.loads(text)
    return CallResult(compute_used, events, result, value, text)


def make_query_result(data: Mapping[str, Any]) -> ContractQueryResult:
    return ContractQueryResult(data["result"], int(data["compute_used"]), int(data["height"]))


def _normalise(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, bytearray):
        return bytes(value)
    return value


# ---- the calls ---------------------------------------------------------------------------------


class ContractsApi(ModuleApi):
    """`client.contracts.*`, written once (`_core`): `ContractCalls` runs it,
    `AsyncContractCalls` awaits it (and its handles' functions return awaitables)."""

    # ---- transactions ------------------------------------------------------------------------

    @api_call
    def deploy(
        self,
        wallet: Wallet,
        code: str,
        *init_args: Any,
        compute_limit: int = DEFAULT_COMPUTE_LIMIT,
        fee: int = 0,
        memo: str = "",
    ) -> Call[Deployed]:
        """Deploy `code` (Python source) and run its `init(*init_args)`; waits for commit."""
        msg = make_deploy(code, init_args, compute_limit)
        return make_deployed((yield from self._submit(wallet, msg, fee=fee, memo=memo)))

    @api_call
    def call(
        self,
        wallet: Wallet,
        contract: AddressInput,
        function: str,
        *args: Any,
        compute_limit: int = DEFAULT_COMPUTE_LIMIT,
        asset: str = "",
        amount: int = 0,
        fee: int = 0,
        memo: str = "",
    ) -> Call[CallResult]:
        """Call `function(*args)` as a transaction, paying the contract `amount` minor units of
        `asset` first if given; waits for commit."""
        msg = make_call(contract, function, args, compute_limit, asset, amount)
        return make_call_result((yield from self._submit(wallet, msg, fee=fee, memo=memo)))

    # ---- reads -------------------------------------------------------------------------------

    @api_call
    def query(
        self,
        contract: AddressInput,
        function: str,
        *args: Any,
        caller: AddressInput | None = None,
        height: int | None = None,
        compute_limit: int | None = None,
    ) -> Call[ContractQueryResult]:
        """Run `function(*args)` read-only (`ctx.caller` is `caller`, default all zeros)."""
        body = build_query_body(function, args, caller, height, compute_limit)
        path = compute_contract_path(contract, "/query")
        return make_query_result((yield from self._client.post_json.steps(path, body)))

    @api_call
    def info(self, contract: AddressInput, height: int | None = None) -> Call[dict[str, Any]]:
        """`{address, code_hash, deployer, org, height, upgraded_height, abi: {functions,
        constructor}}` (FinchainApiError 404 `contracts/unknown_contract` if there is none)."""
        path = compute_contract_path(contract)
        return dict((yield from self._client.get_json.steps(path, compute_height_params(height))))

    @api_call
    def code(self, contract: AddressInput, height: int | None = None) -> Call[str]:
        """The contract's Python source."""
        path = compute_contract_path(contract, "/code")
        data = yield from self._client.get_json.steps(path, compute_height_params(height))
        return str(data["code"])

    @api_call
    def events(
        self,
        contract: AddressInput,
        from_height: int | None = None,
        to_height: int | None = None,
    ) -> Call[ContractEvents]:
        """The contract's own events in committed blocks `from_height..to_height` (default: to
        the latest; without `from_height`, the last MAX_EVENT_BLOCKS blocks), oldest first."""
        if from_height is None:
            return (yield from self._load_events(contract, None, to_height))
        end = to_height
        if end is None:
            end = (yield from self._client.status.steps()).height
        found: ContractEvents = []
        for start, stop in compute_event_windows(from_height, end):
            found += yield from self._load_events(contract, start, stop)
        return found

    @api_call
    def list(self, height: int | None = None) -> Call[ContractRecords]:
        """Every deployed contract: `{address, code_hash, deployer, org, height, ...}`."""
        params = compute_height_params(height)
        return [dict(c) for c in (yield from self._client.get_json.steps(CONTRACTS_PATH, params))]

    @api_call
    def params(self, height: int | None = None) -> Call[dict[str, Any]]:
        """`{deployer_roles, max_compute, compute_price}`."""
        path = f"{CONTRACTS_PATH}/params"
        return dict((yield from self._client.get_json.steps(path, compute_height_params(height))))

    @api_call
    def at(self, contract: AddressInput) -> Call[ContractHandle]:
        """A handle with typed `query` and `call` functions from the contract's ABI (from an
        AsyncClient, `await client.contracts.at(...)`; its functions return awaitables)."""
        address = coerce_address(contract)
        abi = parse_abi((yield from self.info.steps(address)))

        def bind_query(function: AbiFunction) -> Callable[..., Any]:
            def run(
                *args: Any, caller: AddressInput | None = None, height: int | None = None
            ) -> Any:
                values = check_contract_args(function, args)
                query = self.query.steps(
                    address, function.name, *values, caller=caller, height=height
                )
                return self._run(take_result(query))

            return run

        def bind_call(function: AbiFunction) -> Callable[..., Any]:
            def run(wallet: Wallet, *args: Any, **options: Any) -> Any:
                values = check_contract_args(function, args)
                return self._run(
                    self.call.steps(wallet, address, function.name, *values, **options)
                )

            return run

        return ContractHandle(
            address,
            abi,
            FunctionSet(address, abi, bind_query),
            FunctionSet(address, abi, bind_call),
        )

    def _load_events(
        self, contract: AddressInput, from_height: int | None, to_height: int | None
    ) -> Call[ContractEvents]:
        params = build_event_params(from_height, to_height)
        path = compute_contract_path(contract, "/events")
        data = yield from self._client.get_json.steps(path, params)
        return [ContractEvent.from_json(e) for e in data["events"]]


def take_result(query: Call[ContractQueryResult]) -> Call[Any]:
    """A query's return value alone (what `handle.query.<fn>(...)` gives)."""
    return (yield from query).result


class ContractCalls(SyncRunner, ContractsApi):
    """`client.contracts.*` for `Client`."""


class AsyncContractCalls(AsyncRunner, ContractsApi):
    """`client.contracts.*` for `AsyncClient` (same calls, awaited)."""
