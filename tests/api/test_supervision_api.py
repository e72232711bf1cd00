"""Supervision routes: directives (list, one, `?height=`) and submitted reports, public within the
consortium; a frozen account refused, a suspension, a non-regulator refused by its role, and a
member's report submitted, recomputed by the regulator (with a legal basis) and reviewed."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient

from finchain.model.read_auth import (
    LEGAL_BASIS_HEADER,
    PUBLIC_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    read_signing_payload,
)
from finchain.modules.bank import Transfer
from finchain.modules.supervision.messages import (
    IssueDirective,
    LiftDirective,
    ReviewReport,
    SubmitReport,
)
from tests.api.support import addr
from tests.helpers import CHAIN_ID, Chain

BASIS = "Anti-Money Laundering Law art. 37; case 2026-114"
PATHS = {
    "/v1/supervision/directives",
    "/v1/supervision/directives/{directive_id}",
    "/v1/supervision/reports",
}


def submit(client: TestClient, raw: bytes) -> dict[str, Any]:
    """Submit and wait for commit (one block each on the running solo engine)."""
    response = client.post("/v1/txs", json={"tx": raw.hex()})
    assert response.status_code == 200, response.json()
    receipt: dict[str, Any] = response.json()["receipt"]
    assert receipt["code"] == "ok", receipt
    return receipt


def refused_code(client: TestClient, raw: bytes) -> str:
    response = client.post("/v1/txs", json={"tx": raw.hex()})
    assert response.status_code == 400, response.json()
    return str(response.json()["code"])


def signed_get(
    client: TestClient, chain: Chain, name: str, target: str, basis: str = ""
) -> httpx.Response:
    timestamp = time.time_ns() // 1_000_000
    payload = read_signing_payload(CHAIN_ID, "GET", target, timestamp, b"", basis)
    headers = {
        PUBLIC_KEY_HEADER: chain.keys[name].public_key.hex(),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: chain.keys[name].sign(payload).hex(),
    }
    if basis:
        headers[LEGAL_BASIS_HEADER] = quote(basis, safe="")
    return client.get(target, headers=headers)


def test_nothing_at_genesis_and_404s(client: TestClient) -> None:
    assert client.get("/v1/supervision/directives").json() == []
    assert client.get("/v1/supervision/reports?height=0").json() == []
    for path in (
        "/v1/supervision/directives/0",
        "/v1/supervision/directives?height=5",
        "/v1/supervision/reports?height=5",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "api/not_found"
    for path in ("/v1/supervision/directives/-1", "/v1/supervision/directives/x"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.json()["code"] == "api/invalid_request"


def test_a_frozen_account_is_refused_until_the_lift(client: TestClient, api_chain: Chain) -> None:
    chain = api_chain
    user0 = addr(chain, "user0")
    frozen = submit(client, chain.sign("regulator", IssueDirective("freeze_account", user0, BASIS)))
    assert [e["type"] for e in frozen["events"]] == [
        "supervision.directive_issued",
        "supervision.directive_executed",
    ]
    directive = {
        "id": 0,
        "kind": "freeze_account",
        "target": user0,
        "legal_basis": BASIS,
        "issuer": "regulator",
        "status": "EXECUTED",
        "issued_height": frozen["height"],
        "lifted_height": 0,
        "lift_basis": "",
    }
    assert client.get("/v1/supervision/directives").json() == [directive]
    assert client.get("/v1/supervision/directives/0").json() == directive
    # Public: no signed read is needed, and earlier heights read earlier states.
    before = frozen["height"] - 1
    assert client.get(f"/v1/supervision/directives?height={before}").json() == []

    pay = chain.sign("user0", Transfer(chain.address("user1"), "CNY", 10))
    assert refused_code(client, pay) == "tx/account_frozen"
    chain.nonces["user0"] -= 1  # an ante refusal does not use the nonce
    lifted = submit(client, chain.sign("regulator", LiftDirective(0, "case closed")))
    assert [e["type"] for e in lifted["events"]] == ["supervision.directive_lifted"]
    after = client.get("/v1/supervision/directives/0").json()
    assert (after["status"], after["lifted_height"], after["lift_basis"]) == (
        "LIFTED",
        lifted["height"],
        "case closed",
    )
    assert client.get(f"/v1/supervision/directives/0?height={before + 1}").json() == directive
    submit(client, chain.sign("user0", Transfer(chain.address("user1"), "CNY", 10)))


def test_suspension_and_a_non_regulator_refused(client: TestClient, api_chain: Chain) -> None:
    chain = api_chain
    submit(client, chain.sign("regulator", IssueDirective("suspend_participant", "bank-c", BASIS)))
    [directive] = client.get("/v1/supervision/directives").json()
    assert (directive["kind"], directive["target"], directive["status"]) == (
        "suspend_participant",
        "bank-c",
        "EXECUTED",
    )
    freeze = IssueDirective("freeze_account", addr(chain, "bank-b"), BASIS)
    assert refused_code(client, chain.sign("bank-a", freeze)) == "tx/role_not_permitted"
    assert len(client.get("/v1/supervision/directives").json()) == 1


def test_a_submitted_report_is_recomputed_and_reviewed(
    client: TestClient, api_chain: Chain
) -> None:
    chain = api_chain
    submit(client, chain.sign("user0", Transfer(chain.address("bank-b"), "CNY", 60_000)))
    height = chain.app.height
    target = f"/v1/reports/large_value_transfers?height={height}&threshold=CNY:50000"
    own = signed_get(client, chain, "bank-b", target)
    assert own.status_code == 200, own.json()
    body = own.json()
    assert body["params"]["org"] == "bank-b"
    assert [(r[3], r[4], r[6]) for r in body["rows"]] == [("bank-a", "bank-b", "60000")]
    report_hash = bytes.fromhex(body["hash"])
    params = json.dumps(body["params"], sort_keys=True, separators=(",", ":"))
    submitted = submit(
        client,
        chain.sign("bank-b", SubmitReport("large_value_transfers", height, report_hash, params)),
    )
    [report] = client.get("/v1/supervision/reports").json()
    assert report == {
        "id": 0,
        "report_type": "large_value_transfers",
        "report_height": height,
        "report_hash": body["hash"],
        "submitter": "bank-b",
        "status": "SUBMITTED",
        "submitted_height": submitted["height"],
        "reviewer": "",
        "reviewed_height": 0,
        "note": "",
        "params": body["params"],
    }

    review_target = target + "&org=bank-b"
    no_basis = signed_get(client, chain, "regulator", review_target)
    assert (no_basis.status_code, no_basis.json()["code"]) == (403, "api/legal_basis_required")
    recomputed = signed_get(client, chain, "regulator", review_target, "PBOC Law art. 32")
    assert recomputed.json()["hash"] == report["report_hash"]
    submit(client, chain.sign("regulator", ReviewReport(0, "ACKNOWLEDGED", "recomputed: equal")))
    [reviewed] = client.get("/v1/supervision/reports").json()
    assert (reviewed["status"], reviewed["reviewer"], reviewed["note"]) == (
        "ACKNOWLEDGED",
        "regulator",
        "recomputed: equal",
    )


def test_openapi_lists_the_supervision_paths(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) >= PATHS
    assert document["paths"]["/v1/supervision/reports"]["get"]["tags"] == ["supervision"]
