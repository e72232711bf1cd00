"""Issue 15: random and adversarial bytes on the ABCI socket never stop the server.

A real `AbciServer` on 127.0.0.1 (in-process) over a real chain. Each example opens a connection
and sends frames: every `Request` type built from random protobuf bytes, plus framing attacks
(a varint longer than 10 bytes, lengths over the frame limit or near 2**64, bodies that are not a
`Request`, truncated frames). The server must answer every well-framed request in order, with a
response of the same type or an `exception` (never an exception for CheckTx or Query), or close
only that connection when the framing is broken (the ABCI spec allows it); afterwards a fresh
connection still gets Info, CheckTx and Flush answered.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from google.protobuf.message import DecodeError, Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finchain.engine.abci import AbciHandlers, AbciServer
from finchain.engine.abci.framing import (
    MAX_FRAME_BYTES,
    FrameDecoder,
    FramingError,
    decode_uvarint,
    encode_frame,
    encode_uvarint,
)
from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci
from tests.helpers import make_chain

REQUEST_FIELDS = abci.Request.DESCRIPTOR.oneofs_by_name["value"].fields
KINDS = [field.name for field in REQUEST_FIELDS]
NEVER_EXCEPTION = {
    "check_tx",
    "query",
    "echo",
    "flush",
    "info",
    "prepare_proposal",
    "process_proposal",
}
FLUSH = encode_frame(abci.Request(flush=abci.RequestFlush()))
ADVERSARIAL = [
    b"\xff" * 11,  # a length varint longer than 10 bytes
    encode_uvarint(MAX_FRAME_BYTES + 1),  # over the frame limit
    encode_uvarint(2**64 - 1),  # a length near 2**64
    encode_uvarint(6) + b"\xff\xff\xff\xff\xff\xff",  # a body that is no Request
    encode_uvarint(1_000) + b"truncated",  # a frame that never ends
    b"\x80",  # a length varint that never ends
]
CRAFTED = [
    abci.Request(query=abci.RequestQuery(path="block", data=b'{"height": "x"}')),
    abci.Request(query=abci.RequestQuery(path="account", data=b"\xff\xfe")),
    abci.Request(query=abci.RequestQuery(path="block", data=b'{"height": -1}')),
    abci.Request(query=abci.RequestQuery(path="account", data=b"[" * 100_000)),
    abci.Request(check_tx=abci.RequestCheckTx(tx=b"\x91" * 10_000)),
    abci.Request(check_tx=abci.RequestCheckTx(tx=b"\xdd\xff\xff\xff\xff")),
    abci.Request(process_proposal=abci.RequestProcessProposal(txs=[b"\x00", b"\x00"])),
    abci.Request(finalize_block=abci.RequestFinalizeBlock(height=10**9)),
    abci.Request(commit=abci.RequestCommit()),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AbciServer]:
    chain = make_chain(tmp_path_factory.mktemp("abci-fuzz"))
    abci_server = AbciServer(AbciHandlers(chain.app), "tcp://127.0.0.1:0")
    abci_server.start()
    yield abci_server
    abci_server.stop()
    chain.close()


def _random_request(kind: str, body: bytes) -> abci.Request:
    field = abci.Request.DESCRIPTOR.fields_by_name[kind]
    inner: Message = getattr(abci, field.message_type.name)()
    try:
        inner.ParseFromString(body)
    except DecodeError:
        inner.Clear()
    request = abci.Request()
    getattr(request, kind).CopyFrom(inner)
    return request


FRAMES = st.one_of(
    st.builds(
        lambda kind, body: encode_frame(_random_request(kind, body)),
        st.sampled_from(KINDS),
        st.binary(max_size=300),
    ),
    st.builds(lambda body: encode_uvarint(len(body)) + body, st.binary(max_size=300)),
    st.sampled_from([encode_frame(r) for r in CRAFTED]),
    st.sampled_from(ADVERSARIAL),
)


def _exchange(port: int, payload: bytes) -> tuple[list[abci.Response], bool]:
    """Send `payload`, end our side, read until the server closes: (responses, closed cleanly)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        buffer = b""
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except ConnectionResetError:
                break
            if not chunk:
                break
            buffer += chunk
    responses: list[abci.Response] = []
    offset = 0
    while (header := decode_uvarint(buffer, offset)) is not None:
        length, start = header
        if start + length > len(buffer):
            break
        response = abci.Response()
        response.ParseFromString(buffer[start : start + length])
        responses.append(response)
        offset = start + length
    return responses, offset == len(buffer)


def _expected(payload: bytes) -> list[abci.Request] | None:
    """The requests the server must answer, or None when the framing is broken."""
    try:
        return FrameDecoder().feed(payload)
    except FramingError:
        return None


def _assert_still_serving(port: int) -> None:
    requests = [
        abci.Request(info=abci.RequestInfo()),
        abci.Request(check_tx=abci.RequestCheckTx(tx=b"\x00not a transaction")),
    ]
    responses, clean = _exchange(port, b"".join(encode_frame(r) for r in requests) + FLUSH)
    assert clean
    assert [r.WhichOneof("value") for r in responses] == ["info", "check_tx", "flush"]
    assert responses[1].check_tx.code != 0 and responses[1].check_tx.codespace


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(FRAMES, min_size=1, max_size=8))
def test_the_server_answers_random_requests_and_keeps_serving(
    server: AbciServer, frames: list[bytes]
) -> None:
    payload = b"".join(frames) + FLUSH
    expected = _expected(payload)
    responses, clean = _exchange(server.address.port, payload)
    assert clean, "a response was cut off"
    if expected is not None:  # well framed: one answer per complete request, in order
        assert len(responses) == len(expected)
        for request, response in zip(expected, responses, strict=True):
            kind, answer = request.WhichOneof("value"), response.WhichOneof("value")
            if kind in NEVER_EXCEPTION:
                assert answer == kind, response
            else:
                assert answer in (kind, "exception"), response
    _assert_still_serving(server.address.port)


@pytest.mark.parametrize("request_", CRAFTED, ids=[r.WhichOneof("value") for r in CRAFTED])
def test_crafted_requests_are_answered(server: AbciServer, request_: abci.Request) -> None:
    responses, clean = _exchange(server.address.port, encode_frame(request_) + FLUSH)
    kind = request_.WhichOneof("value")
    assert clean and [r.WhichOneof("value") for r in responses][1:] == ["flush"]
    assert responses[0].WhichOneof("value") == (kind if kind in NEVER_EXCEPTION else "exception")
    _assert_still_serving(server.address.port)


@pytest.mark.parametrize("attack", ADVERSARIAL, ids=[a[:6].hex() for a in ADVERSARIAL])
def test_invalid_framing_closes_only_that_connection(server: AbciServer, attack: bytes) -> None:
    with socket.create_connection(("127.0.0.1", server.address.port), timeout=20) as held:
        held.sendall(encode_frame(abci.Request(echo=abci.RequestEcho(message="a"))) + FLUSH)
        responses, _ = _exchange(server.address.port, attack + FLUSH)
        assert all(r.WhichOneof("value") == "flush" for r in responses[-1:])
        _assert_still_serving(server.address.port)
        assert held.recv(1 << 16)  # the other connection was answered and is still open
        held.sendall(FLUSH)
        assert held.recv(1 << 16)
