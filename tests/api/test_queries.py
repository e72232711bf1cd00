"""Read routes: status, blocks, transactions, accounts (with ?height=), members, assets, params,
and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from finchain.api.render import render_msg
from finchain.modules.members.messages import AddAccount
from tests.api.support import addr, transfer
from tests.helpers import CHAIN_ID, GENESIS_TIME_MS, Chain

V1_PATHS = {
    "/v1/status",
    "/v1/txs",
    "/v1/txs/batch",
    "/v1/txs/{tx_hash}",
    "/v1/blocks/latest",
    "/v1/blocks/{height}",
    "/v1/accounts/{address}",
    "/v1/accounts/{address}/balances",
    "/v1/accounts/{address}/txs",
    "/v1/members",
    "/v1/members/{member_id}",
    "/v1/assets",
    "/v1/assets/{symbol}",
    "/v1/params",
    "/v1/errors",
}


def test_status_describes_the_chain(client: TestClient, api_chain: Chain, suite_name: str) -> None:
    status = client.get("/v1/status").json()

    assert status == {
        "chain_id": CHAIN_ID,
        "crypto_suite": suite_name,
        "height": 0,
        "app_hash": api_chain.app.app_hash.hex(),
        "block_time_ms": GENESIS_TIME_MS,
        "mempool_size": 0,
        "engine": "solo",
        "version": "0.1.0",
        "catching_up": False,
        "lag_blocks": 0,
    }


def test_blocks_and_txs_after_a_transfer(client: TestClient, api_chain: Chain) -> None:
    assert client.get("/v1/blocks/latest").json()["code"] == "api/not_found"  # no block yet
    raw = transfer(api_chain, "user0", "user1", 42, memo="invoice 7")
    tx_hash = client.post("/v1/txs", json={"tx": raw.hex()}).json()["hash"]

    latest = client.get("/v1/blocks/latest").json()
    by_height = client.get("/v1/blocks/1").json()
    stored = client.get(f"/v1/txs/{tx_hash}").json()
    status = client.get("/v1/status").json()

    assert latest == by_height
    assert latest["height"] == 1 and latest["num_txs"] == 1 and latest["tx_hashes"] == [tx_hash]
    assert latest["app_hash"] == status["app_hash"] and status["height"] == 1
    assert status["block_time_ms"] == latest["time_ms"]
    assert latest["receipts"][0]["tx_hash"] == tx_hash
    assert stored["hash"] == tx_hash and stored["height"] == 1 and stored["index"] == 0
    assert stored["raw"] == raw.hex()
    assert stored["receipt"] == latest["receipts"][0]
    tx = stored["tx"]
    assert tx["chain_id"] == CHAIN_ID and tx["sender"] == addr(api_chain, "user0")
    assert tx["nonce"] == 0 and tx["fee"] == "0" and tx["memo"] == "invoice 7"
    assert tx["valid_until_height"] == 0
    assert tx["public_key"] == api_chain.keys["user0"].public_key.hex()
    assert tx["msgs"] == [
        {
            "type": "bank/Transfer@1",
            "value": {"to": addr(api_chain, "user1"), "asset": "CNY", "amount": "42"},
        }
    ]
    assert client.get("/v1/blocks/2").json()["code"] == "api/not_found"


def test_message_fields_render_by_type(api_chain: Chain) -> None:
    rendered = render_msg(AddAccount(api_chain.address("user0")))

    assert rendered == {
        "type": "members/AddAccount@1",
        "value": {"address": addr(api_chain, "user0")},
    }


def test_account_balances_and_history(client: TestClient, api_chain: Chain) -> None:
    user0 = addr(api_chain, "user0")
    first = transfer(api_chain, "user0", "user1", 100)
    second = transfer(api_chain, "user0", "user1", 50)
    hashes = [client.post("/v1/txs", json={"tx": t.hex()}).json()["hash"] for t in (first, second)]

    account = client.get(f"/v1/accounts/{user0}").json()
    at_one = client.get(f"/v1/accounts/{user0}?height=1").json()

    assert account == {
        "address": user0,
        "nonce": 2,
        "pending_nonce": 2,
        "org": "bank-a",
        "balances": {"CNY": "999850"},
    }
    assert at_one["nonce"] == 1 and at_one["balances"] == {"CNY": "999900"}
    assert client.get(f"/v1/accounts/{user0}/balances?height=1").json() == {"CNY": "999900"}
    assert client.get(f"/v1/accounts/{user0}/balances").json() == {"CNY": "999850"}
    history = client.get(f"/v1/accounts/{user0}/txs").json()
    assert history == {"tx_hashes": list(reversed(hashes))}
    assert client.get(f"/v1/accounts/{user0}/txs?limit=1").json() == {"tx_hashes": [hashes[1]]}


def test_pending_nonce_counts_the_mempool(idle_chain: Chain) -> None:
    from tests.api.conftest import make_client

    with make_client(idle_chain) as client:
        raw = transfer(idle_chain, "user0", "user1", 1)
        client.post("/v1/txs", json={"tx": raw.hex(), "mode": "async"})

        account = client.get(f"/v1/accounts/{addr(idle_chain, 'user0')}").json()

        assert account["nonce"] == 0 and account["pending_nonce"] == 1
        assert client.get("/v1/status").json()["mempool_size"] == 1


def test_unknown_account_has_no_balances(client: TestClient) -> None:
    nobody = "0x" + "11" * 20
    account = client.get(f"/v1/accounts/{nobody}").json()
    assert account == {
        "address": nobody,
        "nonce": 0,
        "pending_nonce": 0,
        "org": None,
        "balances": {},
    }


def test_invalid_address_is_400_bad_request(client: TestClient) -> None:
    for path in ("/v1/accounts/0x1234", "/v1/accounts/zz/balances", "/v1/accounts/0xnope/txs"):
        response = client.get(path)
        assert response.status_code == 400
        assert response.json()["code"] == "query/bad_request"


def test_future_height_is_404_and_negative_height_422(client: TestClient, api_chain: Chain) -> None:
    user0 = addr(api_chain, "user0")
    assert client.get(f"/v1/accounts/{user0}?height=5").json()["code"] == "api/not_found"
    assert client.get(f"/v1/accounts/{user0}?height=-1").status_code == 422
    assert client.get(f"/v1/accounts/{user0}?height=x").status_code == 422


def test_members(client: TestClient, api_chain: Chain) -> None:
    members = client.get("/v1/members").json()
    bank_a = client.get("/v1/members/bank-a").json()

    assert [m["id"] for m in members] == sorted(["pboc", "bank-a", "bank-b", "bank-c", "regulator"])
    assert bank_a["name"] == "Bank A" and bank_a["roles"] == ["bank"]
    assert addr(api_chain, "user0") in bank_a["accounts"]
    assert bank_a in members
    missing = client.get("/v1/members/nobody")
    assert missing.status_code == 404 and missing.json()["code"] == "api/not_found"


def test_assets_and_params(client: TestClient) -> None:
    assets = client.get("/v1/assets").json()
    cny = client.get("/v1/assets/CNY").json()

    assert assets == [cny]
    assert cny == {
        "symbol": "CNY",
        "decimals": 2,
        "issuer": "pboc",
        "name": "Chinese yuan",
        "supply": "2000000",
    }
    assert client.get("/v1/assets/USD").json()["code"] == "api/not_found"
    params = client.get("/v1/params").json()
    assert params["max_block_txs"] == 10_000 and params["max_tx_bytes"] == 32 * 1024


def test_openapi_lists_the_v1_paths(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    assert set(document["paths"]) >= V1_PATHS
    assert document["info"]["title"] == "finchain"
    submit = document["paths"]["/v1/txs"]["post"]
    assert {"200", "400", "422", "504"} <= set(submit["responses"])
    assert client.get("/docs").status_code == 200
