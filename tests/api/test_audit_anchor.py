"""REG-2 end to end on a running node: the regulator's reads are logged, the node anchors the
log's head on chain with its anchoring key, and a log rewritten afterwards (even with a valid
hash chain) no longer matches its anchor."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finchain.api.audit import GENESIS_PREV, verify_audit_log
from finchain.cli.main import app as cli
from finchain.node.config import audit_log_path, load_node_config, save_node_config
from finchain.node.node import Node
from finchain.sdk import Client, Wallet

PASSWORD = "anchor-test-password"
BASIS = "Banking Supervision Law art. 24"


def test_the_node_anchors_its_audit_log_and_a_rewrite_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINCHAIN_PASSWORD", PASSWORD)
    home = tmp_path / "home"
    assert CliRunner().invoke(cli, ["init", "--home", str(home)]).exit_code == 0
    config = load_node_config(home)
    save_node_config(
        home,
        config.__class__(**{**config.to_json(), "api_port": 0, "audit_anchor_key": "regulator"}),
    )
    regulator = Wallet.from_keystore("regulator", PASSWORD, keys_dir=home / "keys")
    node = Node.open(home)
    node.start_background()
    try:
        assert node.anchorer is not None
        with Client(node.url, reader=regulator, legal_basis=BASIS) as client:
            for _ in range(3):
                client.clearing.accounts("CNY")
        anchor = wait_for_anchor(node, entries=3)
        assert anchor["org"] == "regulator" and anchor["log_id"] == "home"
    finally:
        node.stop()
    path = audit_log_path(home)
    assert verify_audit_log(path, (anchor["entries"], anchor["head"])) == 3
    # Rewrite the whole log with a valid chain but another legal basis: the chain alone does
    # not notice; the on-chain anchor does.
    rewritten, prev = [], GENESIS_PREV
    for line in path.read_text().splitlines():
        entry = {**json.loads(line), "legal_basis": "none", "prev": prev}
        text = json.dumps(entry, separators=(",", ":"), sort_keys=True)
        rewritten.append(text)
        prev = hashlib.sha256(text.encode()).hexdigest()
    path.write_text("\n".join(rewritten) + "\n")
    assert verify_audit_log(path) == 3
    with pytest.raises(ValueError, match="anchor at line 3"):
        verify_audit_log(path, (anchor["entries"], anchor["head"]))
    path.write_text("\n".join(rewritten[:2]) + "\n")  # lines cut off after anchoring
    with pytest.raises(ValueError, match="anchored 3"):
        verify_audit_log(path, (anchor["entries"], anchor["head"]))


def wait_for_anchor(node: Node, entries: int, timeout_s: float = 15.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        anchors = node.app.query("supervision/anchors", {}).value
        if anchors and anchors[0]["entries"] >= entries:
            return dict(anchors[0])
        time.sleep(0.1)
    raise AssertionError(f"no anchor of {entries} entries within {timeout_s} s")
