"""The ABCI boundary without CometBFT: framing, result codes, handlers, the socket server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.app.ante import ERR_BAD_SIGNATURE
from finchain.codec import decode, encode
from finchain.crypto import PrivateKey, get_suite
from finchain.engine.abci import AbciHandlers, AbciServer, from_abci_code, to_abci_code
from finchain.engine.abci.framing import (
    FrameDecoder,
    FramingError,
    decode_uvarint,
    encode_frame,
    encode_uvarint,
)
from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci
from finchain.errors import all_error_codes
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.node import build_application
from finchain.store import Database
from tests.e2e.cometbft.support import sign_transfer
from tests.helpers import CHAIN_ID, GENESIS_TIME_MS

pytestmark = pytest.mark.e2e

SUITE = get_suite("intl")


# ---- framing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 16_383, 16_384, 2**31 - 1, 2**64 - 1])
def test_uvarint_roundtrip(value: int) -> None:
    encoded = encode_uvarint(value)
    assert decode_uvarint(encoded) == (value, len(encoded))
    if len(encoded) > 1:
        assert decode_uvarint(encoded[:-1]) is None  # incomplete: wait for more bytes


def test_uvarint_is_unsigned_not_zigzag() -> None:
    # CometBFT v0.38 protoio: binary.PutUvarint(len). 300 -> ac 02 (zigzag would be d8 04).
    assert encode_uvarint(300) == b"\xac\x02"
    assert encode_frame(abci.Request(echo=abci.RequestEcho(message="hi"))) == b"\x06\n\x04\n\x02hi"


def test_frames_roundtrip_whatever_the_fragmentation() -> None:
    requests = [
        abci.Request(echo=abci.RequestEcho(message="ping")),
        abci.Request(flush=abci.RequestFlush()),
        abci.Request(check_tx=abci.RequestCheckTx(tx=b"x" * 300, type=abci.RECHECK)),
        abci.Request(
            finalize_block=abci.RequestFinalizeBlock(txs=[b"a", b"b" * 200], height=7, hash=b"h")
        ),
    ]
    stream = b"".join(encode_frame(r) for r in requests)
    for step in (1, 2, 7, 300, len(stream)):
        decoder = FrameDecoder()
        received: list[abci.Request] = []
        for start in range(0, len(stream), step):
            received += decoder.feed(stream[start : start + step])
        assert received == requests
        assert decoder.buffered == 0


def test_invalid_oversized_frame() -> None:
    with pytest.raises(FramingError):
        FrameDecoder(max_frame_bytes=10).feed(encode_uvarint(11))


def test_result_codes_roundtrip() -> None:
    assert to_abci_code("ok") == (0, "")
    assert to_abci_code(str(ERR_BAD_SIGNATURE)) == (22, "tx")
    for code in all_error_codes():
        assert from_abci_code(*to_abci_code(str(code))) == str(code)


# ---- handlers ----------------------------------------------------------------------------------


class Fixture:
    def __init__(self, path: Path) -> None:
        self.keys: dict[str, PrivateKey] = {
            org: SUITE.generate_private_key() for org, _, _ in DEV_ORGS
        }
        self.keys["user0"] = SUITE.generate_private_key()
        orgs = {org: self.address(org) for org, _, _ in DEV_ORGS}
        self.genesis = make_dev_genesis(
            CHAIN_ID, "intl", orgs, {self.address("user0"): 1_000}, GENESIS_TIME_MS
        )
        self.db = Database(path)
        self.app = build_application(self.db)
        self.handlers = AbciHandlers(self.app)

    def address(self, name: str) -> bytes:
        return SUITE.address(self.keys[name].public_key)

    def init_chain(self, chain_id: str = CHAIN_ID) -> abci.Response:
        request = abci.RequestInitChain(
            chain_id=chain_id, app_state_bytes=self.genesis.encode(), initial_height=1
        )
        return self.handlers.handle(abci.Request(init_chain=request))

    def transfer(self, amount: int, nonce: int = 0) -> bytes:
        return sign_transfer(CHAIN_ID, self.keys["user0"], self.address("bank-b"), amount, nonce)


@pytest.fixture
def fx(tmp_path: Path) -> Iterator[Fixture]:
    fixture = Fixture(tmp_path / "db")
    yield fixture
    fixture.db.close()


def _corrupt_signature(raw: bytes) -> bytes:
    version, body, public_key, signature = decode(raw)
    flipped = bytes([signature[0] ^ 0x01]) + signature[1:]
    return encode([version, body, public_key, flipped])


def test_init_chain_returns_the_genesis_app_hash(fx: Fixture) -> None:
    response = fx.init_chain()
    assert response.WhichOneof("value") == "init_chain"
    assert response.init_chain.app_hash == fx.app.app_hash != b""
    again = fx.init_chain()  # CometBFT repeats InitChain if it restarts before block 1
    assert again.init_chain.app_hash == response.init_chain.app_hash


def test_invalid_init_chain_other_chain_id(fx: Fixture) -> None:
    response = fx.init_chain(chain_id="another-chain")
    assert response.WhichOneof("value") == "exception"
    assert "chain_id" in response.exception.error


def test_invalid_process_proposal_bad_signature(fx: Fixture) -> None:
    fx.init_chain()
    good = fx.transfer(10)
    bad = _corrupt_signature(fx.transfer(20, nonce=1))
    accept = fx.handlers.handle(
        abci.Request(process_proposal=abci.RequestProcessProposal(txs=[good], height=1))
    )
    reject = fx.handlers.handle(
        abci.Request(process_proposal=abci.RequestProcessProposal(txs=[good, bad], height=1))
    )
    assert accept.process_proposal.status == abci.ResponseProcessProposal.ACCEPT
    assert reject.process_proposal.status == abci.ResponseProcessProposal.REJECT


def test_check_tx_numeric_code_and_codespace(fx: Fixture) -> None:
    fx.init_chain()
    bad = fx.handlers.handle(
        abci.Request(check_tx=abci.RequestCheckTx(tx=_corrupt_signature(fx.transfer(5))))
    )
    assert (bad.check_tx.code, bad.check_tx.codespace) == (22, "tx")
    assert bad.check_tx.log
    ok = fx.handlers.handle(abci.Request(check_tx=abci.RequestCheckTx(tx=fx.transfer(5))))
    assert ok.check_tx.code == 0
    assert fx.handlers.pending_count == 1


def test_prepare_proposal_respects_max_tx_bytes(fx: Fixture) -> None:
    fx.init_chain()
    txs = [fx.transfer(1, nonce=n) for n in range(5)]
    budget = 2 * (len(txs[0]) + 6) + 1
    response = fx.handlers.handle(
        abci.Request(prepare_proposal=abci.RequestPrepareProposal(txs=txs, max_tx_bytes=budget))
    )
    assert list(response.prepare_proposal.txs) == txs[:2]


def test_finalize_commit_info_and_query(fx: Fixture) -> None:
    fx.init_chain()
    request = abci.RequestFinalizeBlock(
        txs=[fx.transfer(250), fx.transfer(10**9, nonce=1)],
        height=1,
        hash=b"\x11" * 32,
        proposer_address=b"\x22" * 20,
    )
    request.time.seconds, request.time.nanos = 1_700_000_001, 500_000_000
    finalized = fx.handlers.handle(abci.Request(finalize_block=request)).finalize_block
    ok, broke = finalized.tx_results
    assert ok.code == 0 and ok.gas_used > 0
    assert ok.events[0].type == "bank.transfer"
    assert (broke.codespace, from_abci_code(broke.code, broke.codespace)) == (
        "bank",
        "bank/insufficient_funds",
    )
    commit = fx.handlers.handle(abci.Request(commit=abci.RequestCommit()))
    assert commit.WhichOneof("value") == "commit"
    info = fx.handlers.handle(abci.Request(info=abci.RequestInfo())).info
    assert (info.last_block_height, info.last_block_app_hash) == (1, finalized.app_hash)
    record = fx.db.load_block(1)
    assert record is not None
    assert record.header.time_ms == 1_700_000_001_500
    assert (record.header.block_hash, record.header.proposer) == (b"\x11" * 32, b"\x22" * 20)

    query = abci.RequestQuery(
        path="account", data=b'{"address":"0x' + fx.address("bank-b").hex().encode() + b'"}'
    )
    answer = fx.handlers.handle(abci.Request(query=query)).query
    assert answer.code == 0 and answer.height == 1
    assert b'"CNY":"250"' in answer.value
    missing = fx.handlers.handle(abci.Request(query=abci.RequestQuery(path="nope"))).query
    assert (missing.code, missing.codespace) == (1, "query")


# ---- server ------------------------------------------------------------------------------------


def test_server_answers_in_order_and_flushes(fx: Fixture) -> None:
    fx.init_chain()
    server = AbciServer(fx.handlers, "tcp://127.0.0.1:0")
    server.start()
    try:
        requests = [
            abci.Request(echo=abci.RequestEcho(message="a")),
            abci.Request(info=abci.RequestInfo()),
            abci.Request(check_tx=abci.RequestCheckTx(tx=fx.transfer(1))),
            abci.Request(echo=abci.RequestEcho(message="b")),
            abci.Request(flush=abci.RequestFlush()),
        ]
        with socket.create_connection(("127.0.0.1", server.address.port), timeout=5) as sock:
            sock.sendall(b"".join(encode_frame(r) for r in requests))  # pipelined, like CometBFT
            responses = _read_responses(sock, len(requests))
    finally:
        server.stop()
    kinds = [r.WhichOneof("value") for r in responses]
    assert kinds == ["echo", "info", "check_tx", "echo", "flush"]
    assert (responses[0].echo.message, responses[3].echo.message) == ("a", "b")
    assert responses[2].check_tx.code == 0


def _read_responses(sock: socket.socket, count: int) -> list[abci.Response]:
    buffer = b""
    responses: list[abci.Response] = []
    while len(responses) < count:
        chunk = sock.recv(65536)
        assert chunk, "server closed the connection early"
        buffer += chunk
        while True:
            header = decode_uvarint(buffer)
            if header is None or header[1] + header[0] > len(buffer):
                break
            length, start = header
            response = abci.Response()
            response.ParseFromString(buffer[start : start + length])
            responses.append(response)
            buffer = buffer[start + length :]
    return responses
