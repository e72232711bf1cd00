"""WebSocket /v1/ws: blocks with receipts, one message per event, topic filters, and slow clients
dropped with 1013 instead of blocking the engine."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from finchain.api.auth import ANONYMOUS, Viewer
from finchain.api.websocket import CLOSE_TRY_AGAIN_LATER, WebSocketHub, _render
from finchain.model import BlockHeader, BlockRecord, Event, Receipt
from finchain.modules.scope import ReadScope
from tests.api.support import addr, transfer
from tests.helpers import Chain


def test_ws_receives_block_then_transfer_event(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 77)
    with client.websocket_connect("/v1/ws?topics=blocks,events") as ws:
        tx_hash = client.post("/v1/txs", json={"tx": raw.hex()}).json()["hash"]

        block_message = ws.receive_json()
        event_message = ws.receive_json()

    assert block_message["type"] == "block"
    block = block_message["block"]
    assert block["height"] == 1 and block["tx_hashes"] == [tx_hash]
    assert block["receipts"][0]["code"] == "ok"
    assert event_message == {
        "type": "event",
        "height": 1,
        "tx_hash": tx_hash,
        "event": {
            "type": "bank.transfer",
            "attributes": {
                "sender": addr(api_chain, "user0"),
                "recipient": addr(api_chain, "user1"),
                "asset": "CNY",
                "amount": "77",
            },
        },
    }


def test_ws_topic_filter(client: TestClient, api_chain: Chain) -> None:
    with (
        client.websocket_connect("/v1/ws?topics=events") as events_only,
        client.websocket_connect("/v1/ws?topics=blocks") as blocks_only,
    ):
        client.post("/v1/txs", json={"tx": transfer(api_chain, "user0", "user1", 1).hex()})
        client.post("/v1/txs", json={"tx": transfer(api_chain, "user0", "user1", 2).hex()})

        assert [events_only.receive_json()["type"] for _ in range(2)] == ["event", "event"]
        blocks = [blocks_only.receive_json() for _ in range(2)]

    assert [b["type"] for b in blocks] == ["block", "block"]
    assert [b["block"]["height"] for b in blocks] == [1, 2]


def test_ws_unknown_topic_is_closed_with_1008(client: TestClient) -> None:
    with (
        client.websocket_connect("/v1/ws?topics=blocks,gossip") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_json()

    assert closed.value.code == 1008


def test_ws_default_topics_are_blocks_and_events(client: TestClient, api_chain: Chain) -> None:
    with client.websocket_connect("/v1/ws") as ws:
        client.post("/v1/txs", json={"tx": transfer(api_chain, "user0", "user1", 1).hex()})
        assert [ws.receive_json()["type"] for _ in range(2)] == ["block", "event"]


def _block(height: int, receipts: list[Receipt]) -> BlockRecord:
    header = BlockHeader("c", height, height, b"\x01" * 32, b"\x02" * 20)
    return BlockRecord(header, tuple(r.tx_hash for r in receipts), b"", b"")


def test_hub_drops_a_client_that_falls_too_far_behind() -> None:
    event = Event("bank.transfer", (("amount", "1"),))
    receipts = [Receipt(bytes([i]) * 32, 1, i, "ok", "", 0, (event,)) for i in range(3)]
    failed = Receipt(b"\xff" * 32, 1, 3, "bank/insufficient_funds", "no", 0, (event,))
    sent: list[str] = []
    closed: list[tuple[int, str]] = []

    class SlowSocket:
        async def accept(self) -> None:
            return None

        async def send_text(self, text: str) -> None:
            sent.append(text)
            await asyncio.sleep(3600)  # never finishes: the client is stuck

        async def receive(self) -> dict[str, Any]:
            await asyncio.sleep(3600)
            return {"type": "websocket.disconnect"}

        async def close(self, code: int, reason: str = "") -> None:
            closed.append((code, reason))

    async def scenario() -> None:
        hub = WebSocketHub(max_backlog=5)
        socket = SlowSocket()
        serving = asyncio.ensure_future(hub.serve(socket, "blocks,events", ANONYMOUS))  # type: ignore[arg-type]
        while hub.client_count == 0:
            await asyncio.sleep(0)
        for height in range(1, 4):  # each block: 1 block message + 3 events (failed tx: none)
            await asyncio.to_thread(
                hub.publish_block, _block(height, [*receipts, failed]), [*receipts, failed]
            )
            await asyncio.sleep(0.01)
        await asyncio.wait_for(serving, 5)
        assert hub.client_count == 0

    asyncio.run(scenario())

    assert closed and closed[0][0] == CLOSE_TRY_AGAIN_LATER
    assert len(sent) == 1  # the stuck send; the rest were dropped, not buffered without bound


def test_block_events_follow_transaction_events_with_null_tx_hash() -> None:
    """End-of-block events (e.g. clearing settlements by netting) belong to no transaction."""
    header = BlockHeader("c", 7, 1, b"\x01" * 32, b"\x02" * 20)
    tx_event = Event("bank.transfer", (("amount", "5"),))
    parties = (("sender", "bank-a"), ("receiver", "bank-b"), ("method", "lsm"))
    block_event = Event("clearing.payment_settled", parties)
    receipt = Receipt(b"\x03" * 32, 7, 0, "ok", "", 1, (tx_event,))
    record = BlockRecord(header, (receipt.tx_hash,), b"p" * 32, b"a" * 32, (block_event,))
    regulator = Viewer("0x" + "11" * 20, ReadScope("csrc", frozenset({"regulator"})))
    messages = [json.loads(m) for m in _render(record, [receipt], regulator)["events"]]
    assert [(m["tx_hash"], m["event"]["type"]) for m in messages] == [
        ((b"\x03" * 32).hex(), "bank.transfer"),
        (None, "clearing.payment_settled"),
    ]
    assert messages[1]["event"]["attributes"]["method"] == "lsm"
    # A reader who is not a party gets the event's type only (clearing privacy).
    anonymous = [json.loads(m) for m in _render(record, [receipt], ANONYMOUS)["events"]]
    assert anonymous[1]["event"] == {
        "type": "clearing.payment_settled",
        "attributes": {},
        "redacted": True,
    }
