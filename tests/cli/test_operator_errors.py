"""Operator mistakes end in one `error: <code>: <message>` line and exit status 1, never a
traceback, and never change node.json (the real `finchain` CLI, as processes on 127.0.0.1).

- `--port` of `node start` and `dev` applies to that run only;
- a second node on a running node's home: `node/home_in_use` (also `dev --reset`, which would
  otherwise wipe a live home);
- an API port (or a member node's ABCI port) taken by another process: `node/port_in_use`,
  before "node serving" is logged.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from finchain.cli.init_cmd import initialise_home

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 60.0
CLI = [sys.executable, "-m", "finchain.cli.main"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A dev home (plaintext keys) whose node.json names a free port."""
    path = tmp_path / "home"
    initialise_home(
        path, chain_id="finchain-dev", suite_name="intl", password=None, api_port=_free_port()
    )
    return path


@pytest.fixture
def running(home: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`finchain node start --home HOME --port P` serving on P."""
    port = _free_port()
    process = _start(["node", "start", "--home", str(home), "--port", str(port)], port)
    try:
        yield process, port
    finally:
        _stop(process)


def test_port_override_applies_to_one_run_only(home: Path) -> None:
    saved = _saved_port(home)
    for command in (["node", "start"], ["dev"]):
        port = _free_port()
        process = _start([*command, "--home", str(home), "--port", str(port)], port)
        try:
            status = httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=10).json()
            assert status["chain_id"] == "finchain-dev"
            assert _saved_port(home) == saved, f"`{' '.join(command)} --port` rewrote node.json"
        finally:
            _stop(process)
    assert _saved_port(home) == saved


def test_invalid_second_node_on_the_same_home(
    home: Path, running: tuple[subprocess.Popen[bytes], int]
) -> None:
    saved = _saved_port(home)
    first, first_port = running
    for command in (["node", "start"], ["dev"], ["dev", "--reset"]):
        done = _run([*command, "--home", str(home), "--port", str(_free_port())])

        _assert_one_error_line(done, "node/home_in_use")
        assert "is in use by another node" in done.stderr
    assert first.poll() is None, "the running node was disturbed"
    assert httpx.get(f"http://127.0.0.1:{first_port}/v1/status", timeout=10).status_code == 200
    assert (home / "genesis.json").is_file() and _saved_port(home) == saved  # nothing wiped


def test_invalid_busy_api_port(home: Path) -> None:
    saved = _saved_port(home)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        for args in (["--port", str(port)], []):
            if not args:  # the same port from node.json
                (home / "node.json").write_text(
                    json.dumps({**json.loads((home / "node.json").read_text()), "api_port": port})
                )
                saved = port
            done = _run(["node", "start", "--home", str(home), *args])

            _assert_one_error_line(done, "node/port_in_use")
            assert f"127.0.0.1:{port} is already in use" in done.stderr
            assert "node serving" not in done.stderr
            assert _saved_port(home) == saved


def test_invalid_busy_abci_port(tmp_path: Path) -> None:
    """A member node (engine cometbft) whose ABCI address is taken: the same error, before its
    ABCI server's thread would fail on it."""
    home = tmp_path / "member"
    home.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        config = {"engine": "cometbft", "api_port": 0, "abci_address": f"tcp://127.0.0.1:{port}"}
        (home / "node.json").write_text(json.dumps(config))

        done = _run(["node", "start", "--home", str(home)])

    _assert_one_error_line(done, "node/port_in_use")
    assert f"the ABCI address tcp://127.0.0.1:{port} is already in use" in done.stderr


def test_invalid_node_start_on_a_bad_config(home: Path) -> None:
    (home / "node.json").write_text(json.dumps({"api_port": "8600"}))

    done = _run(["node", "start", "--home", str(home), "--port", str(_free_port())])

    _assert_one_error_line(done, "node/bad_config")
    assert json.loads((home / "node.json").read_text()) == {"api_port": "8600"}


# ---- helpers --------------------------------------------------------------------------------


def _assert_one_error_line(done: subprocess.CompletedProcess[str], code: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {code}: "), done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _saved_port(home: Path) -> int:
    return int(json.loads((home / "node.json").read_text(encoding="utf-8"))["api_port"])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINCHAIN_")}
    return {**env, "FINCHAIN_PASSWORD": "finchain-dev", "COLUMNS": "200"}


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=EXIT_TIMEOUT_S,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )


def _start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start a serving CLI command; returns once its API answers on `port`. Its output goes to
    a file beside the home (not a pipe: a node that logs must never block on it)."""
    home = Path(args[args.index("--home") + 1])
    log_path = home.parent / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*CLI, *args], stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=_env()
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = log_path.read_text(errors="replace")
            raise AssertionError(f"{args} exited early ({process.returncode}): {err[-3000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/status", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    _stop(process)
    raise AssertionError(f"{args} did not serve on {port} within {START_TIMEOUT_S:.0f}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
