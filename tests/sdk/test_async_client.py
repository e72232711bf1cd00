"""The asyncio client against a real node: typed calls, batch, and the WebSocket event stream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from finchain.sdk import (
    AsyncClient,
    FinchainApiError,
    NodeUnavailable,
    SuiteMismatch,
    Wallet,
    make_issue,
)
from tests.sdk.nodes import RunningNode

CNY = "CNY"


async def next_matching(stream: Any, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    async def scan() -> dict[str, Any]:
        async for message in stream:
            if message["type"] == kind:
                return dict(message)
        raise AssertionError("stream ended")

    return await asyncio.wait_for(scan(), timeout)


def test_async_flow_with_event_stream(running_node: RunningNode) -> None:
    pboc, bank_a = running_node.wallets["pboc"], running_node.wallets["bank-a"]
    bank_b = running_node.address("bank-b")

    async def scenario() -> None:
        async with AsyncClient(running_node.url) as client:
            assert (await client.status()).crypto_suite == running_node.suite_name
            issued = await client.bank.issue(pboc, bank_a.address, CNY, 10_000)
            assert issued.ok
            async with client.subscribe(("blocks", "events")) as stream:
                moved = await client.bank.transfer(bank_a, bank_b, CNY, 2_500)
                assert moved.ok and moved.receipt is not None
                block = await next_matching(stream, "block")
                assert block["block"]["height"] == moved.receipt.height
                assert moved.hash in block["block"]["tx_hashes"]
                event = await next_matching(stream, "event")
                assert event["tx_hash"] == moved.hash
                assert event["height"] == moved.receipt.height
                assert event["event"]["type"] == "bank.transfer"
                attributes = event["event"]["attributes"]
                assert bank_b in attributes.values(), attributes
            assert await client.get_balances(bank_b) == {CNY: 2_500}
            info = await client.wait_for_tx(moved.hash, timeout=5)
            assert info.ok and (await client.get_tx(moved.hash)).height == info.height
            account = await client.get_account(bank_a.address)
            assert account.balances == {CNY: 7_500}
            assert [a.symbol for a in await client.get_assets()] == [CNY]
            assert {m.id for m in await client.get_members()} >= {"pboc", "bank-a"}
            assert (await client.get_block("latest"))["height"] >= moved.receipt.height

    asyncio.run(scenario())


def test_async_batch_and_errors(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    bank_a = running_node.wallets["bank-a"]

    async def scenario() -> None:
        async with AsyncClient(running_node.url) as client:
            signed = [
                await client.build_and_sign(pboc, make_issue(bank_a.address, CNY, 1))
                for _ in range(5)
            ]
            results = await client.submit_batch(signed)
            assert all(r.ok for r in results)
            with pytest.raises(FinchainApiError) as caught:
                await client.bank.transfer(bank_a, running_node.address("bank-b"), CNY, 6)
            assert caught.value.code == "bank/insufficient_funds"
            replay = await client.build_and_sign(pboc, make_issue(bank_a.address, CNY, 9), nonce=0)
            with pytest.raises(FinchainApiError) as reused:
                await client.submit(replay)
            assert reused.value.code == "tx/nonce_reused"
            other = "gm" if running_node.suite_name == "intl" else "intl"
            with pytest.raises(SuiteMismatch):
                await client.bank.redeem(Wallet.generate(other), CNY, 1)

    asyncio.run(scenario())


def test_events_only_topic(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]

    async def scenario() -> None:
        async with AsyncClient(running_node.url) as client, client.subscribe(("events",)) as stream:
            result = await client.bank.issue(pboc, running_node.address("bank-a"), CNY, 7)
            message = await asyncio.wait_for(stream.__anext__(), 10)
            assert message["type"] == "event" and message["tx_hash"] == result.hash

    asyncio.run(scenario())


def test_subscribe_to_absent_node_raises_node_unavailable() -> None:
    async def scenario() -> None:
        client = AsyncClient("http://127.0.0.1:9", timeout=2)
        try:
            with pytest.raises(NodeUnavailable):
                async with client.subscribe():
                    pass
            with pytest.raises(NodeUnavailable):
                await client.status()
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_invalid_subscription_topic(running_node: RunningNode) -> None:
    async def scenario() -> None:
        async with AsyncClient(running_node.url) as client:
            with pytest.raises(FinchainApiError) as caught:
                async with client.subscribe(("nonsense",)) as stream:
                    await asyncio.wait_for(stream.__anext__(), 10)
            assert caught.value.code == "api/invalid_request"
            assert "nonsense" in caught.value.message

    asyncio.run(scenario())
