"""How a `bench run` round reaches the chain under test: over REST or inside this process.

`HttpDriver` talks to one or more nodes' REST APIs (a solo node process, or every node of a
testnet, round-robin); `InprocessDriver` calls a solo engine running in this process (no HTTP,
no JSON). Both offer what the rate controllers of `bench.suite` need, so a round does not know
which target it drives:

- `run_open_round(plan, watched, commit_deadline_s)`: the open-loop sender of `bench.openloop`
  (same lane scheduler, same `RoundTrace`); commit times from the nodes' WebSocket block events
  (HTTP) or from the engine's block listener (in process);
- `submit_and_wait(client, raw)`: one transaction, waiting for its receipt (closed loop);
- `read_account(reader, address)`: one read of an account and its pending nonce;
- `mempool_size()`: pending transactions over every node;
- `execute(raws)`: untimed set-up transactions, waiting for their receipts;
- `find_receipt_codes(tx_hashes)` (synchronous): the committed receipts' codes, to check a
  report against the chain.

Owns: the client side of one target. Must never: start or stop nodes (`bench.targets`).
Concurrency: async methods run on the suite's event loop. `InprocessDriver` calls the engine
from that loop (check_tx under the engine's lock) while the engine's block thread makes blocks
and stamps commit times into the round's trace.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import httpx

from finchain.app import Application
from finchain.bench.openloop import (
    ProcessSampler,
    RoundPlan,
    RoundTrace,
    WatchedProcess,
    drive_lane,
    run_round,
    wait_for_commits,
)
from finchain.crypto import parse_address
from finchain.engine.base import RejectedOnRecheck
from finchain.engine.solo import SoloEngine
from finchain.errors import FinchainError
from finchain.model import BlockRecord, Receipt
from finchain.store import Database

REQUEST_TIMEOUT_S = 30.0
COMMIT_TIMEOUT_S = 30.0
MAX_CONNECTIONS = 256
SETUP_BATCH = 1_000  # set-up transactions per request


class Driver(Protocol):
    description: str  # the client side, for the reports

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def run_open_round(
        self, plan: RoundPlan, watched: list[WatchedProcess], commit_deadline_s: float
    ) -> RoundTrace: ...

    async def submit_and_wait(self, client: int, raw: bytes) -> tuple[str, bool]:
        """(code, committed): the receipt's code, or why there is none (committed False; an
        empty code means no answer in time)."""
        ...

    async def read_account(self, reader: int, address: str) -> tuple[str, bool]:
        """(code, answered): `ok` or the error code of the read; answered False when no
        answer came (a transport error)."""
        ...

    async def mempool_size(self) -> int: ...

    async def execute(self, raws: list[bytes]) -> list[str]:
        """Submit and wait for every receipt; the code of each (or its rejection code)."""
        ...

    def find_receipt_codes(self, tx_hashes: list[str]) -> dict[str, str | None]:
        """Each committed transaction's receipt code (None: not on the chain)."""
        ...


class HttpDriver:
    """REST clients of `api_urls` (closed-loop client c and reader r use node c % N, r % N)."""

    def __init__(self, api_urls: list[str]) -> None:
        self.api_urls = api_urls
        self.description = (
            "httpx (asyncio): open loop POST /v1/txs/batch mode=async per lane and tick, commit "
            "times from /v1/ws blocks; closed loop POST /v1/txs mode=commit; reads GET "
            "/v1/accounts/{addr}"
        )
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS)
        self._client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run_open_round(
        self, plan: RoundPlan, watched: list[WatchedProcess], commit_deadline_s: float
    ) -> RoundTrace:
        return await run_round(plan, self.api_urls, watched, commit_deadline_s=commit_deadline_s)

    async def submit_and_wait(self, client: int, raw: bytes) -> tuple[str, bool]:
        url = self.api_urls[client % len(self.api_urls)]
        try:
            reply = await self._http.post(f"{url}/v1/txs", json={"tx": raw.hex(), "mode": "commit"})
        except httpx.HTTPError as exc:
            return f"http/{type(exc).__name__}", False
        body = reply.json()
        if reply.status_code != 200:
            return str(body.get("error", {}).get("code", f"http/{reply.status_code}")), False
        receipt = body.get("receipt")
        return ("", False) if receipt is None else (str(receipt.get("code")), True)

    async def read_account(self, reader: int, address: str) -> tuple[str, bool]:
        url = self.api_urls[reader % len(self.api_urls)]
        try:
            reply = await self._http.get(f"{url}/v1/accounts/{address}")
        except httpx.HTTPError as exc:
            return f"http/{type(exc).__name__}", False
        return ("ok" if reply.status_code == 200 else f"http/{reply.status_code}"), True

    async def mempool_size(self) -> int:
        sizes = [
            int((await self._http.get(f"{url}/v1/status")).json()["mempool_size"])
            for url in self.api_urls
        ]
        return sum(sizes)

    async def execute(self, raws: list[bytes]) -> list[str]:
        codes: list[str] = []
        for start in range(0, len(raws), SETUP_BATCH):
            chunk = raws[start : start + SETUP_BATCH]
            body = {"txs": [raw.hex() for raw in chunk], "mode": "commit"}
            reply = await self._http.post(
                f"{self.api_urls[0]}/v1/txs/batch", json=body, timeout=COMMIT_TIMEOUT_S * 2
            )
            reply.raise_for_status()
            for result in reply.json()["results"]:
                receipt = result.get("receipt")
                error = result.get("error", {})
                codes.append(str(receipt["code"]) if receipt else str(error.get("code", "")))
        return codes

    def find_receipt_codes(self, tx_hashes: list[str]) -> dict[str, str | None]:
        codes: dict[str, str | None] = {}
        with httpx.Client(base_url=self.api_urls[0], timeout=REQUEST_TIMEOUT_S) as client:
            for tx_hash in tx_hashes:
                reply = client.get(f"/v1/txs/{tx_hash}")
                if reply.status_code == 404:
                    codes[tx_hash] = None
                    continue
                reply.raise_for_status()
                codes[tx_hash] = str(reply.json()["receipt"]["code"])
        return codes

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("HttpDriver used before open()")
        return self._client


class InprocessDriver:
    """Direct calls into a started `SoloEngine` and its application (no HTTP)."""

    def __init__(self, engine: SoloEngine, app: Application, db: Database) -> None:
        self.engine = engine
        self.app = app
        self.db = db
        self.description = (
            "direct calls in the benchmark process: open loop engine.submit_batch per lane and "
            "tick, commit times from the engine's block listener; closed loop engine.submit and "
            "its commit future; reads app.query('account') and the pending nonce"
        )

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def run_open_round(
        self, plan: RoundPlan, watched: list[WatchedProcess], commit_deadline_s: float
    ) -> RoundTrace:
        trace = RoundTrace.empty(plan)
        raws = [bytes.fromhex(raw) for raw in plan.raw_hex]  # decoded before the timed part
        index_of = {bytes.fromhex(tx_hash): index for index, tx_hash in enumerate(plan.hashes)}

        def stamp_commits(block: BlockRecord, receipts: list[Receipt]) -> None:
            seen = time.perf_counter()  # runs on the engine's block thread
            for receipt in receipts:
                index = index_of.get(receipt.tx_hash)
                if index is not None and index not in trace.codes:
                    trace.committed_at[index] = seen
                    trace.codes[index] = receipt.code

        async def submit(batch: list[int]) -> None:
            admissions = self.engine.submit_batch([raws[index] for index in batch])
            for index, (result, _) in zip(batch, admissions, strict=True):
                if not result.ok:
                    trace.errors[index] = result.code

        unsubscribe = self.engine.subscribe(stamp_commits)
        sampler = ProcessSampler(watched)
        sampling = asyncio.create_task(sampler.run())
        try:
            trace.started_at = time.perf_counter()
            await asyncio.gather(
                *(drive_lane(plan, lane, trace, submit) for lane in plan.lanes if lane)
            )
            trace.send_phase_s = time.perf_counter() - trace.started_at
            trace.processes = sampler.finish()
            await wait_for_commits(trace, commit_deadline_s, [])
        finally:
            sampling.cancel()
            unsubscribe()
        return trace

    async def submit_and_wait(self, client: int, raw: bytes) -> tuple[str, bool]:
        result, future = self.engine.submit(raw)
        if future is None:
            return result.code, False
        try:
            receipt = await asyncio.wait_for(asyncio.wrap_future(future), COMMIT_TIMEOUT_S)
        except TimeoutError:
            return "", False
        except RejectedOnRecheck as exc:
            return exc.result.code, False
        return receipt.code, True

    async def read_account(self, reader: int, address: str) -> tuple[str, bool]:
        try:
            self.app.query("account", {"address": address})
            self.engine.get_pending_nonce(parse_address(address))
        except (FinchainError, ValueError) as exc:
            return f"query/{type(exc).__name__}", True
        return "ok", True

    async def mempool_size(self) -> int:
        return self.engine.mempool_size

    async def execute(self, raws: list[bytes]) -> list[str]:
        codes: list[str] = []
        for result, future in self.engine.submit_batch(raws):
            if future is None:
                codes.append(result.code)
                continue
            receipt = await asyncio.wait_for(asyncio.wrap_future(future), COMMIT_TIMEOUT_S)
            codes.append(receipt.code)
        return codes

    def find_receipt_codes(self, tx_hashes: list[str]) -> dict[str, str | None]:
        return {tx_hash: self._find_receipt_code(tx_hash) for tx_hash in tx_hashes}

    def _find_receipt_code(self, tx_hash: str) -> str | None:
        location = self.db.find_tx(bytes.fromhex(tx_hash))
        receipt = None if location is None else self.db.load_receipt(location)
        return None if receipt is None else receipt.code
