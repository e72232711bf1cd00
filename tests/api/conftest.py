"""Fixtures for API tests: a real in-process chain (RocksDB, application, running solo engine)
behind the FastAPI app, driven with Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from finchain.api import ApiSettings, NodeServices, create_api
from tests.helpers import Chain, make_chain


@pytest.fixture
def api_chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """A chain with two funded users (`user0`, `user1`: 1,000,000 CNY each); engine running."""
    chain = make_chain(tmp_path / "chain", suite_name, extra_accounts=2)
    chain.engine.start()
    yield chain
    chain.close()


@pytest.fixture
def idle_chain(tmp_path: Path) -> Iterator[Chain]:
    """A chain whose engine is not running: transactions stay pending until `produce_block`."""
    chain = make_chain(tmp_path / "idle", "intl", extra_accounts=2)
    yield chain
    chain.close()


def make_client(chain: Chain, settings: ApiSettings | None = None) -> TestClient:
    services = NodeServices(chain.app, chain.engine, chain.db)
    return TestClient(create_api(services, settings), raise_server_exceptions=False)


@pytest.fixture
def client(api_chain: Chain) -> Iterator[TestClient]:
    with make_client(api_chain) as test_client:
        yield test_client
