"""The README's Walkthrough section, executed: every `$ ` command of its console blocks, in order
(`tests/cli/readme_runner.py`). Its Python block (the event watcher) is executed as written and
its `watch_events` runs on a thread while the later commands run.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from finchain.sdk import Client
from tests.cli.readme_runner import README, get_node_url, run_section


class Watcher:
    """Runs the document's `watch_events` on a thread; captures what it prints."""

    def __init__(self, source: str, url: str) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.result: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        namespace: dict[str, Any] = {"__name__": "walkthrough_watch_events", "print": self._print}
        exec(compile(source, str(README), "exec"), namespace)
        self._watch = namespace["watch_events"]
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)

    def start(self) -> None:
        self._thread.start()
        assert self.ready.wait(10), f"watcher did not subscribe: {self.error!r}"

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "watcher saw no event"
        if self.error is not None:
            raise self.error

    def _print(self, *parts: object) -> None:
        line = " ".join(str(p) for p in parts)
        self.lines.append(line)
        if line.startswith("watching events on "):
            self.ready.set()

    def _run(self, url: str) -> None:
        try:
            self.result = asyncio.run(self._watch(url, limit=1))
        except BaseException as err:  # reported by join() on the test thread
            self.error = err
            self.ready.set()


def test_readme_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watchers: list[Watcher] = []

    def start_watcher(source: str, home: Path) -> None:
        watchers.append(Watcher(source, get_node_url(home)))
        watchers[-1].start()

    with run_section("Walkthrough", tmp_path, monkeypatch, start_watcher) as run:
        assert run.home is not None and len(watchers) == 1
        watchers[0].join(timeout=15)
        check_outcome(run.outputs, watchers[0], run.home)


def check_outcome(outputs: dict[str, str], watcher: Watcher, home: Path) -> None:
    issue = next(out for cmd, out in outputs.items() if " issue " in cmd)
    transfer = next(out for cmd, out in outputs.items() if " transfer " in cmd)
    assert "bank.issue" in issue and "committed" in issue
    assert "bank.transfer" in transfer and "committed" in transfer

    balances = {cmd.split()[3]: out for cmd, out in outputs.items() if "query balances" in cmd}
    assert "975.00" in balances["bank-a"]
    assert "25.00" in balances["bank-b"]

    [event] = watcher.result
    assert event["type"] == "bank.transfer"
    assert event["attributes"]["amount"] == "2500"
    assert any("bank.transfer" in line for line in watcher.lines)

    with Client(get_node_url(home)) as client:
        [asset] = client.get_assets()
        assert asset.supply == 100_000
