"""The synchronous client of a finchain node's v1 API (httpx.Client), with typed module calls.

    with Client("http://127.0.0.1:8600") as client:
        result = client.bank.transfer(wallet, "0x…", "CNY", 2500)   # raises if it failed
        print(result.hash, result.receipt.height)

Module calls: `client.bank`, `client.members`, `client.validators` (`_groups.py`),
`client.clearing` (clearing.py), `client.governance` (governance.py), `client.supervision`
(supervision.py), `client.contracts` (contracts.py).

Every call is written once in the sans-I/O core (`_chain.ChainApi` and the modules' `*Api`
classes, see `_core`); this class only runs them over httpx.Client (`_transport.HttpDriver`).
Identity caching, nonces and signed reads (`reader=wallet`) are described in `_chain`.

Concurrency: one Client may be shared by threads (httpx.Client is thread-safe).
Must never: retry a submission on its own (the caller decides; resubmission is idempotent).
"""

from __future__ import annotations

from finchain.sdk._chain import (
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    ChainApi,
    ChainIdentity,
)
from finchain.sdk._core import SyncRunner
from finchain.sdk._groups import BankCalls, MembersCalls, ValidatorsCalls
from finchain.sdk._transport import HttpDriver

__all__ = [
    "DEFAULT_POLL_INTERVAL_S",
    "DEFAULT_TIMEOUT_S",
    "BankCalls",
    "ChainIdentity",
    "Client",
    "MembersCalls",
    "ValidatorsCalls",
]


class Client(SyncRunner, ChainApi):
    """Talks to one node. Use as a context manager, or call `close()`.

    `Client(url, *, timeout=60.0, headers=None, transport=None, reader=None, legal_basis="")`:
    see `ChainApi.__init__`."""

    _driver: HttpDriver
    _open_driver = HttpDriver.open

    def close(self) -> None:
        self._driver.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
