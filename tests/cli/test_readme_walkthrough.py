"""The README's Walkthrough section, executed: every `$ ` command of its console blocks, in order.

`finchain node start … &` runs as a real background process; the other `finchain` commands run
in-process through typer's CliRunner; the Python block (the event watcher) is executed as written
and its `watch_events` runs on a thread while the later commands run. The only change to the
document's world: the API port in the home's node.json is set to a free port before the node
starts, so the test never collides with a node on 8600.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from finchain.cli.main import app
from finchain.node.config import load_node_config, save_node_config
from finchain.sdk import Client, NodeUnavailable

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
START_TIMEOUT_S = 30.0


@dataclasses.dataclass
class Step:
    kind: str  # "command" or "python"
    text: str


def read_walkthrough() -> str:
    """The README from `## Walkthrough` up to the next second-level heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Walkthrough\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def read_steps() -> list[Step]:
    steps: list[Step] = []
    for language, body in FENCE.findall(read_walkthrough()):
        if language == "console":
            steps += [Step("command", line[2:]) for line in body.splitlines() if line[:2] == "$ "]
        elif language == "python":
            steps.append(Step("python", body))
    return steps


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


def find_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_node_url(home: Path) -> str:
    config = load_node_config(home)
    return f"http://{config.api_host}:{config.api_port}"


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with Client(url, timeout=2) as client:
        while True:
            try:
                client.status()
                return
            except NodeUnavailable:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def finchain_executable() -> list[str]:
    script = Path(sys.executable).parent / "finchain"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from finchain.cli.main import app; app()"]


def test_readme_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("FINCHAIN_PASSWORD", "FINCHAIN_HOME", "FINCHAIN_NODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    outputs: dict[str, str] = {}
    node_process: subprocess.Popen[bytes] | None = None
    node_log = (tmp_path / "node.log").open("wb")
    watcher: Watcher | None = None
    home: Path | None = None
    try:
        for step in read_steps():
            if step.kind == "python":
                assert home is not None, "the watcher needs a running node"
                watcher = Watcher(step.text, get_node_url(home))
                watcher.start()
                continue
            words = shlex.split(step.text)
            if words[0] == "export":
                name, _, value = words[1].partition("=")
                monkeypatch.setenv(name, value)
                continue
            assert words[0] == "finchain", step.text
            if words[-1] == "&":
                assert words[1:3] == ["node", "start"], step.text
                home = tmp_path / words[words.index("--home") + 1]
                config = load_node_config(home)
                save_node_config(home, dataclasses.replace(config, api_port=find_free_port()))
                node_process = subprocess.Popen(
                    finchain_executable() + words[1:-1],
                    stdout=node_log,
                    stderr=subprocess.STDOUT,
                    env=dict(os.environ),
                )
                wait_until_serving(get_node_url(home), node_process)
                continue
            result = runner.invoke(app, words[1:])
            assert result.exit_code == 0, (step.text, result.output)
            outputs[step.text] = result.stdout

        assert home is not None and watcher is not None
        watcher.join(timeout=15)
        check_outcome(outputs, watcher, home)
    finally:
        if node_process is not None:
            stop_process(node_process)
        node_log.close()


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


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C the node we started (by its handle), then make sure it is gone."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
