"""Shared fixtures: a fresh chain per test, parametrised over both crypto suites."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Chain, make_chain


@pytest.fixture(params=["intl", "gm"])
def suite_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    c = make_chain(tmp_path / "chain", suite_name)
    yield c
    c.close()
