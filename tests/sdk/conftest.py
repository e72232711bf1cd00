"""A running node per test (both suites via the shared `suite_name` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sdk.nodes import RunningNode, run_node


@pytest.fixture
def running_node(tmp_path: Path, suite_name: str) -> Iterator[RunningNode]:
    with run_node(tmp_path / "home", suite_name) as running:
        yield running
