"""Governance routes: proposals (list, one, `?height=`), parameters, 404s, and a whole vote seen
over REST, from DRAFT to EXECUTED (dev consortium: five organisations, weight 1 each, votes
last 10 blocks, majority for AddOrg)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from finchain.modules.governance.messages import OpenVoting, Propose, Vote, encode_action
from finchain.modules.members.messages import AddOrg, RemoveOrg
from tests.helpers import Chain

PATHS = {
    "/v1/governance/proposals",
    "/v1/governance/proposals/{proposal_id}",
    "/v1/governance/params",
}
DEFAULT_PARAMS = {
    "voting_period_blocks": 10,
    "default_threshold": "majority",
    "thresholds": {
        "governance/SetParams@1": "two_thirds",
        "members/RemoveOrg@1": "two_thirds",
        "validators/SetPower@1": "two_thirds",
    },
    "default_weight": 1,
}


def submit(client: TestClient, raw: bytes) -> dict[str, Any]:
    """Submit and wait for commit (one block each on the running solo engine)."""
    response = client.post("/v1/txs", json={"tx": raw.hex()})
    assert response.status_code == 200, response.json()
    receipt: dict[str, Any] = response.json()["receipt"]
    assert receipt["code"] == "ok", receipt
    return receipt


def add_bank_d(chain: Chain) -> AddOrg:
    chain.keys["bank-d"] = chain.suite.generate_private_key()
    return AddOrg("bank-d", "Bank D", "bank", chain.address("bank-d"))


def test_params_and_no_proposals_at_genesis(client: TestClient) -> None:
    assert client.get("/v1/governance/params").json() == DEFAULT_PARAMS
    assert client.get("/v1/governance/params?height=0").json() == DEFAULT_PARAMS
    assert client.get("/v1/governance/proposals").json() == []


def test_a_vote_from_draft_to_executed(client: TestClient, api_chain: Chain) -> None:
    chain = api_chain
    action = add_bank_d(chain)
    receipt = submit(client, chain.sign("pboc", Propose(encode_action(action), "admit Bank D")))
    proposed_at = receipt["height"]

    [draft] = client.get("/v1/governance/proposals").json()
    assert draft == {
        "id": 0,
        "proposer": "pboc",
        "title": "admit Bank D",
        "action": {
            "type": "members/AddOrg@1",
            "value": {
                "org_id": "bank-d",
                "name": "Bank D",
                "roles": "bank",
                "account": "0x" + chain.address("bank-d").hex(),
            },
        },
        "threshold": "majority",
        "status": "DRAFT",
        "submit_height": proposed_at,
        "voting_end_height": 0,
        "tally": {"yes": 0, "no": 0, "abstain": 0, "total": 0},
        "result": "",
        "votes": {},
    }
    assert client.get("/v1/governance/proposals/0").json() == draft

    opened = submit(client, chain.sign("pboc", OpenVoting(0)))
    end = opened["height"] + DEFAULT_PARAMS["voting_period_blocks"]
    for org in ("pboc", "bank-a", "bank-b"):
        submit(client, chain.sign(org, Vote(0, "yes")))
    voting = client.get("/v1/governance/proposals/0").json()
    assert (voting["status"], voting["voting_end_height"]) == ("VOTING", end)
    assert voting["votes"] == {"bank-a": "yes", "bank-b": "yes", "pboc": "yes"}
    # Earlier heights read earlier states.
    assert client.get(f"/v1/governance/proposals/0?height={proposed_at}").json() == draft
    assert client.get(f"/v1/governance/proposals?height={proposed_at - 1}").json() == []

    while chain.app.height < end:
        chain.engine.produce_block()
    executed = client.get("/v1/governance/proposals/0").json()
    assert executed["status"] == "EXECUTED"
    assert executed["tally"] == {"yes": 3, "no": 0, "abstain": 0, "total": 5}
    assert client.get("/v1/governance/proposals").json() == [executed]
    assert "bank-d" in {m["id"] for m in client.get("/v1/members").json()}


def test_each_proposal_keeps_its_threshold(client: TestClient, api_chain: Chain) -> None:
    submit(client, api_chain.sign("pboc", Propose(encode_action(RemoveOrg("bank-c")), "remove")))
    submit(client, api_chain.sign("pboc", Propose(encode_action(add_bank_d(api_chain)), "add")))
    proposals = client.get("/v1/governance/proposals").json()
    assert [(p["id"], p["threshold"]) for p in proposals] == [(0, "two_thirds"), (1, "majority")]


def test_missing_proposal_and_uncommitted_height_are_404(client: TestClient) -> None:
    for path in (
        "/v1/governance/proposals/0",
        "/v1/governance/proposals?height=5",
        "/v1/governance/params?height=5",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "api/not_found"
    for path in ("/v1/governance/proposals/-1", "/v1/governance/proposals/x"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.json()["code"] == "api/invalid_request"


def test_openapi_lists_the_governance_paths(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) >= PATHS
    assert document["paths"]["/v1/governance/proposals"]["get"]["tags"] == ["governance"]
