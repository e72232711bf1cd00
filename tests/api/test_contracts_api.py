"""Contract routes against a real chain: list, info (record + ABI), code, params, read-only
queries (at a height, bytes as hex), the contract's events over a bounded block range, and the
error mapping (unknown contract 404 with the module's code, failed calls 400 with theirs,
a read-only query that writes `contracts/read_only`, a bad body 422)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from finchain.api import routes_contracts
from finchain.crypto import format_address, parse_address
from finchain.modules.contracts import Call, Deploy
from finchain.vm import encode_args
from tests.api.support import addr
from tests.helpers import Chain
from tests.modules.contracts.support import LIMIT, example

PATHS = {
    "/v1/contracts",
    "/v1/contracts/params",
    "/v1/contracts/{address}",
    "/v1/contracts/{address}/code",
    "/v1/contracts/{address}/query",
    "/v1/contracts/{address}/events",
}
ECHO = '''from finchain.contract import export


@export
def echo(data: bytes) -> dict:
    """Bytes in, bytes out (hex over JSON)."""
    return {"data": data, "size": len(data)}
'''
NOBODY = "0x" + "ab" * 20


def submit(client: TestClient, raw: bytes) -> dict[str, Any]:
    response = client.post("/v1/txs", json={"tx": raw.hex()})
    assert response.status_code == 200, response.json()
    receipt: dict[str, Any] = response.json()["receipt"]
    assert receipt["code"] == "ok", receipt
    return receipt


def deploy(client: TestClient, chain: Chain, who: str, code: str, *args: Any) -> str:
    receipt = submit(client, chain.sign(who, Deploy(code, encode_args(args), LIMIT)))
    [event] = [e for e in receipt["events"] if e["type"] == "contracts.deployed"]
    return str(event["attributes"]["contract"])


def call(client: TestClient, chain: Chain, who: str, contract: str, fn: str, *args: Any) -> Any:
    msg = Call(parse_address(contract), fn, encode_args(args), LIMIT)
    return submit(client, chain.sign(who, msg))


def query(client: TestClient, contract: str, **body: Any) -> Any:
    return client.post(f"/v1/contracts/{contract}/query", json=body)


def test_routes_are_in_the_openapi_document(client: TestClient) -> None:
    assert set(client.get("/openapi.json").json()["paths"]) >= PATHS


def test_deploy_call_query_and_read(client: TestClient, api_chain: Chain) -> None:
    chain = api_chain
    a, b = addr(chain, "bank-a"), addr(chain, "bank-b")
    assert client.get("/v1/contracts").json() == []
    assert client.get("/v1/contracts/params").json()["max_compute"] == 2_000_000
    token = deploy(client, chain, "bank-a", example("token"), "TOK", 1_000)
    deployed_at = chain.app.height

    [record] = client.get("/v1/contracts").json()
    assert (record["address"], record["deployer"], record["org"]) == (token, a, "bank-a")
    info = client.get(f"/v1/contracts/{token}").json()
    assert {k: info[k] for k in record} == record
    functions = {f["name"]: f for f in info["abi"]["functions"]}
    assert set(functions) == {"transfer", "approve", "transfer_from", "balance_of", "info"}
    assert functions["transfer"]["params"] == [
        {"name": "to", "type": "str"},
        {"name": "amount", "type": "int"},
    ]
    assert info["abi"]["constructor"]["name"] == "init"
    code = client.get(f"/v1/contracts/{token}/code").json()
    assert code == {"code_hash": record["code_hash"], "code": example("token")}

    call(client, chain, "bank-a", token, "transfer", b, 250)
    answer = query(client, token, function="balance_of", args=[b]).json()
    assert answer["result"] == 250 and answer["height"] == chain.app.height
    assert answer["compute_used"] > 0
    earlier = query(client, token, function="balance_of", args=[b], height=deployed_at)
    assert earlier.json()["result"] == 0
    info_result = query(client, token, function="info").json()["result"]
    assert info_result == {"symbol": "TOK", "total_supply": 1_000}
    assert query(client, token, function="balance_of", args=[a]).json()["result"] == 750


def test_bytes_go_as_hex_both_ways(client: TestClient, api_chain: Chain) -> None:
    echo = deploy(client, api_chain, "bank-a", ECHO)
    answer = query(client, echo, function="echo", args=["0x00ff10"]).json()
    assert answer["result"] == {"data": "00ff10", "size": 3}


def test_events_of_one_contract_over_a_block_range(client: TestClient, api_chain: Chain) -> None:
    chain = api_chain
    a, b = addr(chain, "bank-a"), addr(chain, "bank-b")
    token = deploy(client, chain, "bank-a", example("token"), "TOK", 1_000)
    minted_at = chain.app.height
    other = deploy(client, chain, "bank-b", example("token"), "OTH", 5)  # its events are not ours
    receipt = call(client, chain, "bank-a", token, "transfer", b, 7)

    page = client.get(f"/v1/contracts/{token}/events").json()
    assert (page["contract"], page["from_height"], page["to_height"]) == (
        token,
        1,
        receipt["height"],
    )
    assert [(e["type"], e["height"]) for e in page["events"]] == [
        ("contract.Minted", minted_at),
        ("contract.Transfer", receipt["height"]),
    ]
    transfer = page["events"][1]
    assert transfer["tx_hash"] == receipt["tx_hash"] and transfer["index"] == receipt["index"]
    assert transfer["attributes"] == {"contract": token, "sender": a, "recipient": b, "amount": "7"}
    later = client.get(f"/v1/contracts/{token}/events?from_height={minted_at + 1}").json()
    assert [e["type"] for e in later["events"]] == ["contract.Transfer"]
    only_mint = client.get(f"/v1/contracts/{token}/events?to_height={minted_at}").json()
    assert [e["type"] for e in only_mint["events"]] == ["contract.Minted"]
    [minted] = client.get(f"/v1/contracts/{other}/events").json()["events"]
    assert minted["attributes"]["contract"] == other


def test_event_ranges_are_bounded(
    client: TestClient, api_chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes_contracts, "MAX_EVENT_BLOCKS", 3)  # 10,000 on a real node
    token = deploy(client, api_chain, "bank-a", example("token"), "TOK", 1)
    while api_chain.app.height < 5:
        api_chain.engine.produce_block()
    base = f"/v1/contracts/{token}/events"
    for query_string, status, code in (
        ("?from_height=3&to_height=2", 400, "query/bad_request"),
        ("?from_height=1&to_height=4", 400, "query/bad_request"),  # 4 blocks
        ("?to_height=6", 404, "api/not_found"),  # above the latest
        ("?from_height=0", 422, "api/invalid_request"),
    ):
        response = client.get(base + query_string)
        assert (response.status_code, response.json()["code"]) == (status, code), query_string
    too_wide = client.get(base + "?from_height=1&to_height=4").json()["message"]
    assert "at most 3 blocks" in too_wide
    assert client.get(base + "?from_height=2&to_height=4").status_code == 200
    default = client.get(base).json()  # the last 3 blocks
    assert (default["from_height"], default["to_height"], default["events"]) == (3, 5, [])


def test_failed_queries_keep_the_module_code(client: TestClient, api_chain: Chain) -> None:
    chain = api_chain
    a, b = addr(chain, "bank-a"), addr(chain, "bank-b")
    token = deploy(client, chain, "bank-a", example("token"), "TOK", 1_000)
    writes = query(client, token, function="transfer", args=[b, 1], caller=a)
    assert (writes.status_code, writes.json()["code"]) == (400, "contracts/read_only")
    assert writes.json()["details"]["compute_used"] > 0
    for body, code in (
        ({"function": "transfer", "args": [b, 5_000], "caller": a}, "contracts/reverted"),
        ({"function": "balance_of", "args": [1]}, "contracts/bad_args"),
        ({"function": "balance_of", "args": []}, "contracts/bad_args"),
        ({"function": "mint", "args": []}, "contracts/unknown_function"),
        ({"function": "init", "args": ["X", 1]}, "contracts/unknown_function"),
        ({"function": "info", "compute_limit": 5}, "contracts/out_of_compute"),
        ({"function": "info", "caller": "nobody"}, "query/bad_request"),
    ):
        response = query(client, token, **body)
        assert (response.status_code, response.json()["code"]) == (400, code), body
    reverted = query(client, token, function="transfer", args=[b, 5_000], caller=a).json()
    assert "insufficient token balance" in reverted["message"]
    # a transaction that would fail the same way is refused before any block
    raw = chain.sign("bank-a", Call(chain.address("bank-a"), "transfer", b"", LIMIT))
    response = client.post("/v1/txs", json={"tx": raw.hex()})
    assert (response.status_code, response.json()["code"]) == (400, "contracts/unknown_contract")


def test_unknown_contract_bad_address_and_bad_body(client: TestClient, api_chain: Chain) -> None:
    token = deploy(client, api_chain, "bank-a", example("token"), "TOK", 1)
    for response in (
        client.get(f"/v1/contracts/{NOBODY}"),
        client.get(f"/v1/contracts/{NOBODY}/code"),
        client.get(f"/v1/contracts/{NOBODY}/events"),
        query(client, NOBODY, function="info"),
        client.get(f"/v1/contracts/{format_address(api_chain.address('bank-a'))}"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "contracts/unknown_contract"
    for response in (
        client.get("/v1/contracts/0x1234"),
        client.get("/v1/contracts/nothing/events"),
        query(client, "0x1234", function="info"),
    ):
        assert (response.status_code, response.json()["code"]) == (400, "query/bad_request")
    bad_bodies: list[dict[str, Any]] = [
        {"args": []},
        {"function": "info", "args": "x"},
        {"function": "info", "x": 1},
    ]
    for body in bad_bodies:
        response = query(client, token, **body)
        assert (response.status_code, response.json()["code"]) == (422, "api/invalid_request")
    uncommitted = query(client, token, function="info", height=api_chain.app.height + 1)
    assert (uncommitted.status_code, uncommitted.json()["code"]) == (404, "api/not_found")
    assert client.get(f"/v1/contracts/{token}?height=0").status_code == 404  # before its deploy
