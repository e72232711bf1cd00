"""POST /v1/txs and /v1/txs/batch: commit and async modes, idempotent resubmission, rejections
that change nothing, commit timeouts."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from finchain.api import ApiSettings
from finchain.modules.bank import Transfer
from tests.api.conftest import make_client
from tests.api.support import addr, corrupt_signature, snapshot, transfer
from tests.helpers import Chain


def test_submit_commit_returns_receipt_and_moves_funds(
    client: TestClient, api_chain: Chain
) -> None:
    raw = transfer(api_chain, "user0", "user1", 250)

    response = client.post("/v1/txs", json={"tx": raw.hex(), "mode": "commit"})

    assert response.status_code == 200
    body = response.json()
    assert body["hash"] == api_chain.suite.hash(raw).hex()
    assert body["status"] == "committed"
    receipt = body["receipt"]
    assert receipt["code"] == "ok" and receipt["tx_hash"] == body["hash"]
    assert receipt["events"][0]["type"] == "bank.transfer"
    assert receipt["events"][0]["attributes"]["amount"] == "250"
    balances = client.get(f"/v1/accounts/{addr(api_chain, 'user1')}/balances").json()
    assert balances == {"CNY": "1000250"}


def test_submit_defaults_to_commit_mode(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 1)

    body = client.post("/v1/txs", json={"tx": raw.hex()}).json()

    assert body["status"] == "committed" and body["receipt"]["code"] == "ok"


def test_submit_async_returns_pending_then_commits(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 3)

    body = client.post("/v1/txs", json={"tx": raw.hex(), "mode": "async"}).json()

    assert body == {"hash": api_chain.suite.hash(raw).hex(), "status": "pending"}
    committed = client.post("/v1/txs", json={"tx": raw.hex(), "mode": "commit"}).json()
    assert committed["status"] == "committed"
    assert client.get(f"/v1/txs/{body['hash']}").status_code == 200


def test_resubmitting_a_committed_tx_returns_the_original_receipt(
    client: TestClient, api_chain: Chain
) -> None:
    raw = transfer(api_chain, "user0", "user1", 10)
    first = client.post("/v1/txs", json={"tx": raw.hex()}).json()
    before = snapshot(client, api_chain)

    again = client.post("/v1/txs", json={"tx": raw.hex()})
    again_async = client.post("/v1/txs", json={"tx": raw.hex(), "mode": "async"})

    assert again.status_code == 200 and again.json() == first
    assert again_async.status_code == 200 and again_async.json() == first
    assert snapshot(client, api_chain) == before


def test_duplicate_of_a_pending_tx_waits_for_the_same_commit(idle_chain: Chain) -> None:
    raw = transfer(idle_chain, "user0", "user1", 5)
    answers: list[Any] = []
    with make_client(idle_chain) as client:
        assert client.post("/v1/txs", json={"tx": raw.hex(), "mode": "async"}).json()["status"] == (
            "pending"
        )
        again = client.post("/v1/txs", json={"tx": raw.hex(), "mode": "async"})
        assert again.status_code == 200 and again.json()["status"] == "pending"

        def submit_commit() -> None:
            answers.append(client.post("/v1/txs", json={"tx": raw.hex()}))

        waiters = [threading.Thread(target=submit_commit) for _ in range(2)]
        for waiter in waiters:
            waiter.start()
        _wait_until(lambda: idle_chain.engine.mempool_size == 1)
        threading.Event().wait(0.2)  # let both requests reach their commit wait
        idle_chain.engine.produce_block()
        for waiter in waiters:
            waiter.join(timeout=10)

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["receipt"]["height"] == 1


def test_commit_timeout_is_504_and_the_tx_may_still_commit(idle_chain: Chain) -> None:
    raw = transfer(idle_chain, "user0", "user1", 8)
    tx_hash = idle_chain.suite.hash(raw).hex()
    with make_client(idle_chain, ApiSettings(commit_timeout_s=0.2)) as client:
        response = client.post("/v1/txs", json={"tx": raw.hex()})

        assert response.status_code == 504
        assert response.json()["code"] == "api/timeout"
        assert response.json()["details"]["hash"] == tx_hash
        idle_chain.engine.produce_block()
        assert client.get(f"/v1/txs/{tx_hash}").json()["receipt"]["code"] == "ok"
        assert client.post("/v1/txs", json={"tx": raw.hex()}).json()["status"] == "committed"


# ---- rejections: 400 with the stable code, and nothing changes --------------------------------


def _assert_rejected(client: TestClient, chain: Chain, raw: bytes, code: str) -> dict[str, Any]:
    before = snapshot(client, chain)
    response = client.post("/v1/txs", json={"tx": raw.hex()})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "details"} and body["message"]
    assert snapshot(client, chain) == before
    return dict(body)


def test_invalid_malformed_bytes(client: TestClient, api_chain: Chain) -> None:
    _assert_rejected(client, api_chain, b"\xc1", "codec/malformed")


def test_invalid_bad_signature(client: TestClient, api_chain: Chain) -> None:
    raw = corrupt_signature(transfer(api_chain, "user0", "user1", 1))
    _assert_rejected(client, api_chain, raw, "tx/bad_signature")


def test_invalid_wrong_chain_id(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 1, chain_id="another-chain")
    _assert_rejected(client, api_chain, raw, "tx/wrong_chain_id")


def test_invalid_reused_nonce(client: TestClient, api_chain: Chain) -> None:
    first = transfer(api_chain, "user0", "user1", 1)
    assert client.post("/v1/txs", json={"tx": first.hex()}).json()["status"] == "committed"
    replay = transfer(api_chain, "user0", "user1", 2, nonce=0)

    body = _assert_rejected(client, api_chain, replay, "tx/nonce_reused")

    assert body["details"]["expected"] == 1
    assert body["details"]["hash"] == api_chain.suite.hash(replay).hex()


def test_invalid_unknown_asset(client: TestClient, api_chain: Chain) -> None:
    raw = api_chain.sign("user0", Transfer(api_chain.address("user1"), "USD", 1))
    _assert_rejected(client, api_chain, raw, "bank/unknown_asset")


def test_invalid_overdraft(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 1_000_001)
    _assert_rejected(client, api_chain, raw, "bank/insufficient_funds")


def test_rejected_tx_is_not_found_afterwards(client: TestClient, api_chain: Chain) -> None:
    raw = transfer(api_chain, "user0", "user1", 5_000_000)
    client.post("/v1/txs", json={"tx": raw.hex()})

    response = client.get(f"/v1/txs/{api_chain.suite.hash(raw).hex()}")

    assert response.status_code == 404 and response.json()["code"] == "api/not_found"


# ---- batch -------------------------------------------------------------------------------------


def test_batch_commit_gives_one_result_per_tx(client: TestClient, api_chain: Chain) -> None:
    committed = transfer(api_chain, "user1", "user0", 4)
    client.post("/v1/txs", json={"tx": committed.hex()})
    good = [transfer(api_chain, "user0", "user1", n) for n in (1, 2, 3)]
    overdraft = api_chain.sign("user1", Transfer(api_chain.address("user0"), "CNY", 10**9), nonce=1)
    txs = [*good, overdraft, committed]

    response = client.post("/v1/txs/batch", json={"txs": [t.hex() for t in txs]})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    for raw, result in zip(good, results[:3], strict=True):
        assert result["hash"] == api_chain.suite.hash(raw).hex()
        assert result["status"] == "committed" and result["receipt"]["code"] == "ok"
    assert results[3]["error"]["code"] == "bank/insufficient_funds"
    assert results[3]["error"]["details"]["hash"] == api_chain.suite.hash(overdraft).hex()
    assert results[4]["status"] == "committed"
    balances = client.get(f"/v1/accounts/{addr(api_chain, 'user1')}/balances").json()
    assert balances == {"CNY": str(1_000_000 - 4 + 6)}


def test_batch_async_returns_pending(client: TestClient, api_chain: Chain) -> None:
    txs = [transfer(api_chain, "user0", "user1", 1).hex() for _ in range(5)]

    results = client.post("/v1/txs/batch", json={"txs": txs, "mode": "async"}).json()["results"]

    assert results[0] == {
        "hash": api_chain.suite.hash(bytes.fromhex(txs[0])).hex(),
        "status": "pending",
    }
    assert all(r["status"] in {"pending", "committed"} for r in results)
    final = client.post("/v1/txs/batch", json={"txs": txs}).json()["results"]
    assert [r["status"] for r in final] == ["committed"] * 5


def test_batch_of_more_than_10000_is_422(client: TestClient) -> None:
    response = client.post("/v1/txs/batch", json={"txs": ["00"] * 10_001})

    assert response.status_code == 422
    assert response.json()["code"] == "api/invalid_request"


def test_batch_of_a_few_hundred_commits(client: TestClient, api_chain: Chain) -> None:
    senders = ["user0", "user1"]
    txs = [transfer(api_chain, senders[i % 2], senders[1 - i % 2], 1).hex() for i in range(300)]

    results = client.post("/v1/txs/batch", json={"txs": txs}).json()["results"]

    assert all(r["receipt"]["code"] == "ok" for r in results)
    assert client.get(f"/v1/accounts/{addr(api_chain, 'user0')}").json()["nonce"] == 150


def _wait_until(condition: Any, timeout: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("condition not met in time")
