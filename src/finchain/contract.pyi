"""Type stubs of the contract API, for editors and type checkers of contract source files.

Contracts import `finchain.contract`; the VM (`finchain.vm.runtime`) supplies the real objects
for each call, so there is no runtime module of this name outside a contract. Check a contract
with `mypy --strict your_contract.py` (tests/vm/test_contract_stubs.py checks the examples).
"""

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

Key = int | str | bytes | bool | tuple[int | str | bytes | bool, ...]

def export(function: F) -> F:
    """Mark a function callable by transactions and queries (listed in the ABI)."""

class Value:
    """One stored value."""

    def __init__(self, name: str) -> None: ...
    def get(self, default: Any = None) -> Any: ...
    def set(self, value: Any) -> None: ...

class Map:
    """Stored values by key: a scalar or a tuple of scalars."""

    def __init__(self, name: str) -> None: ...
    def get(self, key: Key, default: Any = None) -> Any: ...
    def __getitem__(self, key: Key) -> Any: ...
    def __setitem__(self, key: Key, value: Any) -> None: ...
    def __delitem__(self, key: Key) -> None: ...
    def __contains__(self, key: Key) -> bool: ...

class _CallContext:
    caller: str
    origin: str
    contract: str
    height: int
    time_ms: int
    tx_hash: str
    asset: str
    amount: int

ctx: _CallContext

class ContractError(Exception):
    """Raise it to abort the call with a message (`contracts/reverted`)."""

def emit(name: str, **attributes: str | int | bool | bytes) -> None: ...
def require(condition: object, message: str = ...) -> None: ...
def call(contract: str, function: str, *args: Any) -> Any: ...
def transfer(to: str, asset: str, amount: int) -> None: ...
def balance(asset: str, account: str = ...) -> int: ...
def sha256(data: str | bytes) -> str: ...
