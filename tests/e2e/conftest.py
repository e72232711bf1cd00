"""Fixtures for end-to-end tests against real CometBFT processes on 127.0.0.1 (`cometbft/` and
`test_node_config.py`).

Every process a test starts is ended in the fixture's teardown (by pid, via the testnet module),
whatever the test's outcome. Tests that need the binary skip, saying why, when bin/cometbft
(built by scripts/install_cometbft.sh) is missing, or fail when FINCHAIN_REQUIRE_COMETBFT=1 (CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.node import testnet
from finchain.node.testnet_config import TestnetError, find_cometbft


@pytest.fixture(scope="session")
def cometbft_bin() -> str:
    try:
        return find_cometbft()
    except TestnetError:
        if os.environ.get("FINCHAIN_REQUIRE_COMETBFT") == "1":
            pytest.fail("bin/cometbft is missing and FINCHAIN_REQUIRE_COMETBFT=1")
        pytest.skip("bin/cometbft is missing: run `bash scripts/install_cometbft.sh` (needs Go)")


@pytest.fixture
def testnet_dir(tmp_path: Path, cometbft_bin: str) -> Iterator[Path]:
    """A directory for one testnet; every process recorded in it is stopped afterwards."""
    directory = tmp_path / "testnet"
    try:
        yield directory
    finally:
        if directory.exists():
            testnet.down(directory, grace_s=5.0)
