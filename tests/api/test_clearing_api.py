"""The clearing API on a real chain: signed reads, per-bank privacy, the audit of supervisory
reads, netting views, and the ISO 20022 edge (pacs.008 in, pacs.002 and camt.053 out).

Invariants named: CLR-5 (netting settles atomically; each bank sees its own net result), CLR-7
(cut-off rejects what is queued, with a reason), G-3 (a rejected input changes nothing), G-5
(every supervisory read of another party's data is logged, tamper-evidently), and the privacy
rule of DOMAIN.md §1: details visible to sender, receiver, central bank and regulator only.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import xmlschema
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finchain.api import ApiSettings, NodeServices, create_api
from finchain.api.audit import verify_audit_log
from finchain.iso20022.schemas import XSD_DIR
from finchain.model.read_auth import (
    LEGAL_BASIS_HEADER,
    PUBLIC_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    read_signing_payload,
)
from finchain.modules.clearing.messages import (
    CutOff,
    OpenAccount,
    Pledge,
    RegisterBic,
    SubmitPayment,
)
from finchain.modules.governance.messages import OpenVoting, Propose, Vote, encode_action
from finchain.modules.supervision.messages import SetScope
from tests.helpers import CHAIN_ID, Chain, make_chain

SAMPLES = Path(__file__).resolve().parents[1] / "iso20022" / "samples"
BANKS = ("bank-a", "bank-b", "bank-c")
READERS = ("regulator", "regulator", "bank-a", "pboc")
LEGAL_BASIS = "《中国人民银行法》第三十二条 (PBOC Law art. 32): payment system oversight"
DIRECTORY = {"ICBKCNBJ": "bank-a", "BKCHCNBJXXX": "bank-b", "ABOCCNBJ": "bank-c"}


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """Three banks with empty CNY accounts and BICs; netting runs at the end of every block."""
    c = make_chain(tmp_path / "chain", "intl")
    c.execute(
        *(c.sign("pboc", OpenAccount(bank, "CNY")) for bank in BANKS),
        *(c.sign("pboc", RegisterBic(bank, bic)) for bic, bank in DIRECTORY.items()),
    )
    yield c
    c.close()


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "reads.jsonl"


@pytest.fixture
def client(chain: Chain, audit_path: Path) -> Iterator[TestClient]:
    services = NodeServices(chain.app, chain.engine, chain.db)
    api = create_api(services, ApiSettings(audit_log_path=audit_path))
    with TestClient(api, raise_server_exceptions=False) as test_client:
        yield test_client


def signed_headers(
    chain: Chain,
    name: str,
    method: str,
    target: str,
    body: bytes = b"",
    skew_ms: int = 0,
    basis: str | None = None,
) -> dict[str, str]:
    """Signed read headers; the regulator cites `LEGAL_BASIS` unless `basis` says otherwise."""
    basis = (LEGAL_BASIS if name == "regulator" else "") if basis is None else basis
    timestamp = int(time.time() * 1000) + skew_ms
    payload = read_signing_payload(CHAIN_ID, method, target, timestamp, body, basis)
    headers = {
        PUBLIC_KEY_HEADER: chain.keys[name].public_key.hex(),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: chain.keys[name].sign(payload).hex(),
    }
    if basis:
        headers[LEGAL_BASIS_HEADER] = quote(basis)
    return headers


def read(
    client: TestClient, chain: Chain, name: str, target: str, basis: str | None = None
) -> Response:
    return client.get(target, headers=signed_headers(chain, name, "GET", target, basis=basis))


def uetr(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def pay(chain: Chain, sender: str, receiver: str, amount: int, n: int) -> bytes:
    msg = SubmitPayment(receiver, "CNY", amount, "NORMAL", f"MSG{n}", f"E2E{n}", uetr(n))
    return chain.sign(sender, msg)


def audit_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# ---- authentication -----------------------------------------------------------------------------


def test_clearing_reads_need_a_signed_request(client: TestClient, chain: Chain) -> None:
    response = client.get("/v1/clearing/accounts?currency=CNY")
    assert response.status_code == 401
    assert response.json()["code"] == "api/unauthenticated"
    # The BIC directory is public within the consortium.
    directory = client.get("/v1/clearing/directory").json()
    assert {e["bic"]: e["participant"] for e in directory} == DIRECTORY


def test_bad_signed_headers_are_refused_not_downgraded(client: TestClient, chain: Chain) -> None:
    target = "/v1/clearing/accounts?currency=CNY"
    good = signed_headers(chain, "bank-a", "GET", target)
    assert client.get(target, headers=good).status_code == 200
    forged = {**good, SIGNATURE_HEADER: chain.keys["bank-b"].sign(b"other").hex()}
    other_target = signed_headers(chain, "bank-a", "GET", "/v1/clearing/cycles")
    stale = signed_headers(chain, "bank-a", "GET", target, skew_ms=-10 * 60 * 1000)
    partial = {PUBLIC_KEY_HEADER: good[PUBLIC_KEY_HEADER]}
    for headers in (forged, other_target, stale, partial):
        response = client.get(target, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "api/unauthenticated"


# ---- privacy ------------------------------------------------------------------------------------


def test_a_bank_reads_only_its_own_payments_and_account(
    client: TestClient, chain: Chain, audit_path: Path
) -> None:
    [receipt] = chain.execute(pay(chain, "bank-a", "bank-b", 500, 1))  # unfunded: QUEUED
    assert receipt.code == "ok"
    target = f"/v1/clearing/payments/{uetr(1)}"
    for party in ("bank-a", "bank-b", "pboc", "regulator"):
        payment = read(client, chain, party, target)
        assert payment.status_code == 200, party
        assert payment.json()["status"] == "QUEUED"
    outsider = read(client, chain, "bank-c", target)
    missing = read(client, chain, "bank-c", f"/v1/clearing/payments/{uetr(99)}")
    assert outsider.status_code == missing.status_code == 404  # existence is private too
    assert outsider.json()["code"] == missing.json()["code"] == "api/not_found"

    queue = "/v1/clearing/queue?currency=CNY"
    assert read(client, chain, "bank-c", queue).json() == []
    assert [p["uetr"] for p in read(client, chain, "bank-b", queue).json()] == [uetr(1)]
    accounts = "/v1/clearing/accounts?currency=CNY"
    assert [a["participant"] for a in read(client, chain, "bank-c", accounts).json()] == ["bank-c"]
    assert len(read(client, chain, "regulator", accounts).json()) == 3

    # G-5: the regulator's and the central bank's reads of others' data were logged; the
    # parties' own reads were not.
    entries = audit_lines(audit_path)
    assert [(e["org"], e["target"]) for e in entries] == [
        ("pboc", target),
        ("regulator", target),
        ("regulator", accounts),
    ]
    assert entries[2]["items"] == 3
    assert verify_audit_log(audit_path) == 3


def test_regulator_reads_need_a_legal_basis_and_parties_see_who_read_their_data(
    client: TestClient, chain: Chain, audit_path: Path
) -> None:
    """REG-2: the regulator states why it reads; the read is logged with that basis; the
    regulator lists its own reads; a bank sees that its data was read, and by whom, but not
    what else the read covered."""
    chain.execute(pay(chain, "bank-a", "bank-b", 500, 1))
    target = f"/v1/clearing/payments/{uetr(1)}"
    refused = read(client, chain, "regulator", target, basis="")
    assert refused.status_code == 403
    assert refused.json()["code"] == "api/legal_basis_required"
    assert audit_lines(audit_path) == []
    # The basis is signed: changing it after signing breaks the signature.
    headers = signed_headers(chain, "regulator", "GET", target)
    tampered = client.get(target, headers={**headers, LEGAL_BASIS_HEADER: "curiosity"})
    assert tampered.status_code == 401
    assert read(client, chain, "regulator", target).status_code == 200
    [entry] = audit_lines(audit_path)
    assert (entry["legal_basis"], entry["owners"]) == (LEGAL_BASIS, ["bank-a", "bank-b"])

    own = read(client, chain, "regulator", "/v1/audit/reads").json()
    assert [(e["target"], e["legal_basis"]) for e in own] == [(target, LEGAL_BASIS)]
    for subject in ("bank-a", "bank-b"):
        [seen] = read(client, chain, subject, "/v1/audit/reads").json()
        assert seen["org"] == "regulator" and seen["legal_basis"] == LEGAL_BASIS
        assert "target" not in seen and "owners" not in seen
    assert read(client, chain, "bank-c", "/v1/audit/reads").json() == []
    assert client.get("/v1/audit/reads").status_code == 401


def test_audit_log_is_tamper_evident(client: TestClient, chain: Chain, audit_path: Path) -> None:
    chain.execute(pay(chain, "bank-a", "bank-b", 500, 1))
    for _ in range(3):
        read(client, chain, "regulator", f"/v1/clearing/payments/{uetr(1)}")
    lines = audit_path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["org"] = "bank-c"
    audit_path.write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n")
    with pytest.raises(ValueError, match="line 3"):
        verify_audit_log(audit_path)
    audit_path.write_text("\n".join([lines[0], lines[2]]) + "\n")  # a line removed
    with pytest.raises(ValueError, match="line 2"):
        verify_audit_log(audit_path)


def test_transaction_and_block_views_hide_payment_details_from_others(
    client: TestClient, chain: Chain
) -> None:
    raw = pay(chain, "bank-a", "bank-b", 500, 1)
    [receipt] = chain.execute(raw)
    tx_target = f"/v1/txs/{receipt.tx_hash.hex()}"
    block_target = f"/v1/blocks/{receipt.height}"

    full = read(client, chain, "bank-b", tx_target).json()  # the receiver
    assert full["raw"] == raw.hex()
    assert full["tx"]["msgs"][0]["value"]["amount"] == "500"
    assert dict(full["receipt"]["events"][0]["attributes"])["receiver"] == "bank-b"

    for view in (client.get(tx_target).json(), read(client, chain, "bank-c", tx_target).json()):
        assert view["raw"] is None
        assert view["tx"]["msgs"] == [
            {"type": "clearing/SubmitPayment@1", "value": {}, "redacted": True}
        ]
        assert view["receipt"]["events"] == [
            {"type": "clearing.payment_queued", "attributes": {}, "redacted": True}
        ]
        assert view["tx"]["memo"] == ""

    block = read(client, chain, "bank-c", block_target).json()
    assert block["tx_hashes"] == [receipt.tx_hash.hex()]
    assert block["receipts"][0]["events"][0]["redacted"] is True
    regulator_block = read(client, chain, "regulator", block_target).json()
    assert regulator_block["receipts"][0]["events"][0]["attributes"]["amount"] == "500"


def test_gridlock_settles_by_netting_and_each_bank_sees_its_own_part(
    client: TestClient, chain: Chain
) -> None:
    """A->B 100, B->C 100, C->A 140 with only C holding 40: no payment can settle gross, one
    netting cycle at the end of the block settles all three (CLR-5); bank C sees only its own
    payments and net result."""
    [funding] = chain.execute(chain.sign("pboc", Pledge("bank-c", "CNY", 40)))
    assert funding.code == "ok"
    receipts = chain.execute(
        pay(chain, "bank-a", "bank-b", 100, 1),
        pay(chain, "bank-b", "bank-c", 100, 2),
        pay(chain, "bank-c", "bank-a", 140, 3),
    )
    assert [r.code for r in receipts] == ["ok"] * 3
    regulator_cycles = read(client, chain, "regulator", "/v1/clearing/cycles").json()
    [cycle] = regulator_cycles
    assert sorted(cycle["settled"]) == sorted([uetr(1), uetr(2), uetr(3)])
    assert cycle["net_changes"] == {"bank-a": "40", "bank-c": "-40"}
    [seen_by_c] = read(client, chain, "bank-c", "/v1/clearing/cycles").json()
    assert sorted(seen_by_c["settled"]) == sorted([uetr(2), uetr(3)])
    assert seen_by_c["net_changes"] == {"bank-c": "-40"}
    [seen_by_b] = read(client, chain, "bank-b", "/v1/clearing/cycles").json()
    assert seen_by_b["net_changes"] == {}  # B's net change is zero: nothing to report
    balances = read(client, chain, "pboc", "/v1/clearing/accounts?currency=CNY").json()
    assert {a["participant"]: a["balance"] for a in balances} == {
        "bank-a": "40",
        "bank-b": "0",
        "bank-c": "0",
    }


def test_websocket_events_are_cut_for_the_subscriber(client: TestClient, chain: Chain) -> None:
    target = "/v1/ws?topics=events"
    headers_c = signed_headers(chain, "bank-c", "GET", target)
    headers_b = signed_headers(chain, "bank-b", "GET", target)
    with (
        client.websocket_connect(target, headers=headers_c) as as_c,
        client.websocket_connect(target, headers=headers_b) as as_b,
    ):
        chain.execute(pay(chain, "bank-a", "bank-b", 500, 1))
        seen_by_c = as_c.receive_json()["event"]
        seen_by_b = as_b.receive_json()["event"]
    assert seen_by_c == {"type": "clearing.payment_queued", "attributes": {}, "redacted": True}
    assert seen_by_b["attributes"]["uetr"] == uetr(1)


# ---- ISO 20022 edge -----------------------------------------------------------------------------


def post_xml(client: TestClient, chain: Chain, name: str, xml: bytes) -> Response:
    target = "/v1/clearing/iso20022/payments"
    headers = signed_headers(chain, name, "POST", target, xml)
    return client.post(target, content=xml, headers={**headers, "content-type": "application/xml"})


def test_pacs008_maps_to_the_debtor_banks_payments_then_pacs002_reports_them(
    client: TestClient, chain: Chain
) -> None:
    xml = (SAMPLES / "pacs008_two_transactions.xml").read_bytes()
    refused = post_xml(client, chain, "bank-b", xml)  # not the debtor agent
    assert refused.status_code == 400
    assert refused.json()["code"] == "clearing_api/not_your_bic"

    mapped = post_xml(client, chain, "bank-a", xml)
    assert mapped.status_code == 200, mapped.text
    body = mapped.json()
    assert (body["kind"], body["msg_id"]) == ("pacs.008", "ICBK20240315-0001")
    values = [m["value"] for m in body["messages"]]
    assert [(v["receiver"], v["amount"]) for v in values] == [
        ("bank-b", "12345"),
        ("bank-c", "100000"),
    ]
    chain.execute(chain.sign("pboc", Pledge("bank-a", "CNY", 12345)))
    msgs = [
        SubmitPayment(
            v["receiver"],
            v["currency"],
            int(v["amount"]),
            v["priority"],
            v["msg_id"],
            v["end_to_end_id"],
            v["uetr"],
        )
        for v in values
    ]
    receipts = chain.execute(*(chain.sign("bank-a", m) for m in msgs))
    assert [r.code for r in receipts] == ["ok", "ok"]

    schema = xmlschema.XMLSchema(str(XSD_DIR / "pacs.002.001.10.xsd"))
    expected = {values[0]["uetr"]: "ACSC", values[1]["uetr"]: "PDNG"}  # the second is unfunded
    for payment_uetr, status in expected.items():
        response = read(client, chain, "bank-a", f"/v1/clearing/payments/{payment_uetr}/pacs002")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        schema.validate(response.content)
        report = schema.to_dict(response.content)["FIToFIPmtStsRpt"]
        assert report["OrgnlGrpInfAndSts"][0]["OrgnlMsgId"] == "ICBK20240315-0001"
        assert report["TxInfAndSts"][0]["TxSts"] == status
        assert report["TxInfAndSts"][0]["OrgnlUETR"] == payment_uetr
    hidden = read(client, chain, "bank-c", f"/v1/clearing/payments/{values[0]['uetr']}/pacs002")
    assert hidden.status_code == 404


def test_invalid_pacs008_is_rejected_with_its_path_and_stores_nothing(
    client: TestClient, chain: Chain
) -> None:
    before = client.get("/v1/status").json()
    xml = (SAMPLES / "pacs008_two_transactions.xml").read_bytes()
    invalid = xml.replace(b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>two</NbOfTxs>")
    response = post_xml(client, chain, "bank-a", invalid)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "iso20022/schema_invalid"
    assert "NbOfTxs" in error["details"]["path"]
    unknown_bic = xml.replace(b"ABOCCNBJ", b"ZZZZCNBJ")
    response = post_xml(client, chain, "bank-a", unknown_bic)
    assert response.json()["code"] == "clearing_api/unknown_bic"
    assert response.json()["details"]["path"] == "CdtTrfTxInf[2]/CdtrAgt"
    assert post_xml(client, chain, "bank-a", b"<not xml").status_code == 400
    after = client.get("/v1/status").json()
    assert (after["height"], after["app_hash"]) == (before["height"], before["app_hash"])


def test_end_of_day_camt053_reconciles_per_account(
    client: TestClient, chain: Chain, audit_path: Path
) -> None:
    """Day 0: pledges, one gross payment, one payment rejected at cut-off (CLR-7). Day 1: one
    more payment. Each statement is XSD-valid and opening + entries = closing."""
    chain.execute(
        chain.sign("pboc", Pledge("bank-a", "CNY", 1000)),
        chain.sign("pboc", Pledge("bank-b", "CNY", 200)),
        pay(chain, "bank-a", "bank-b", 300, 1),
        pay(chain, "bank-b", "bank-c", 900, 2),  # unfunded: queued, rejected at cut-off
    )
    chain.execute(chain.sign("pboc", CutOff("CNY")))
    chain.execute(pay(chain, "bank-b", "bank-a", 50, 3))
    chain.execute(chain.sign("pboc", CutOff("CNY")))

    days = read(client, chain, "regulator", "/v1/clearing/days?currency=CNY").json()
    assert [d["closing_balances"] for d in days] == [
        {"bank-a": "700", "bank-b": "500", "bank-c": "0"},
        {"bank-a": "750", "bank-b": "450", "bank-c": "0"},
    ]
    own_days = read(client, chain, "bank-b", "/v1/clearing/days?currency=CNY").json()
    assert [d["closing_balances"] for d in own_days] == [{"bank-b": "500"}, {"bank-b": "450"}]
    payment = read(client, chain, "bank-b", f"/v1/clearing/payments/{uetr(2)}").json()
    assert (payment["status"], payment["reason"]) == ("REJECTED", "unsettled at end of day")

    schema = xmlschema.XMLSchema(str(XSD_DIR / "camt.053.001.08.xsd"))

    def statement(reader: str, participant: str, day: int) -> dict[str, Any]:
        target = f"/v1/clearing/statements/{participant}?currency=CNY&day={day}"
        response = read(client, chain, reader, target)
        assert response.status_code == 200, response.text
        schema.validate(response.content)
        decoded = schema.to_dict(response.content, decimal_type=str)
        return dict(decoded["BkToCstmrStmt"]["Stmt"][0])

    def summary(stmt: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
        balances = [b["Amt"]["$"] for b in stmt["Bal"]]
        entries = [(e["CdtDbtInd"], e["Amt"]["$"]) for e in stmt.get("Ntry", [])]
        return balances, entries

    assert summary(statement("bank-b", "bank-b", 0)) == (
        ["0.00", "5.00"],
        [("CRDT", "2.00"), ("CRDT", "3.00")],
    )
    assert summary(statement("bank-b", "bank-b", 1)) == (["5.00", "4.50"], [("DBIT", "0.50")])
    assert summary(statement("regulator", "bank-a", 0)) == (
        ["0.00", "7.00"],
        [("CRDT", "10.00"), ("DBIT", "3.00")],
    )
    assert audit_lines(audit_path)[-1]["target"].startswith("/v1/clearing/statements/bank-a")
    other = read(client, chain, "bank-c", "/v1/clearing/statements/bank-a?currency=CNY&day=0")
    assert other.status_code == 404
    future = read(client, chain, "bank-a", "/v1/clearing/statements/bank-a?currency=CNY&day=2")
    assert future.status_code == 404


REG2_TARGETS = [
    "/v1/clearing/accounts?currency=CNY",
    "/v1/clearing/queue?currency=CNY",
    "/v1/clearing/cycles",
    "/v1/clearing/days?currency=CNY",
    f"/v1/clearing/payments/{uetr(1)}",
    f"/v1/clearing/payments/{uetr(1)}/pacs002",
    "/v1/blocks/latest",
    "/v1/reports/balances",
]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    reads=st.lists(st.tuples(st.sampled_from(REG2_TARGETS), st.sampled_from(READERS)), max_size=12)
)
def test_reg2_every_regulator_read_makes_exactly_one_audit_record(
    client: TestClient, chain: Chain, audit_path: Path, reads: list[tuple[str, str]]
) -> None:
    """REG-2 over random reads: each regulator read adds exactly one record, carrying its
    legal basis and target; a bank's reads of its own data add none."""
    if chain.app.height == 1:  # the fixture's set-up block; the examples share the chain
        chain.execute(pay(chain, "bank-a", "bank-b", 500, 1))
    for target, reader in reads:
        before = len(audit_lines(audit_path))
        response = read(client, chain, reader, target)
        assert response.status_code in (200, 404), response.text
        new = audit_lines(audit_path)[before:]
        if reader == "regulator":
            assert [(e["org"], e["target"], e["legal_basis"]) for e in new] == [
                ("regulator", target, LEGAL_BASIS)
            ]
        elif reader == "bank-a":
            assert new == []


def test_reg5_a_scoped_regulator_reads_only_its_jurisdiction(tmp_path: Path) -> None:
    """REG-5: a regulator whose scope is bank-a reads what involves bank-a, nothing else; a
    governance vote widens the scope."""
    chain = make_chain(
        tmp_path / "scoped", "intl", supervision={"scopes": {"regulator": ["bank-a"]}}
    )
    try:
        chain.execute(*(chain.sign("pboc", OpenAccount(bank, "CNY")) for bank in BANKS))
        chain.execute(
            pay(chain, "bank-a", "bank-b", 100, 1), pay(chain, "bank-b", "bank-c", 100, 2)
        )
        api = create_api(NodeServices(chain.app, chain.engine, chain.db), ApiSettings())
        with TestClient(api, raise_server_exceptions=False) as scoped:
            inside = read(scoped, chain, "regulator", f"/v1/clearing/payments/{uetr(1)}")
            outside = read(scoped, chain, "regulator", f"/v1/clearing/payments/{uetr(2)}")
            assert (inside.status_code, outside.status_code) == (200, 404)
            queue = read(scoped, chain, "regulator", "/v1/clearing/queue?currency=CNY").json()
            assert [p["uetr"] for p in queue] == [uetr(1)]
            accounts = read(scoped, chain, "regulator", "/v1/clearing/accounts?currency=CNY")
            assert [a["participant"] for a in accounts.json()] == ["bank-a"]
            every = read(scoped, chain, "regulator", "/v1/reports/balances")
            assert every.status_code == 404  # a report of every member is beyond its scope
            own = read(scoped, chain, "regulator", "/v1/reports/balances?org=bank-a")
            assert own.status_code == 200
            # The central bank (the settlement operator) is not scoped.
            assert (
                read(scoped, chain, "pboc", f"/v1/clearing/payments/{uetr(2)}").status_code == 200
            )
            assert chain.app.query("supervision/scope", {"org": "regulator"}).value == {
                "org": "regulator",
                "supervised": ["bank-a"],
            }
            widen = encode_action(SetScope("regulator", "*"))
            chain.execute(chain.sign("pboc", Propose(widen, "regulator supervises everyone")))
            chain.execute(chain.sign("pboc", OpenVoting(0)))
            chain.execute(*(chain.sign(o, Vote(0, "yes")) for o in ("pboc", "bank-a", "bank-b")))
            while chain.app.query("governance/proposal", {"id": 0}).value["status"] == "VOTING":
                chain.engine.produce_block()
            widened = read(scoped, chain, "regulator", f"/v1/clearing/payments/{uetr(2)}")
            assert widened.status_code == 200
    finally:
        chain.close()
