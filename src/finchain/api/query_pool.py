"""The bounded worker pool that runs read-only contract queries, with per-client limits.

A read-only contract query (`POST /v1/contracts/{address}/query`) is unsigned and pays no fee, but
it runs contract code for up to its compute limit. So queries never run on the worker threads
that serve status reads and submissions: the route awaits a `QueryPool`, which runs each query
on its own small `ThreadPoolExecutor` (`workers` threads) behind a bounded queue:

    admitted  = running + waiting <= workers + max_queued, else 503 `api/busy` (Retry-After)
    per client (remote address)  <= max_per_client,        else 429 `api/too_many_queries`

A slot is given back when the query's work ends, not when its caller stops waiting (a client that
disconnects does not free a thread that is still computing). The client is the request's remote
address: a query carries no signature, and an unverified key header would let one client pose as
many.

Must never: run a query on the event loop or on the server's shared worker threads; queue without
bound.
Concurrency: `admit`/release take one lock; the executor's threads run the queries; `run` is
awaited on the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from finchain.api.errors import ApiError
from finchain.errors import register_error

T = TypeVar("T")

DEFAULT_QUERY_WORKERS = 2
DEFAULT_QUERY_QUEUE = 16
DEFAULT_QUERIES_PER_CLIENT = 4
RETRY_AFTER_S = 1

ERR_BUSY = register_error(
    "api", 20, "busy", "the node's query workers and their queue are full; retry later"
)
ERR_TOO_MANY_QUERIES = register_error(
    "api", 21, "too_many_queries", "this client already has its maximum of queries in flight"
)


class QueryRefused(ApiError):
    """A query the pool did not admit; the answer carries `Retry-After`."""

    def __init__(self, status: int, code: Any, message: str, **details: Any) -> None:
        super().__init__(status, code, message, **details)
        self.retry_after = RETRY_AFTER_S

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class QueryPool:
    def __init__(
        self,
        workers: int = DEFAULT_QUERY_WORKERS,
        max_queued: int = DEFAULT_QUERY_QUEUE,
        max_per_client: int = DEFAULT_QUERIES_PER_CLIENT,
    ) -> None:
        if workers < 1 or max_queued < 0 or max_per_client < 1:
            raise ValueError("workers >= 1, max_queued >= 0 and max_per_client >= 1")
        self.workers = workers
        self.max_queued = max_queued
        self.max_per_client = max_per_client
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="finchain-query")
        self._lock = threading.Lock()
        self._admitted = 0
        self._by_client: dict[str, int] = {}

    @property
    def capacity(self) -> int:
        """How many queries may be running or waiting at once."""
        return self.workers + self.max_queued

    @property
    def admitted(self) -> int:
        with self._lock:
            return self._admitted

    async def run(self, client: str, work: Callable[[], T]) -> T:
        """`work()`'s result, computed on the pool; raises `QueryRefused` if not admitted and
        whatever `work` raises."""
        future = self.submit(client, work)
        return await asyncio.wrap_future(future)

    def submit(self, client: str, work: Callable[[], T]) -> Future[T]:
        """Admit `work` for `client` and queue it (the synchronous half of `run`)."""
        self._admit(client)
        try:
            future = self._executor.submit(work)
        except BaseException:
            self._release(client)
            raise
        future.add_done_callback(lambda _: self._release(client))
        return future

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking queries; waiting ones are cancelled, running ones finish (with `wait`,
        before this returns: the node closes the database only after them)."""
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def _admit(self, client: str) -> None:
        with self._lock:
            mine = self._by_client.get(client, 0)
            if mine >= self.max_per_client:
                raise QueryRefused(
                    429,
                    ERR_TOO_MANY_QUERIES,
                    f"at most {self.max_per_client} queries in flight per client; wait for one",
                    limit=self.max_per_client,
                )
            if self._admitted >= self.capacity:
                raise QueryRefused(
                    503,
                    ERR_BUSY,
                    "the node is running its maximum of queries; retry later",
                    capacity=self.capacity,
                    retry_after_s=RETRY_AFTER_S,
                )
            self._admitted += 1
            self._by_client[client] = mine + 1

    def _release(self, client: str) -> None:
        with self._lock:
            self._admitted -= 1
            left = self._by_client[client] - 1
            if left:
                self._by_client[client] = left
            else:
                del self._by_client[client]
