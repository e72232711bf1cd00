"""Compute metering: the cost table, the size caps, and the `Meter` every call draws from.

Units are abstract and fixed here, so the same call costs the same on every node: one unit is
about one simple statement. Costs are charged before the work they pay for wherever the size is
known in advance (a power, a repetition, a join), so a bomb is refused before it allocates.

`ContractAbort` derives from BaseException: contract code cannot catch it (and `try` is not part
of the language anyway). Once a meter is exhausted it stays exhausted.
"""

from __future__ import annotations

# ---- costs (compute units) -----------------------------------------------------------------
STATEMENT = 1  # each statement executed
CALL = 10  # entering a contract function
ITERATION = 2  # each item a loop or comprehension takes
ELEMENT = 1  # each element a builtin materialises, sorts or scans
SIZE_DIVISOR = 16  # strings and bytes: one unit per 16 characters scanned or built
STORAGE_READ = 100
STORAGE_READ_PER_BYTE = 1
STORAGE_WRITE = 500
STORAGE_WRITE_PER_BYTE = 5
EVENT = 100
EVENT_PER_BYTE = 2
CONTRACT_CALL = 1_000
ASSET_TRANSFER = 500
DEPLOY_PER_BYTE = 2
LOAD_PER_BYTE = 0  # loading a deployed contract is paid by the statements it runs

# ---- caps ----------------------------------------------------------------------------------
MAX_INT_BITS = 4_096
MAX_STR_LEN = 100_000  # characters of a str, bytes of a bytes
MAX_SEQ_LEN = 100_000  # elements of a list, tuple or dict built by an operation
MAX_CALL_DEPTH = 32  # nested contract function frames (recursion included)
MAX_CONTRACT_CALL_DEPTH = 8  # nested contract-to-contract calls


class ContractAbort(BaseException):
    """The VM stopped the call; contract code cannot catch it."""


class OutOfCompute(ContractAbort):
    """The call used all of its compute limit."""


class LimitExceeded(ContractAbort):
    """An operation would exceed a size or depth cap (huge int, string, sequence, recursion)."""


class Meter:
    """Compute used so far against a limit; shared by every frame of one transaction's call."""

    __slots__ = ("depth", "limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.depth = 0

    def charge(self, units: int) -> None:
        self.used += units
        if self.used > self.limit:
            raise OutOfCompute(f"out of compute: limit {self.limit}")

    @property
    def reported_used(self) -> int:
        """What the receipt records: the units used, at most the limit."""
        return min(self.used, self.limit)
