"""Issue #6 determinism: the same contract calls give the same state, results and compute on every
node. Two processes with different PYTHONHASHSEED values build the same chain and must agree on
the app hash and every receipt (code, gas including compute, events); replaying the chain from
genesis in a fresh store reproduces every app hash and receipt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.app.support import assert_replay_reproduces, deliver_block
from tests.helpers import make_chain
from tests.modules.contracts.support import (
    ROOT,
    call,
    deploy,
    deployed_address,
    example,
    sign_call,
)


def run_scenario(path: Path, hash_seed: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-m", "tests.modules.contracts.determinism_scenario", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(out.stdout))


def test_two_hash_seeds_give_the_same_app_hash_and_compute(tmp_path: Path) -> None:
    first = run_scenario(tmp_path / "seed-0", "0")
    second = run_scenario(tmp_path / "seed-4242", "4242")
    assert first == second
    codes = [code for code, _, _ in first["receipts"]]  # type: ignore[attr-defined]
    assert codes.count("contracts/reverted") == 1 and codes.count("ok") == len(codes) - 1


def test_replay_from_genesis_reproduces_state_and_compute(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "chain")
    try:
        token = deployed_address(deploy(chain, "bank-a", example("token"), "TOK", 10**6))
        b = "0x" + chain.address("bank-b").hex()
        assert call(chain, "bank-a", token, "transfer", b, 5).ok
        failing = sign_call(chain, "bank-a", token, "transfer", b, 10**7)
        [failed] = deliver_block(chain.app, [failing]).receipts  # its compute is still recorded
        assert failed.code == "contracts/reverted" and failed.gas_used > 0
        assert call(chain, "bank-a", token, "transfer", b, 7).ok
        assert_replay_reproduces(chain.db, tmp_path / "replica")
    finally:
        chain.close()
