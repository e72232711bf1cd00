"""ABCI socket framing: each message is a protobuf `Request`/`Response` prefixed by its length.

CometBFT v0.38 writes and reads the length as an unsigned protobuf varint (`libs/protoio`,
`binary.PutUvarint`; not zigzag), e.g. a 300-byte message is preceded by `ac 02`.

Owns: the byte-level format only (sans-I/O). `FrameDecoder` is fed whatever the socket delivered
and returns the complete requests; `encode_frame` turns a response into bytes to write.
Must never: do I/O or call the application.
Concurrency: a `FrameDecoder` belongs to one connection; no shared state.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError, Message

from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci

MAX_FRAME_BYTES = 512 * 1024 * 1024  # CometBFT's own limit is 2 GiB; a block is far smaller
_MAX_VARINT_BYTES = 10


class FramingError(Exception):
    """The peer sent bytes that are not a valid ABCI frame; the connection must be closed."""


def encode_uvarint(value: int) -> bytes:
    if value < 0:
        raise ValueError("uvarint must be non-negative")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uvarint(data: bytes | bytearray, offset: int = 0) -> tuple[int, int] | None:
    """Return (value, offset after it), or None if `data` ends inside the varint."""
    value = 0
    shift = 0
    for index in range(offset, min(len(data), offset + _MAX_VARINT_BYTES)):
        byte = data[index]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, index + 1
        shift += 7
    if len(data) - offset >= _MAX_VARINT_BYTES:
        raise FramingError("length prefix is longer than 10 bytes")
    return None


def encode_frame(message: Message) -> bytes:
    body = message.SerializeToString()
    return encode_uvarint(len(body)) + body


class FrameDecoder:
    """Accumulates bytes and yields every complete `Request` in arrival order."""

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self._max = max_frame_bytes

    def feed(self, data: bytes) -> list[abci.Request]:
        self._buffer += data
        requests: list[abci.Request] = []
        offset = 0
        while True:
            header = decode_uvarint(self._buffer, offset)
            if header is None:
                break
            length, start = header
            if length > self._max:
                raise FramingError(f"frame of {length} bytes exceeds {self._max}")
            end = start + length
            if end > len(self._buffer):
                break
            request = abci.Request()
            try:
                request.ParseFromString(bytes(self._buffer[start:end]))
            except DecodeError as exc:
                raise FramingError(f"frame is not an ABCI Request: {exc}") from None
            requests.append(request)
            offset = end
        if offset:
            del self._buffer[:offset]
        return requests

    @property
    def buffered(self) -> int:
        return len(self._buffer)
