"""CLI test fixtures: a CliRunner with a clean environment and a running node with HOME/keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.sdk.nodes import TEST_PASSWORD, RunningNode, run_node

CLEAN_ENV: dict[str, str | None] = {
    "FINCHAIN_PASSWORD": TEST_PASSWORD,
    "FINCHAIN_HOME": None,
    "FINCHAIN_NODE": None,
    "COLUMNS": "200",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=CLEAN_ENV)


@pytest.fixture
def cli_node(tmp_path: Path) -> Iterator[RunningNode]:
    """An intl node whose home holds the organisation keys (password TEST_PASSWORD)."""
    with run_node(tmp_path / "home", "intl", keys=True) as running:
        yield running
