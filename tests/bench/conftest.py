"""Fixtures for benchmarks against real CometBFT processes (same rule as tests/e2e/cometbft):
skip when bin/cometbft is missing, fail instead when FINCHAIN_REQUIRE_COMETBFT=1 (CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.node import testnet
from finchain.node.testnet_config import TestnetError, find_cometbft


@pytest.fixture
def bench_testnet_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory for one testnet; every process recorded in it is stopped afterwards."""
    try:
        find_cometbft()
    except TestnetError:
        if os.environ.get("FINCHAIN_REQUIRE_COMETBFT") == "1":
            pytest.fail("bin/cometbft is missing and FINCHAIN_REQUIRE_COMETBFT=1")
        pytest.skip("bin/cometbft is missing: run `bash scripts/install_cometbft.sh` (needs Go)")
    directory = tmp_path / "testnet"
    try:
        yield directory
    finally:
        if directory.exists():
            testnet.down(directory, grace_s=5.0)
