"""Runs a README section as written: every `$ ` command of its console blocks, in order.

`finchain node start … &` runs as a real background process; the other `finchain` commands run
in-process through typer's CliRunner; `export NAME=value` sets the environment; a Python block
is handed to the caller's `on_python` hook. The only change to the document's world: the API
port in the home's node.json is set to a free port before the node starts, so a test never
collides with a node on 8600.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

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


@dataclasses.dataclass
class SectionRun:
    """What running a section left behind: each command's stdout, and the node's home."""

    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    home: Path | None = None


def read_section(heading: str) -> str:
    """The README from `## {heading}` up to the next second-level heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def read_steps(heading: str) -> list[Step]:
    steps: list[Step] = []
    for language, body in FENCE.findall(read_section(heading)):
        if language == "console":
            steps += [Step("command", line[2:]) for line in body.splitlines() if line[:2] == "$ "]
        elif language == "python":
            steps.append(Step("python", body))
    return steps


@contextmanager
def run_section(
    heading: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    on_python: Callable[[str, Path], None] | None = None,
) -> Iterator[SectionRun]:
    """Run the section's steps in `tmp_path`; the node it started runs until the block ends."""
    monkeypatch.chdir(tmp_path)
    for name in ("FINCHAIN_PASSWORD", "FINCHAIN_HOME", "FINCHAIN_NODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    run = SectionRun()
    node_process: subprocess.Popen[bytes] | None = None
    node_log = (tmp_path / "node.log").open("wb")
    try:
        for step in read_steps(heading):
            if step.kind == "python":
                assert on_python is not None and run.home is not None, step.text
                on_python(step.text, run.home)
                continue
            words = shlex.split(step.text)
            if words[0] == "export":
                name, _, value = words[1].partition("=")
                monkeypatch.setenv(name, value)
                continue
            assert words[0] == "finchain", step.text
            if words[-1] == "&":
                assert words[1:3] == ["node", "start"], step.text
                run.home = tmp_path / words[words.index("--home") + 1]
                config = load_node_config(run.home)
                save_node_config(run.home, dataclasses.replace(config, api_port=find_free_port()))
                node_process = subprocess.Popen(
                    finchain_executable() + words[1:-1],
                    stdout=node_log,
                    stderr=subprocess.STDOUT,
                    env=dict(os.environ),
                )
                wait_until_serving(get_node_url(run.home), node_process)
                continue
            result = runner.invoke(app, words[1:])
            assert result.exit_code == 0, (step.text, result.output)
            run.outputs[step.text] = result.stdout
        yield run
    finally:
        if node_process is not None:
            stop_process(node_process)
        node_log.close()


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


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C the node we started (by its handle), then make sure it is gone."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
