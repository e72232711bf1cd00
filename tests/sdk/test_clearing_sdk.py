"""`client.clearing` and signed reads against a real node: settlement, per-bank privacy of
payment reads, the ISO 20022 edge (pacs.008 in, pacs.002 and camt.053 out) and signed streams.

The dev chain has three banks (`bank-a`, `bank-b`, `bank-c`); BICs as in the pacs.008 sample.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finchain.model.read_auth import PUBLIC_KEY_HEADER, SIGNATURE_HEADER
from finchain.sdk import (
    AsyncClient,
    Client,
    FinchainApiError,
    Subscription,
    SuiteMismatch,
    Wallet,
    make_mapped_payments,
    make_submit_payment,
    new_uetr,
    sign_read_headers,
)
from finchain.sdk.read_signing import compute_read_target, is_signed_request
from finchain.sdk.wire import compute_ws_url
from tests.sdk.nodes import RunningNode, run_node

CNY = "CNY"
SAMPLES = Path(__file__).parents[1] / "iso20022" / "samples"
PACS008 = (SAMPLES / "pacs008_two_transactions.xml").read_bytes()
SAMPLE_UETRS = ("8a562c67-ca16-48ba-b074-65581be6f011", "2f1e7c3a-5b4d-4c8e-9a0b-1c2d3e4f5a6b")
BICS = {"bank-a": "ICBKCNBJ", "bank-b": "BKCHCNBJXXX", "bank-c": "ABOCCNBJ"}
BANKS = ("bank-a", "bank-b", "bank-c")


@pytest.fixture
def intl_node(tmp_path: Path) -> Iterator[RunningNode]:
    with run_node(tmp_path / "home", "intl") as running:
        yield running


def open_accounts(node: RunningNode, pledges: dict[str, int]) -> None:
    """Open a CNY account for every bank and pledge `pledges` (minor units)."""
    pboc = node.wallets["pboc"]
    with Client(node.url) as client:
        for bank in BANKS:
            client.clearing.open_account(pboc, bank, CNY)
        for bank, amount in pledges.items():
            client.clearing.pledge(pboc, bank, CNY, amount)


LEGAL_BASIS = "Banking Supervision Law art. 24: on-site examination 2026-07"


def reader_client(node: RunningNode, name: str) -> Client:
    """A client reading as `name`; the regulator cites a legal basis (it must)."""
    basis = LEGAL_BASIS if name == "regulator" else ""
    return Client(node.url, reader=node.wallets[name], legal_basis=basis)


def pay(
    client: Client, node: RunningNode, sender: str, receiver: str, amount: int, ref: str
) -> str:
    uetr = new_uetr()
    client.clearing.submit_payment(
        node.wallets[sender], receiver, CNY, amount, msg_id=ref, end_to_end_id=ref, uetr=uetr
    )
    return uetr


# ---- settlement and reads ------------------------------------------------------------------


def test_open_pledge_and_pay_settles_gross(running_node: RunningNode) -> None:
    node = running_node
    open_accounts(node, {"bank-a": 10_000})
    with reader_client(node, "bank-a") as client:
        uetr = new_uetr()
        result = client.clearing.submit_payment(
            node.wallets["bank-a"],
            "bank-b",
            CNY,
            2_500,
            priority="HIGH",
            msg_id="MSG-1",
            end_to_end_id="E2E-1",
            uetr=uetr,
        )
        assert result.ok and result.receipt is not None
        settled = result.receipt.find_event("clearing.payment_settled")
        assert settled is not None
        assert (settled.attributes["uetr"], settled.attributes["method"]) == (uetr, "gross")

        assert client.clearing.accounts(CNY) == [
            {
                "participant": "bank-a",
                "currency": CNY,
                "balance": "7500",
                "reserved_for_urgent": "0",
            }
        ]
        payment = client.clearing.payment(uetr)
        assert (payment["status"], payment["amount"], payment["priority"]) == (
            "SETTLED",
            "2500",
            "HIGH",
        )
        report = client.clearing.status_report(uetr)
        assert b"pacs.002.001.10" in report and b"<TxSts>ACSC</TxSts>" in report
        assert uetr.encode() in report
    with reader_client(node, "pboc") as central_bank:
        balances = {a["participant"]: a["balance"] for a in central_bank.clearing.accounts(CNY)}
        assert balances == {"bank-a": "7500", "bank-b": "2500", "bank-c": "0"}
        assert central_bank.clearing.payment(uetr)["receiver"] == "bank-b"


def test_queued_payment_is_private_to_its_parties(intl_node: RunningNode) -> None:
    node = intl_node
    open_accounts(node, {"bank-a": 1_000})
    bank_a = node.wallets["bank-a"]
    with reader_client(node, "bank-a") as sender:
        uetr = pay(sender, node, "bank-a", "bank-b", 5_000, "QUEUED-1")
        assert sender.clearing.payment(uetr)["status"] == "QUEUED"
        assert [p["uetr"] for p in sender.clearing.queue(CNY)] == [uetr]
    with reader_client(node, "bank-b") as receiver:
        assert receiver.clearing.payment(uetr)["sender"] == "bank-a"
        assert [p["uetr"] for p in receiver.clearing.queue(CNY)] == [uetr]
    with reader_client(node, "bank-c") as third_bank:
        with pytest.raises(FinchainApiError) as caught:
            third_bank.clearing.payment(uetr)
        assert (caught.value.status, caught.value.code) == (404, "api/not_found")
        assert third_bank.clearing.queue(CNY) == []
        with pytest.raises(FinchainApiError) as report_caught:
            third_bank.clearing.status_report(uetr)
        assert report_caught.value.status == 404
    for supervisor in ("pboc", "regulator"):
        with reader_client(node, supervisor) as client:
            assert client.clearing.payment(uetr)["status"] == "QUEUED"
            assert [p["uetr"] for p in client.clearing.queue(CNY)] == [uetr]
            assert len(client.clearing.accounts(CNY)) == 3

    with reader_client(node, "bank-a") as sender:
        sender.clearing.hold(bank_a, uetr)
        assert sender.clearing.payment(uetr)["status"] == "ON_HOLD"
        sender.clearing.release(bank_a, uetr)
        assert sender.clearing.payment(uetr)["status"] == "QUEUED"
        sender.clearing.cancel(bank_a, uetr)
        assert sender.clearing.payment(uetr)["status"] == "CANCELLED"
        report = sender.clearing.status_report(uetr, original="pacs.008")
        assert b"<TxSts>RJCT</TxSts>" in report and b"DS02" in report
        with pytest.raises(FinchainApiError) as refused:  # check_tx refuses it: no block
            sender.clearing.cancel(bank_a, uetr)
        assert refused.value.code == "clearing/illegal_transition"
        assert sender.clearing.set_urgent_reserve(bank_a, CNY, 100).ok  # nonce resynced
        assert sender.clearing.accounts(CNY)[0]["reserved_for_urgent"] == "100"


def test_invalid_anonymous_clearing_read(intl_node: RunningNode) -> None:
    with Client(intl_node.url) as anonymous:
        with pytest.raises(FinchainApiError) as caught:
            anonymous.clearing.accounts(CNY)
        assert (caught.value.status, caught.value.code) == (401, "api/unauthenticated")
        with pytest.raises(FinchainApiError) as payment_caught:
            anonymous.clearing.payment(new_uetr())
        assert payment_caught.value.status == 401
        assert anonymous.clearing.directory() == []  # public


def test_signed_read_with_query_string(intl_node: RunningNode) -> None:
    node = intl_node
    open_accounts(node, {"bank-b": 700})
    with reader_client(node, "bank-b") as client:
        # `?currency=CNY` is part of what is signed.
        assert [a["balance"] for a in client.clearing.accounts(CNY)] == ["700"]
        response = client.request(
            "GET", "/v1/clearing/accounts", params={"currency": CNY, "unused": "a b,c"}
        )
        assert response.json()[0]["participant"] == "bank-b"
        assert PUBLIC_KEY_HEADER in response.request.headers
        # A percent-encoded path is signed as sent (still encoded): the answer is 404, not 401.
        with pytest.raises(FinchainApiError) as caught:
            client.clearing.payment("not a uetr")
        assert caught.value.status == 404
        assert SIGNATURE_HEADER not in client.request("GET", "/v1/status").request.headers
    with reader_client(node, "regulator") as regulator:
        regulator.clearing.accounts(CNY)
    audit = (node.home / "audit" / "reads.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(audit[-1])
    assert (entry["org"], entry["target"]) == ("regulator", "/v1/clearing/accounts?currency=CNY")
    assert entry["legal_basis"] == LEGAL_BASIS
    with Client(node.url, reader=node.wallets["regulator"]) as no_basis:
        with pytest.raises(FinchainApiError) as refused:
            no_basis.clearing.accounts(CNY)
        assert (refused.value.status, refused.value.code) == (403, "api/legal_basis_required")
    with reader_client(node, "regulator") as regulator:
        own = regulator.get_audit_reads()
        assert own[-1]["legal_basis"] == LEGAL_BASIS
    with reader_client(node, "bank-b") as subject:
        seen = subject.get_audit_reads()
        assert seen and all(e["org"] in ("regulator", "pboc") for e in seen)
        assert all("target" not in e for e in seen)


def test_invalid_reader_of_another_suite(intl_node: RunningNode) -> None:
    with (
        Client(intl_node.url, reader=Wallet.generate("gm")) as client,
        pytest.raises(SuiteMismatch),
    ):
        client.clearing.cycles()


def test_cut_off_day_and_statement(intl_node: RunningNode) -> None:
    node = intl_node
    open_accounts(node, {"bank-a": 10_000})
    pboc = node.wallets["pboc"]
    with reader_client(node, "bank-a") as client:
        pay(client, node, "bank-a", "bank-b", 1_250, "STMT-1")
        queued = pay(client, node, "bank-a", "bank-c", 50_000, "STMT-2")
        client.clearing.cut_off(pboc, CNY)
        assert client.clearing.payment(queued)["status"] == "REJECTED"
        [day] = client.clearing.days(CNY)
        assert (day["day"], day["closing_balances"]) == (0, {"bank-a": "8750"})
        statement = client.clearing.statement("bank-a", CNY, 0)
        assert b"camt.053.001.08" in statement and b"87.50" in statement
        with pytest.raises(FinchainApiError) as caught:
            client.clearing.statement("bank-b", CNY, 0)
        assert caught.value.status == 404
        for cycle in client.clearing.cycles():  # a bank sees only its own net result
            assert set(cycle["net_changes"]) <= {"bank-a"}
        assert client.clearing.run_lsm(pboc, CNY).ok


# ---- ISO 20022 -------------------------------------------------------------------------------


def register_sample_bics(client: Client, node: RunningNode) -> None:
    for bank, bic in BICS.items():
        client.clearing.register_bic(node.wallets["pboc"], bank, bic)


def test_submit_iso20022_creates_payments(running_node: RunningNode) -> None:
    node = running_node
    open_accounts(node, {"bank-a": 200_000})
    bank_a = node.wallets["bank-a"]
    with Client(node.url) as client:  # no reader: the submitting wallet signs the mapping read
        register_sample_bics(client, node)
        assert {e["bic"]: e["participant"] for e in client.clearing.directory()} == {
            bic: bank for bank, bic in BICS.items()
        }
        results = client.clearing.submit_iso20022(bank_a, PACS008)
        assert [r.ok for r in results] == [True, True]
        assert bank_a.next_nonce == 2
    with reader_client(node, "bank-a") as sender:
        first, second = (sender.clearing.payment(uetr) for uetr in SAMPLE_UETRS)
        assert (first["receiver"], first["amount"], first["priority"]) == (
            "bank-b",
            "12345",
            "HIGH",
        )
        assert (second["receiver"], second["amount"], second["priority"]) == (
            "bank-c",
            "100000",
            "URGENT",
        )
        assert first["msg_id"] == "ICBK20240315-0001" and first["status"] == "SETTLED"
        assert b"<TxSts>ACSC</TxSts>" in sender.clearing.status_report(SAMPLE_UETRS[0])


def test_invalid_iso20022_schema_stores_no_payment(intl_node: RunningNode) -> None:
    node = intl_node
    open_accounts(node, {"bank-a": 200_000})
    bank_a = node.wallets["bank-a"]
    invalid = PACS008.replace(b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>two</NbOfTxs>")
    with reader_client(node, "pboc") as client:
        register_sample_bics(client, node)
        with pytest.raises(FinchainApiError) as caught:
            client.clearing.submit_iso20022(bank_a, invalid)
        error = caught.value
        assert (error.status, error.code) == (400, "iso20022/schema_invalid")
        assert error.details["path"].endswith("GrpHdr/NbOfTxs")
        for uetr in SAMPLE_UETRS:
            with pytest.raises(FinchainApiError) as missing:
                client.clearing.payment(uetr)  # the central bank would see it if it existed
            assert missing.value.status == 404
        assert client.get_account(bank_a.address).nonce == 0


def test_invalid_iso20022_debtor_of_another_bank(intl_node: RunningNode) -> None:
    node = intl_node
    with Client(node.url) as client:
        register_sample_bics(client, node)
        with pytest.raises(FinchainApiError) as caught:
            client.clearing.submit_iso20022(node.wallets["bank-b"], PACS008)
        assert caught.value.code == "clearing_api/not_your_bic"
        assert caught.value.details["path"] == "CdtTrfTxInf[1]/DbtrAgt"


# ---- async client and signed event streams ---------------------------------------------------


def test_async_clearing_with_signed_subscription(intl_node: RunningNode) -> None:
    node = intl_node
    open_accounts(node, {"bank-a": 5_000})

    async def next_event(stream: Any, event_type: str) -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(stream.__anext__(), 10)
            if message["type"] == "event" and message["event"]["type"] == event_type:
                event: dict[str, Any] = message["event"]
                return event

    async def scenario() -> None:
        bank_a = node.wallets["bank-a"]
        async with (
            AsyncClient(node.url, reader=node.wallets["bank-b"]) as receiver,
            AsyncClient(node.url) as anonymous,
            receiver.subscribe(("events",)) as signed_stream,
            anonymous.subscribe(("events",)) as anonymous_stream,
        ):
            uetr = new_uetr()
            result = await receiver.clearing.submit_payment(
                bank_a, "bank-b", CNY, 1_000, msg_id="ASYNC-1", end_to_end_id="E-1", uetr=uetr
            )
            assert result.ok
            seen = await next_event(signed_stream, "clearing.payment_settled")
            assert seen["attributes"]["uetr"] == uetr
            hidden = await next_event(anonymous_stream, "clearing.payment_settled")
            assert hidden.get("redacted") is True and "uetr" not in hidden["attributes"]
            assert (await receiver.clearing.payment(uetr))["status"] == "SETTLED"
            assert [a["participant"] for a in await receiver.clearing.accounts(CNY)] == ["bank-b"]
            with pytest.raises(FinchainApiError):
                await anonymous.clearing.queue(CNY)

    asyncio.run(scenario())


def test_invalid_subscription_signature(intl_node: RunningNode) -> None:
    async def forged(target: str) -> dict[str, str]:
        headers = sign_read_headers(
            intl_node.wallets["bank-a"], "other-chain", "GET", target, b"", 1
        )
        return headers

    async def scenario() -> None:
        url = compute_ws_url(intl_node.url, ("events",))
        with pytest.raises(FinchainApiError) as refused:  # refused at the handshake
            async with Subscription(url, sign_handshake=forged) as stream:
                await asyncio.wait_for(stream.__anext__(), 10)
        assert (refused.value.status, refused.value.code) == (401, "api/unauthenticated")

    asyncio.run(scenario())


def test_async_submit_iso20022(intl_node: RunningNode) -> None:
    node = intl_node
    open_accounts(node, {"bank-a": 200_000})

    async def scenario() -> None:
        async with (
            AsyncClient(node.url) as client,
            AsyncClient(node.url, reader=node.wallets["bank-c"]) as receiver,
        ):
            for bank, bic in BICS.items():
                await client.clearing.register_bic(node.wallets["pboc"], bank, bic)
            results = await client.clearing.submit_iso20022(node.wallets["bank-a"], PACS008)
            assert [r.ok for r in results] == [True, True]
            report = await receiver.clearing.status_report(SAMPLE_UETRS[1])
            assert b"<TxSts>ACSC</TxSts>" in report

    asyncio.run(scenario())


# ---- offline ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        (b"/v1/clearing/accounts?currency=CNY", "/v1/clearing/accounts?currency=CNY"),
        (b"/v1/clearing/payments/not%20a%20uetr", "/v1/clearing/payments/not%20a%20uetr"),
        (b"/v1/clearing/payments/a%3Fb", "/v1/clearing/payments/a%3Fb"),
        (b"/v1/clearing/cycles?", "/v1/clearing/cycles"),
        (b"/v1/x?q=a%20b&r=1", "/v1/x?q=a%20b&r=1"),
    ],
)
def test_read_target_is_what_the_node_verifies(raw: bytes, target: str) -> None:
    assert compute_read_target(raw) == target


def test_status_is_the_only_unsigned_request() -> None:
    assert not is_signed_request("GET", "/v1/status")
    assert is_signed_request("POST", "/v1/status")
    assert is_signed_request("GET", "/v1/clearing/directory")


def test_wallet_signs_bytes_verifiably(suite_name: str) -> None:
    wallet = Wallet.generate(suite_name)
    signature = wallet.sign_bytes(b"payload")
    assert wallet.suite.verify(wallet.public_key, b"payload", signature)
    assert not wallet.suite.verify(wallet.public_key, b"other", signature)


def test_new_uetr_is_a_lowercase_uuid4() -> None:
    msg = make_submit_payment("bank-b", CNY, 1, msg_id="M", end_to_end_id="E")
    assert msg.uetr == msg.uetr.lower() and msg.uetr[14] == "4"
    assert new_uetr() != new_uetr()


@pytest.mark.parametrize(
    "item",
    [
        {"type": "bank/Transfer@1", "value": {}},
        {"type": "clearing/SubmitPayment@1", "value": {"amount": "-5"}},
        {"type": "clearing/SubmitPayment@1", "value": {"amount": "1e3"}},
    ],
)
def test_invalid_mapped_payment(item: dict[str, Any]) -> None:
    value = {
        "receiver": "bank-b",
        "currency": CNY,
        "priority": "NORMAL",
        "msg_id": "M",
        "end_to_end_id": "E",
        "uetr": new_uetr(),
    }
    item = {"type": item["type"], "value": {**value, "amount": "1", **item["value"]}}
    with pytest.raises(ValueError):
        make_mapped_payments({"messages": [item]})
