"""CometEngine's broadcast outcomes when CometBFT's RPC fails, and CheckTx details decoding.

Nothing was sent (connection refused): `cometbft/unavailable`. Sent, but the connection died
before an answer: `cometbft/outcome_unknown` (the transaction may be in the mempool, so the
client must re-send the same bytes, never re-sign the nonce). The API answers both with 503.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.api.errors import rejection_error
from finchain.app import CheckTxResult
from finchain.engine.cometbft import CometConfig, CometEngine, decode_check_tx_details
from finchain.modules.bank import Transfer
from tests.helpers import Chain, make_chain


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
