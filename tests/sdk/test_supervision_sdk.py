"""`client.supervision` against a real node: a frozen account refused until the lift, a suspended
participant, a non-regulator refused by its role, a member's report generated, submitted,
verified by the regulator and acknowledged (and refused without a legal basis), the audit of
those reads, the async client, and the supervision message builders.

The dev consortium: pboc (admin, central bank, issues CNY), bank-a, bank-b, bank-c (banks),
regulator. `user0` is an extra account of bank-a made here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from finchain.errors import InvalidTransaction
from finchain.sdk import (
    AsyncClient,
    Client,
    FinchainApiError,
    Wallet,
    make_issue_directive,
    make_lift_directive,
    make_review_report,
    make_submit_report,
)
from tests.sdk.nodes import RunningNode

CNY = "CNY"
BASIS = "Anti-Money Laundering Law art. 37; case 2026-114"
REVIEW_BASIS = "PBOC Law art. 32: review of a submitted report"
LARGE = {CNY: 50_000}  # 500.00 yuan: the test's large-value threshold


def make_user(client: Client, node: RunningNode, amount: int) -> Wallet:
    """A new account of bank-a holding `amount` fen of CNY."""
    user = Wallet.generate(node.suite_name, name="user0")
    client.members.add_account(node.wallets["bank-a"], user.address)
    client.bank.issue(node.wallets["pboc"], user.address, CNY, amount)
    return user


def test_a_frozen_account_sends_nothing_until_the_lift(running_node: RunningNode) -> None:
    node = running_node
    regulator, bank_b = node.wallets["regulator"], node.wallets["bank-b"]
    with Client(node.url) as client:
        user0 = make_user(client, node, 1_000)
        frozen = client.supervision.freeze_account(regulator, user0.address, BASIS)
        assert (frozen.directive_id, frozen.kind, frozen.target) == (
            0,
            "freeze_account",
            user0.address_hex,
        )
        assert frozen.tx.ok and frozen.tx.receipt is not None
        directive = client.supervision.directive(0)
        assert (directive["status"], directive["legal_basis"], directive["issuer"]) == (
            "EXECUTED",
            BASIS,
            "regulator",
        )
        with pytest.raises(FinchainApiError) as refused:
            client.bank.transfer(user0, bank_b.address, CNY, 100)
        assert (refused.value.status, refused.value.code) == (400, "tx/account_frozen")
        # It still receives.
        assert client.bank.issue(node.wallets["pboc"], user0.address, CNY, 1).ok

        lifted = client.supervision.lift_directive(regulator, 0, "case closed")
        assert lifted.receipt is not None
        assert lifted.receipt.find_event("supervision.directive_lifted") is not None
        assert client.supervision.directives()[0]["status"] == "LIFTED"
        height = frozen.tx.receipt.height
        assert client.supervision.directive(0, height=height)["status"] == "EXECUTED"
        assert client.bank.transfer(user0, bank_b.address, CNY, 100).ok
        assert client.get_balances(user0.address) == {CNY: 901}


def test_suspension_and_refusals(running_node: RunningNode) -> None:
    node = running_node
    regulator, bank_a = node.wallets["regulator"], node.wallets["bank-a"]
    with Client(node.url) as client:
        suspended = client.supervision.suspend_participant(regulator, "bank-c", BASIS)
        assert (suspended.kind, suspended.target) == ("suspend_participant", "bank-c")
        with pytest.raises(FinchainApiError) as again:
            client.supervision.suspend_participant(regulator, "bank-c", BASIS)
        assert again.value.code == "supervision/already_in_force"
        with pytest.raises(FinchainApiError) as not_regulator:
            client.supervision.freeze_account(bank_a, node.address("bank-b"), BASIS)
        assert (not_regulator.value.status, not_regulator.value.code) == (
            400,
            "tx/role_not_permitted",
        )
        with pytest.raises(FinchainApiError) as missing:
            client.supervision.directive(5)
        assert (missing.value.status, missing.value.code) == (404, "api/not_found")
        assert [d["target"] for d in client.supervision.directives()] == ["bank-c"]
        # The refused nonces are reused: the regulator's next transaction goes through.
        assert client.supervision.lift_directive(regulator, suspended.directive_id, "over").ok


def test_a_member_report_is_submitted_verified_and_acknowledged(
    running_node: RunningNode,
) -> None:
    node = running_node
    regulator, bank_b = node.wallets["regulator"], node.wallets["bank-b"]
    with Client(node.url) as client:
        user0 = make_user(client, node, 100_000)
        paid = client.bank.transfer(user0, bank_b.address, CNY, 60_000)
        assert paid.receipt is not None

    with Client(node.url, reader=bank_b) as member:
        report = member.supervision.report("large_value_transfers", thresholds=LARGE)
        assert report["params"] == {"org": "bank-b", "thresholds": LARGE}
        assert [(r[1], r[3], r[4], r[6]) for r in report["rows"]] == [
            (paid.hash, "bank-a", "bank-b", "60000")
        ]
        height = report["height"]
        csv = member.supervision.report(
            "large_value_transfers", height=height, fmt="csv", thresholds=LARGE
        )
        assert csv.splitlines()[0].endswith(f"height={height} sha256={report['hash']}")
        submitted = member.supervision.submit_report(
            bank_b, "large_value_transfers", height, report["hash"], params=report["params"]
        )
        assert (submitted.report_id, submitted.report_hash) == (0, report["hash"])
        assert member.supervision.submission(0)["status"] == "SUBMITTED"
        assert member.supervision.submission(0)["params"] == report["params"]
        # Without parameters the submission means the defaults (another report, another hash).
        member.supervision.submit_report(bank_b, "large_value_transfers", height, report["hash"])

    with Client(node.url, reader=regulator) as no_basis:
        with pytest.raises(FinchainApiError) as refused:
            no_basis.supervision.verify_report(0, thresholds=LARGE)
        assert (refused.value.status, refused.value.code) == (403, "api/legal_basis_required")

    with Client(node.url, reader=regulator, legal_basis=REVIEW_BASIS) as supervisor:
        # The submission records its parameters: the regulator regenerates exactly that report.
        checked = supervisor.supervision.verify_report(0)
        assert checked.matches and checked.recomputed_hash == checked.submitted_hash
        assert checked.submission["submitter"] == "bank-b"
        other = supervisor.supervision.verify_report(1)  # submitted without its parameters
        assert not other.matches and other.submitted_hash == report["hash"]
        assert supervisor.supervision.verify_report(1, thresholds=LARGE).matches
        with pytest.raises(FinchainApiError) as missing:
            supervisor.supervision.verify_report(7)
        assert missing.value.code == "api/not_found"
        reviewed = supervisor.supervision.review_report(
            regulator, 0, "ACKNOWLEDGED", "recomputed: equal"
        )
        assert reviewed.ok
        final = supervisor.supervision.reports()[0]
        assert (final["status"], final["reviewer"], final["note"]) == (
            "ACKNOWLEDGED",
            "regulator",
            "recomputed: equal",
        )
        own_reads = supervisor.get_audit_reads()
        assert {r["legal_basis"] for r in own_reads} == {REVIEW_BASIS}
        assert all(r["owners"] == ["bank-b"] for r in own_reads)

    with Client(node.url, reader=bank_b) as member:
        seen = member.get_audit_reads()
        assert [(r["org"], r["legal_basis"]) for r in seen] == [("regulator", REVIEW_BASIS)] * 3


def test_async_supervision_calls(running_node: RunningNode) -> None:
    node = running_node
    regulator, bank_a = node.wallets["regulator"], node.wallets["bank-a"]

    async def scenario() -> None:
        async with AsyncClient(node.url, reader=bank_a) as client:
            bank_c = node.address("bank-c")
            frozen = await client.supervision.freeze_account(regulator, bank_c, BASIS)
            assert frozen.directive_id == 0
            [directive] = await client.supervision.directives()
            assert directive["target"] == bank_c
            assert (await client.supervision.directive(0))["kind"] == "freeze_account"
            await client.supervision.lift_directive(regulator, 0, "over")
            csv = await client.supervision.report("balances", fmt="csv")
            assert csv.splitlines()[1] == "org,asset,ledger,amount"
            report = await client.supervision.report("balances")
            submitted = await client.supervision.submit_report(
                bank_a, "balances", report["height"], bytes.fromhex(report["hash"])
            )
            assert (await client.supervision.submission(submitted.report_id))["submitter"] == (
                "bank-a"
            )
            checked = await client.supervision.verify_report(submitted.report_id)
            assert checked.matches  # bank-a may read its own report
            await client.supervision.review_report(regulator, 0, "REJECTED", "late")
            assert [r["status"] for r in await client.supervision.reports()] == ["REJECTED"]

    asyncio.run(scenario())


# ---- builders (no node) ------------------------------------------------------------------------


def test_supervision_builders_validate() -> None:
    upper = "0x" + "AB" * 20
    assert make_issue_directive("freeze_account", upper, BASIS).target == "0x" + "ab" * 20
    raw = bytes(range(20))
    assert make_issue_directive("freeze_account", raw, BASIS).target == "0x" + raw.hex()
    assert make_issue_directive("suspend_participant", "bank-c", BASIS).target == "bank-c"
    assert make_lift_directive(3, "over").directive_id == 3
    digest = "ab" * 32
    assert make_submit_report("balances", 7, digest).report_hash == bytes.fromhex(digest)
    assert make_submit_report("balances", 7, "0x" + digest).report_hash == bytes.fromhex(digest)
    assert make_review_report(0, "REJECTED").note == ""


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: make_issue_directive("seize_assets", "bank-c", BASIS), "bad_field"),
        (lambda: make_issue_directive("suspend_participant", "Bank C", BASIS), "bad_field"),
        (lambda: make_issue_directive("suspend_participant", "bank-c", ""), "bad_field"),
        (lambda: make_lift_directive(-1, "over"), "bad_field"),
        (lambda: make_submit_report("balances", 7, b"\x00" * 31), "bad_field"),
        (lambda: make_submit_report("Balances", 7, b"\x00" * 32), "bad_field"),
        (lambda: make_submit_report("balances", 0, b"\x00" * 32), "bad_field"),
        (lambda: make_review_report(0, "acknowledged", ""), "bad_field"),
    ],
)
def test_invalid_builder_arguments_are_refused_before_signing(
    build: Callable[[], object], code: str
) -> None:
    with pytest.raises(InvalidTransaction) as refused:
        build()
    assert str(refused.value.code) == f"supervision/{code}"


def test_invalid_builder_types_and_texts() -> None:
    with pytest.raises(ValueError, match="address"):
        make_issue_directive("freeze_account", "bank-c", BASIS)
    with pytest.raises(TypeError, match="organisation id"):
        make_issue_directive("suspend_participant", b"\x01" * 20, BASIS)
    with pytest.raises(ValueError, match="64 hex digits"):
        make_submit_report("balances", 7, "not hex")
    with pytest.raises(TypeError, match="directive_id"):
        make_lift_directive(True, "over")
