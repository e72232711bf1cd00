"""WebSocket subscriptions: `/v1/ws?topics=blocks,events`.

Readers authenticate on the handshake with the same signed headers as REST reads (a GET of the
`/v1/ws?...` URL, `api/auth.py`); every message is cut for the reader (`api/privacy.py`), and a
supervisory subscription is recorded in the audit log when it opens.

Messages: `{"type": "block", "block": Block}` (with receipts) after every commit, then one
`{"type": "event", "height", "tx_hash", "event": {type, attributes}}` per event of each successful
transaction in that block, then one per event of the block's own end-of-block work (clearing
settlements by netting, ...) with `tx_hash: null`.

Concurrency: the engine calls `WebSocketHub.publish_block` on its own thread after each commit. The
hub renders each message once, then hands it to every client's event loop with
`call_soon_threadsafe`; it never blocks on a client. Each client has a bounded backlog: a client
still more than `max_backlog` messages behind when a new block arrives is closed with 1013 (try
again later), so a slow reader costs memory for at most its backlog plus one block.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from finchain.api.auth import Viewer
from finchain.api.errors import ApiError, error_response
from finchain.api.privacy import cut_block
from finchain.api.readers import Readers
from finchain.model import BlockRecord, Receipt

TOPICS = ("blocks", "events")
# A supervisory subscription reads every member's future data: audited as one item of "all".
SUBSCRIPTION_OWNERS = frozenset({"*"})
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TRY_AGAIN_LATER = 1013


class _Client:
    """One connection's backlog; touched only on its own event loop (except `loop`/`topics`)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        topics: frozenset[str],
        max_backlog: int,
        viewer: Viewer,
    ) -> None:
        self.loop = loop
        self.topics = topics
        self.viewer = viewer
        # Readers with the same key see the same cut: each block is rendered once per key.
        scope = viewer.scope
        self.view_key: tuple[object, ...] = (
            ("all",) if scope.sees_everything else (scope.org, scope.supervised, scope.roles)
        )
        self.max_backlog = max_backlog
        self.backlog: deque[str] = deque()
        self.has_messages = asyncio.Event()
        self.overflowed = asyncio.Event()

    def enqueue(self, messages: list[str]) -> None:
        if self.overflowed.is_set():
            return
        if len(self.backlog) > self.max_backlog:
            self.backlog.clear()
            self.overflowed.set()
            return
        self.backlog.extend(messages)
        self.has_messages.set()

    async def pump(self, websocket: WebSocket) -> None:
        """Send the backlog until the peer leaves or the client overflows."""
        async with anyio.create_task_group() as group:

            async def run_until_first_done(job: Callable[[], Awaitable[object]]) -> None:
                await job()
                group.cancel_scope.cancel()

            group.start_soon(run_until_first_done, lambda: self._send_all(websocket))
            group.start_soon(run_until_first_done, lambda: _wait_for_disconnect(websocket))
            group.start_soon(run_until_first_done, self.overflowed.wait)
        if self.overflowed.is_set():
            reason = f"more than {self.max_backlog} messages behind"
            with contextlib.suppress(Exception):  # the peer may already be gone
                await websocket.close(CLOSE_TRY_AGAIN_LATER, reason)

    async def _send_all(self, websocket: WebSocket) -> None:
        try:
            while True:
                await self.has_messages.wait()
                self.has_messages.clear()
                while self.backlog:
                    await websocket.send_text(self.backlog.popleft())
        except (WebSocketDisconnect, OSError, RuntimeError):
            return  # the peer went away mid-send; the receive side sees the disconnect too


class WebSocketHub:
    def __init__(self, max_backlog: int) -> None:
        self.max_backlog = max_backlog
        self._clients: set[_Client] = set()
        self._lock = threading.Lock()

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def publish_block(self, block: BlockRecord, receipts: list[Receipt]) -> None:
        """Engine listener: queue the block and its events for every subscribed client."""
        with self._lock:
            clients = list(self._clients)
        if not clients:
            return
        by_view: dict[tuple[object, ...], dict[str, list[str]]] = {}
        for client in clients:
            by_topic = by_view.get(client.view_key)
            if by_topic is None:
                by_topic = by_view[client.view_key] = _render(block, receipts, client.viewer)
            messages = [m for topic in TOPICS if topic in client.topics for m in by_topic[topic]]
            if messages:
                with contextlib.suppress(RuntimeError):  # that client's loop has closed
                    client.loop.call_soon_threadsafe(client.enqueue, messages)

    async def serve(self, websocket: WebSocket, topics: str, viewer: Viewer) -> None:
        wanted = frozenset(t.strip() for t in topics.split(",") if t.strip())
        unknown = sorted(wanted - set(TOPICS))
        await websocket.accept()
        if unknown or not wanted:
            reason = f"unknown topics {unknown}; choose from {list(TOPICS)}"
            await websocket.close(CLOSE_POLICY_VIOLATION, reason)
            return
        client = _Client(asyncio.get_running_loop(), wanted, self.max_backlog, viewer)
        with self._lock:
            self._clients.add(client)
        try:
            await client.pump(websocket)
        finally:
            with self._lock:
                self._clients.discard(client)


def build_ws_router(hub: WebSocketHub, readers: Readers) -> APIRouter:
    router = APIRouter()

    @router.websocket("/v1/ws")
    async def subscribe(websocket: WebSocket, topics: str = ",".join(TOPICS)) -> None:
        try:
            viewer = await readers.ws_viewer(websocket)
        except ApiError as refusal:  # answered as HTTP 401 with the usual error body
            denial = error_response(
                refusal.status, refusal.code, refusal.message, **refusal.details
            )
            await websocket.send_denial_response(denial)
            return
        if viewer.scope.is_supervisor:  # a supervisory stream: logged once, when it opens
            try:
                readers.audit(viewer, "WS", websocket.url.path, [SUBSCRIPTION_OWNERS])
            except ApiError as refusal:
                await websocket.send_denial_response(
                    error_response(refusal.status, refusal.code, refusal.message)
                )
                return
        await hub.serve(websocket, topics, viewer)

    return router


def _render(block: BlockRecord, receipts: list[Receipt], viewer: Viewer) -> dict[str, list[str]]:
    """Both topics' messages for one block, cut for `viewer`."""
    view = cut_block(block, receipts, viewer)
    return {
        "blocks": [_dump({"type": "block", "block": view.json})],
        "events": _render_events(block, view.json),
    }


def _render_events(block: BlockRecord, block_json: dict[str, Any]) -> list[str]:
    """Events of successful transactions, then the block's own (end-of-block) events, which
    carry `tx_hash: null` (both already cut for the reader)."""
    height = block.header.height
    tx_events = [
        _dump({"type": "event", "height": height, "tx_hash": r["tx_hash"], "event": e})
        for r in block_json["receipts"]
        if r["code"] == "ok"
        for e in r["events"]
    ]
    block_events = [
        _dump({"type": "event", "height": height, "tx_hash": None, "event": e})
        for e in block_json["events"]
    ]
    return tx_events + block_events


def _dump(message: dict[str, object]) -> str:
    return json.dumps(message, separators=(",", ":"))


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) client messages until the peer disconnects."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
