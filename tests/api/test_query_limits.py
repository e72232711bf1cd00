"""Read-only contract queries cannot starve the API: a small default compute cap, their own
bounded worker pool (a full pool is 503 `api/busy`, with Retry-After) and a per-client limit
(429 `api/too_many_queries`), so status reads and submissions are served while queries run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from finchain.api import NodeServices, create_api
from finchain.api.query_pool import QueryPool
from finchain.modules.contracts import Deploy
from finchain.modules.contracts.handlers import DEFAULT_QUERY_COMPUTE
from finchain.vm import encode_args
from tests.api.support import transfer
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import LIMIT

MAX_COMPUTE = 8_000_000  # about 1.5 s of compute per query on a quiet machine
BURN = '''from finchain.contract import export


@export
def burn() -> int:
    """Count until the compute limit stops the call."""
    n = 0
    while True:
        n += 1
    return n
'''
TESTCLIENT_HOST = "testclient"  # Starlette's TestClient's remote address


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    chain = make_chain(tmp_path, extra_accounts=2, contracts={"max_compute": MAX_COMPUTE})
    chain.engine.start()
    yield chain
    chain.close()


@pytest.fixture
def burner(chain: Chain) -> str:
    with pool_client(chain, QueryPool()) as client:
        response = client.post("/v1/txs", json={"tx": sign_deploy(chain).hex()})
        assert response.status_code == 200, response.json()
        receipt = response.json()["receipt"]
    [event] = [e for e in receipt["events"] if e["type"] == "contracts.deployed"]
    return str(event["attributes"]["contract"])


def sign_deploy(chain: Chain) -> bytes:
    return chain.sign("bank-a", Deploy(BURN, encode_args([]), LIMIT))


def pool_client(chain: Chain, pool: QueryPool) -> TestClient:
    services = NodeServices(chain.app, chain.engine, chain.db)
    return TestClient(create_api(services, query_pool=pool), raise_server_exceptions=False)


def burn(client: TestClient, contract: str, **body: Any) -> httpx.Response:
    return client.post(f"/v1/contracts/{contract}/query", json={"function": "burn", **body})


def hold(pool: QueryPool, client: str, count: int) -> threading.Event:
    """Occupy `count` of the pool's slots for `client` until the returned event is set."""
    release = threading.Event()
    for _ in range(count):
        pool.submit(client, lambda: release.wait(30))
    return release


def timed(action: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    response = action()
    return response, time.monotonic() - start


def test_default_compute_cap(chain: Chain, burner: str) -> None:
    with pool_client(chain, QueryPool()) as client:
        default = burn(client, burner)
        asked = burn(client, burner, compute_limit=DEFAULT_QUERY_COMPUTE * 2)
        too_much = burn(client, burner, compute_limit=MAX_COMPUTE * 10)
    assert default.status_code == 400 and default.json()["code"] == "contracts/out_of_compute"
    assert default.json()["details"]["compute_used"] == DEFAULT_QUERY_COMPUTE
    assert asked.json()["details"]["compute_used"] == DEFAULT_QUERY_COMPUTE * 2
    assert too_much.json()["details"]["compute_used"] == MAX_COMPUTE  # capped at max_compute


def test_full_pool_is_busy_and_status_is_still_served(chain: Chain, burner: str) -> None:
    pool = QueryPool(workers=2, max_queued=1, max_per_client=10)
    release = hold(pool, "someone-else", pool.capacity)
    try:
        with pool_client(chain, pool) as client:
            busy = burn(client, burner)
            status, took = timed(lambda: client.get("/v1/status"))
    finally:
        release.set()
    assert busy.status_code == 503 and busy.json()["code"] == "api/busy"
    assert busy.headers["retry-after"] == "1"
    assert status.status_code == 200 and took < 2.0


def test_invalid_too_many_queries_per_client(chain: Chain, burner: str) -> None:
    pool = QueryPool(workers=2, max_queued=8, max_per_client=2)
    release = hold(pool, TESTCLIENT_HOST, 2)
    try:
        with pool_client(chain, pool) as client:
            refused = burn(client, burner)
            other = hold(pool, "another-client", 1)  # other clients still get in
            other.set()
    finally:
        release.set()
    assert refused.status_code == 429 and refused.json()["code"] == "api/too_many_queries"
    assert refused.headers["retry-after"] == "1"


def test_slots_are_given_back(chain: Chain, burner: str) -> None:
    pool = QueryPool(workers=1, max_queued=0, max_per_client=1)
    with pool_client(chain, pool) as client:
        answers = [burn(client, burner).json()["code"] for _ in range(3)]
    assert answers == ["contracts/out_of_compute"] * 3
    assert pool.admitted == 0


def test_maximum_compute_queries_do_not_delay_status_or_submission(
    chain: Chain, burner: str
) -> None:
    """8 concurrent maximum-compute queries take several seconds on 2 workers; status and a
    transfer are answered well within that, while the queries are still running."""
    pool = QueryPool(workers=2, max_queued=6, max_per_client=8)
    with pool_client(chain, pool) as client, ThreadPoolExecutor(8) as callers:
        queries = [
            callers.submit(burn, client, burner, compute_limit=MAX_COMPUTE) for _ in range(8)
        ]
        deadline = time.monotonic() + 10
        while pool.admitted < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool.admitted == 8  # every query admitted: two running, six waiting
        status, status_took = timed(lambda: client.get("/v1/status"))
        raw = transfer(chain, "user0", "user1", 5)
        submitted, submit_took = timed(lambda: client.post("/v1/txs", json={"tx": raw.hex()}))
        still_running = pool.admitted
        answers = [q.result(timeout=120) for q in queries]
    assert status.status_code == 200 and status_took < 2.0
    assert submitted.status_code == 200 and submitted.json()["receipt"]["code"] == "ok"
    assert submit_took < 5.0
    assert still_running > 0  # measured while the pool was still busy
    assert [a.json()["details"]["compute_used"] for a in answers] == [MAX_COMPUTE] * 8
