"""CometEngine's broadcast outcomes when CometBFT's RPC fails, CheckTx details decoding, and
the definite/indefinite classification of refusals (docs/api.md).

Nothing was sent (connection refused): `cometbft/unavailable`. Sent, but the connection died
before an answer: `cometbft/outcome_unknown` (the transaction may be in the mempool, so the
client must re-send the same bytes, never re-sign the nonce). The API answers both with 503.

`test_fake_rpc_*` answer the broadcast from a fake CometBFT RPC: a real node cannot be made to
answer "tx already exists in cache" for bytes its mempool does not hold at a chosen moment (the
race tests/e2e/cometbft/test_resend.py provokes against a real network).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.api.errors import rejection_error
from finchain.api.services import NodeServices
from finchain.api.submission import CommitWatcher, Submitter
from finchain.app import CheckTxResult
from finchain.engine import cometbft
from finchain.engine.base import is_definite_refusal
from finchain.engine.cometbft import CometConfig, CometEngine, decode_check_tx_details
from finchain.modules.bank import Issue, Transfer
from tests.helpers import Chain, make_chain

IN_CACHE_ERROR = {  # CometBFT v0.38 broadcast_tx_sync: mempool.ErrTxInCache as RPCInternalError
    "code": -32603,
    "message": "Internal error",
    "data": "tx already exists in cache",
}


@pytest.fixture
def engine_chain(tmp_path: Path) -> Iterator[Chain]:
    chain = make_chain(tmp_path / "chain", "intl")
    yield chain
    chain.close()


def test_check_tx_details_are_hex_in_v038_rpc() -> None:
    data = json.dumps({"expected": 3}).encode().hex().upper()  # CometBFT's HexBytes
    assert decode_check_tx_details(data) == {"expected": 3}
    assert decode_check_tx_details("") == {}
    assert decode_check_tx_details("not hex") == {}
    assert decode_check_tx_details(b"[1]".hex()) == {}


def test_connection_refused_is_unavailable(engine_chain: Chain) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    result = _submit_to(engine_chain, f"http://127.0.0.1:{port}")
    assert result.code == "cometbft/unavailable"
    assert rejection_error(result).status == 503


def test_connection_dropped_after_send_is_outcome_unknown(engine_chain: Chain) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def accept_read_and_hang_up() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)  # the broadcast arrived; no answer

        thread = threading.Thread(target=accept_read_and_hang_up, daemon=True)
        thread.start()
        result = _submit_to(engine_chain, f"http://127.0.0.1:{port}")
        thread.join(timeout=5)
    assert result.code == "cometbft/outcome_unknown"
    assert rejection_error(result).status == 503


@pytest.mark.parametrize(
    "code",
    ["tx/bad_signature", "tx/wrong_chain_id", "tx/expired", "codec/malformed", "tx/too_large"],
)
def test_stateless_refusals_are_definite_on_every_engine(code: str) -> None:
    assert is_definite_refusal(code, peers_may_hold_it=True)
    assert is_definite_refusal(code, peers_may_hold_it=False)


@pytest.mark.parametrize(
    "code", ["tx/nonce_gap", "tx/nonce_reused", "bank/insufficient_funds", "cometbft/tx_too_large"]
)
def test_stateful_refusals_are_definite_only_without_peers(code: str) -> None:
    assert not is_definite_refusal(code, peers_may_hold_it=True)
    assert is_definite_refusal(code, peers_may_hold_it=False)


def test_nonce_below_the_committed_nonce_is_definite_with_peers() -> None:
    assert is_definite_refusal(
        "tx/nonce_reused", peers_may_hold_it=True, nonce_below_committed=True
    )
    assert not is_definite_refusal(
        "tx/nonce_gap", peers_may_hold_it=True, nonce_below_committed=True
    )


@pytest.mark.parametrize(
    "code",
    [
        "cometbft/outcome_unknown",
        "cometbft/unavailable",
        "cometbft/mempool_full",
        "cometbft/rpc_failed",
    ],
)
def test_retry_later_codes_are_never_definite(code: str) -> None:
    assert not is_definite_refusal(code, peers_may_hold_it=False)


def test_submitter_classifies_nonce_refusals_on_a_cometbft_node(engine_chain: Chain) -> None:
    chain = engine_chain
    chain.execute(chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 1)))  # nonce 0
    services = NodeServices(chain.app, chain.engine, chain.db, engine_name="cometbft")
    submitter = Submitter(services, CommitWatcher(chain.db))
    sender = chain.address("pboc")
    reused = CheckTxResult("tx/nonce_reused", "nonce 0 already used", b"\x01" * 32, sender, 0)
    held = CheckTxResult("tx/nonce_reused", "nonce 1 already used", b"\x02" * 32, sender, 1)
    gap = CheckTxResult(
        "tx/nonce_gap", "nonce 3 is ahead", b"\x03" * 32, sender, 3, {"expected": 1}
    )
    assert submitter.is_definite(reused)  # below the committed nonce 1: can never commit
    assert not submitter.is_definite(held)  # not below the committed nonce 1: may win elsewhere
    assert not submitter.is_definite(gap)  # another node may hold nonces 1 and 2
    answer = rejection_error(gap, submitter.is_definite(gap))
    assert (answer.status, answer.code) == (503, "tx/nonce_gap")
    assert answer.details == {"expected": 1, "hash": "03" * 32, "definite": False}
    assert rejection_error(reused, submitter.is_definite(reused)).status == 400
    solo = Submitter(NodeServices(chain.app, chain.engine, chain.db), CommitWatcher(chain.db))
    assert solo.is_definite(gap)  # the solo engine is the only mempool


def test_fake_rpc_in_cache_and_held_here_is_pending(
    engine_chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _fake_rpc([{"jsonrpc": "2.0", "id": 1, "error": IN_CACHE_ERROR}]) as rpc_url:
        engine = CometEngine(engine_chain.app, CometConfig(rpc_url=rpc_url, rpc_timeout_s=5.0))
        monkeypatch.setattr(engine.handlers, "is_pending", lambda _: True)  # the mempool has it
        try:
            raw = engine_chain.sign("pboc", Transfer(engine_chain.address("bank-a"), "CNY", 1))
            result, future = engine.submit(raw)
        finally:
            engine.stop()
    assert result.ok and future is not None and not future.done()


def test_fake_rpc_in_cache_not_held_here_is_outcome_unknown(
    engine_chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cometbft, "IN_CACHE_SETTLE_S", 0.1)
    with _fake_rpc([{"jsonrpc": "2.0", "id": 1, "error": IN_CACHE_ERROR}]) as rpc_url:
        engine = CometEngine(engine_chain.app, CometConfig(rpc_url=rpc_url, rpc_timeout_s=5.0))
        try:
            raw = engine_chain.sign("pboc", Transfer(engine_chain.address("bank-a"), "CNY", 1))
            result, future = engine.submit(raw)
        finally:
            engine.stop()
    assert (result.code, future) == ("cometbft/outcome_unknown", None)
    assert "in its cache" in result.log
    assert rejection_error(result).status == 503  # never a 4xx: another node's copy may commit


@contextlib.contextmanager
def _fake_rpc(reply: object) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering every POST with the JSON `reply` (ids: 1, 2, ...)."""
    body = json.dumps(reply).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _submit_to(chain: Chain, rpc_url: str) -> CheckTxResult:
    engine = CometEngine(chain.app, CometConfig(rpc_url=rpc_url, rpc_timeout_s=5.0))
    try:
        raw = chain.sign("pboc", Transfer(chain.address("bank-a"), "CNY", 1), nonce=0)
        result, future = engine.submit(raw)
        assert future is None
        assert not engine.is_pending(result.tx_hash)
        return result
    finally:
        engine.stop()
