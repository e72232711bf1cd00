"""The contract virtual machine: a deterministic, metered subset of Python 3.11.

`compile_contract(source)` checks a contract's source (`checker.py`: forbidden constructs, named
by line), rewrites it with RestrictedPython's guards plus finchain's metering and size guards
(`compiler.py`) and extracts its ABI (`abi.py`). `execute(...)` (`runtime.py`) runs one exported
function against a `Host` (the contracts module: storage, events, assets, other contracts) under a
`Meter` (`meter.py`) that charges every statement, iteration, call, storage byte and event.

Must never: read the clock, randomness or the environment; import layers above `finchain.codec`.
The same call on the same state costs the same compute and does the same writes on every node.
"""

from __future__ import annotations

from finchain.vm.abi import Abi, AbiFunction
from finchain.vm.compiler import CompiledContract, compile_contract
from finchain.vm.meter import ContractAbort, LimitExceeded, Meter, OutOfCompute
from finchain.vm.runtime import CallContext, ContractFailure, Host, execute
from finchain.vm.values import decode_args, decode_value, encode_args, encode_value

__all__ = [
    "Abi",
    "AbiFunction",
    "CallContext",
    "CompiledContract",
    "ContractAbort",
    "ContractFailure",
    "Host",
    "LimitExceeded",
    "Meter",
    "OutOfCompute",
    "compile_contract",
    "decode_args",
    "decode_value",
    "encode_args",
    "encode_value",
    "execute",
]
