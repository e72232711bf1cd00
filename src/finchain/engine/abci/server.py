"""The ABCI socket server CometBFT connects to (`proxy_app = "tcp://127.0.0.1:26658"`).

CometBFT opens four connections to one listener (consensus, mempool, query, snapshot). On each
connection it writes length-prefixed `Request`s (see `framing`) and expects the `Response`s in
the same order; a `Flush` is answered once every earlier response has been written out.

Concurrency: an asyncio event loop (its own thread when started with `start`) runs one task per
connection; requests are decoded on the loop and answered by `AbciHandlers.handle` on a single
worker thread, so block execution never blocks the loop and never runs concurrently with any
other application call (the handlers additionally hold the application lock, which the API's
threads share). Requests of one connection are handled strictly in order; connections
interleave request by request in chunks.
Must never: answer out of order; call the application on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from finchain.engine.abci.framing import FrameDecoder, FramingError, encode_frame
from finchain.engine.abci.handlers import AbciHandlers
from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci

log = logging.getLogger(__name__)

READ_CHUNK_BYTES = 256 * 1024
MAX_REQUESTS_PER_TURN = 256  # lets other connections (consensus) in between mempool bursts
HIGH_WATER_BYTES = 4 * 1024 * 1024
START_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """`tcp://host:port` (port 0 picks a free one) or `unix:///path/to.sock`."""

    host: str = "127.0.0.1"
    port: int = 26658
    unix_path: str = ""

    @staticmethod
    def parse(text: str) -> ListenAddress:
        if text.startswith("unix://"):
            return ListenAddress(unix_path=text[len("unix://") :])
        rest = text[len("tcp://") :] if text.startswith("tcp://") else text
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"ABCI address must be tcp://host:port or unix:///path: {text!r}")
        return ListenAddress(host=host, port=int(port))

    def __str__(self) -> str:
        return f"unix://{self.unix_path}" if self.unix_path else f"tcp://{self.host}:{self.port}"


class AbciServer:
    def __init__(self, handlers: AbciHandlers, address: ListenAddress | str) -> None:
        self.handlers = handlers
        self.address = (
            address if isinstance(address, ListenAddress) else ListenAddress.parse(address)
        )
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="abci-app")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on a background thread with its own event loop; returns once listening."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run_thread, name="abci-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise RuntimeError(f"ABCI server did not start listening on {self.address}")
        if self._failure is not None:
            raise RuntimeError(f"ABCI server failed to start: {self._failure}") from self._failure

    def stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have just finished
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._worker.shutdown(wait=True)

    async def serve(self) -> None:
        """Serve until `stop` (or cancellation); usable directly inside a running loop."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await self._listen()
        log.info("abci listening address=%s", self.address)
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await server.wait_closed()
            log.info("abci stopped address=%s", self.address)

    # ---- connections ----------------------------------------------------------------------

    async def _listen(self) -> asyncio.Server:
        address = self.address
        if address.unix_path:
            Path(address.unix_path).unlink(missing_ok=True)
            return await asyncio.start_unix_server(self._on_connection, path=address.unix_path)
        server = await asyncio.start_server(self._on_connection, address.host, address.port)
        if address.port == 0:
            port = server.sockets[0].getsockname()[1]
            self.address = ListenAddress(host=address.host, port=int(port))
        return server

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        peer = writer.get_extra_info("peername") or "unix"
        log.info("abci connection opened peer=%s", peer)
        try:
            await self._serve_connection(reader, writer)
        except FramingError as exc:
            log.error("abci connection peer=%s sent a bad frame: %s", peer, exc)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            log.info("abci connection closed peer=%s", peer)

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        decoder = FrameDecoder()
        while True:
            data = await reader.read(READ_CHUNK_BYTES)
            if not data:
                return
            requests = decoder.feed(data)
            for start in range(0, len(requests), MAX_REQUESTS_PER_TURN):
                chunk = requests[start : start + MAX_REQUESTS_PER_TURN]
                responses = await loop.run_in_executor(self._worker, self._handle_all, chunk)
                writer.writelines([encode_frame(r) for r in responses])
                flushed = any(r.WhichOneof("value") == "flush" for r in responses)
                if flushed or writer.transport.get_write_buffer_size() > HIGH_WATER_BYTES:
                    await writer.drain()

    def _handle_all(self, requests: list[abci.Request]) -> list[abci.Response]:
        return [self.handlers.handle(request) for request in requests]

    def _run_thread(self) -> None:
        try:
            asyncio.run(self.serve())
        except BaseException as exc:  # reported to `start`, which re-raises it
            self._failure = exc
            log.exception("abci server stopped with an error")
        finally:
            self._ready.set()
