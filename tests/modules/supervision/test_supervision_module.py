"""The supervision module on a real chain (solo engine, RocksDB): directives (freeze an account,
suspend a participant; ISSUED -> EXECUTED -> LIFTED) honoured by the other modules, and the
submission and review of members' reports.

Invariants named: REG-1 (the regulator only writes directives and reviews), SUP-1 (an account
is frozen exactly while an executed directive holds it), CLR-8 (a suspended participant can
neither send nor receive), G-3 (a rejected operation changes nothing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finchain.crypto import format_address
from finchain.modules.bank import Transfer
from finchain.modules.clearing.messages import OpenAccount, Pledge, SetSuspended, SubmitPayment
from finchain.modules.supervision.messages import (
    AnchorAuditLog,
    IssueDirective,
    LiftDirective,
    ReviewReport,
    SubmitReport,
)
from tests.app.support import InBlock, assert_rejected
from tests.helpers import Chain, make_chain

BASIS = "Anti-Money Laundering Law art. 37; case 2026-114"
UETR = "0a1b2c3d-0000-4000-8000-00000000000a"


@pytest.fixture
def chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    c = make_chain(tmp_path / "chain", suite_name, extra_accounts=2)
    yield c
    c.close()


def run(chain: Chain, *raws: bytes) -> list[str]:
    return [r.code for r in chain.execute(*raws)]


def query(chain: Chain, path: str, **params: Any) -> Any:
    return chain.app.query(path, params).value


def address_of(chain: Chain, name: str) -> str:
    return format_address(chain.address(name))


def test_a_frozen_account_cannot_send_until_the_directive_is_lifted(chain: Chain) -> None:
    freeze = IssueDirective("freeze_account", address_of(chain, "user0"), BASIS)
    receipts = chain.execute(chain.sign("regulator", freeze))
    assert [e.type for e in receipts[0].events] == [
        "supervision.directive_issued",
        "supervision.directive_executed",
    ]
    [directive] = query(chain, "supervision/directives")
    assert (directive["status"], directive["issuer"], directive["legal_basis"]) == (
        "EXECUTED",
        "regulator",
        BASIS,
    )
    # SUP-1: the account sends nothing (no debit), but still receives.
    pay = chain.sign("user0", Transfer(chain.address("user1"), "CNY", 10))
    assert_rejected(chain, pay, "tx/account_frozen", InBlock.ANTE)
    chain.nonces["user0"] -= 1  # an ante refusal does not use the nonce
    assert run(chain, chain.sign("user1", Transfer(chain.address("user0"), "CNY", 10))) == ["ok"]
    # A second freeze of the same account is refused; lifting restores it.
    again = chain.sign("regulator", freeze)
    assert_rejected(chain, again, "supervision/already_in_force", InBlock.MESSAGE)
    assert run(chain, chain.sign("regulator", LiftDirective(0, "case closed"))) == ["ok"]
    assert query(chain, "supervision/directive", id=0)["status"] == "LIFTED"
    assert run(chain, chain.sign("user0", Transfer(chain.address("user1"), "CNY", 10))) == ["ok"]
    assert chain.app.check_invariants() == []


def test_a_suspended_participant_neither_sends_nor_receives_in_clearing(chain: Chain) -> None:
    chain.execute(
        *(chain.sign("pboc", OpenAccount(b, "CNY")) for b in ("bank-a", "bank-b")),
        chain.sign("pboc", Pledge("bank-a", "CNY", 1000)),
    )
    suspend = IssueDirective("suspend_participant", "bank-b", BASIS)
    assert run(chain, chain.sign("regulator", suspend)) == ["ok"]
    payment = SubmitPayment("bank-b", "CNY", 100, "NORMAL", "M1", "E1", UETR)
    assert_rejected(
        chain, chain.sign("bank-a", payment), "clearing/participant_suspended", InBlock.MESSAGE
    )
    # The central bank cannot undo the regulator's suspension; only lifting the directive does.
    unsuspend = chain.sign("pboc", SetSuspended("bank-b", 0))
    assert_rejected(chain, unsuspend, "clearing/held_by_directive", InBlock.MESSAGE)
    assert run(chain, chain.sign("regulator", LiftDirective(0, "remediated"))) == ["ok"]
    assert run(chain, chain.sign("bank-a", payment)) == ["ok"]
    assert query(chain, "clearing/payment", uetr=UETR)["status"] == "SETTLED"


def test_reports_are_submitted_by_members_and_reviewed_by_the_regulator(chain: Chain) -> None:
    digest = hashlib.sha256(b"large-value transfers at height 1").digest()
    chain.execute(chain.sign("user0", Transfer(chain.address("user1"), "CNY", 1)))
    submit = SubmitReport("large_value_transfers", 1, digest)
    assert run(chain, chain.sign("bank-a", submit)) == ["ok"]
    review = ReviewReport(0, "ACKNOWLEDGED", "recomputed: same hash")
    assert_rejected(chain, chain.sign("bank-a", review), "tx/role_not_permitted", InBlock.ANTE)
    chain.nonces["bank-a"] -= 1  # an ante refusal does not use the nonce
    assert run(chain, chain.sign("regulator", review)) == ["ok"]
    [report] = query(chain, "supervision/reports")
    assert (report["status"], report["submitter"], report["reviewer"]) == (
        "ACKNOWLEDGED",
        "bank-a",
        "regulator",
    )
    assert report["report_hash"] == digest.hex()
    again = chain.sign("regulator", ReviewReport(0, "REJECTED", "changed my mind"))
    assert_rejected(chain, again, "supervision/illegal_transition", InBlock.MESSAGE)


def test_invalid_directives_change_nothing(chain: Chain) -> None:
    """G-3 for each refusal; REG-1's other half: only a regulator issues directives."""
    user0 = address_of(chain, "user0")
    issued_by_pboc = chain.sign("pboc", IssueDirective("freeze_account", user0, BASIS))
    assert_rejected(chain, issued_by_pboc, "tx/role_not_permitted", InBlock.ANTE)  # REG-1
    cases = [
        (
            chain.sign("regulator", IssueDirective("freeze_account", "0x" + "ab" * 20, BASIS)),
            "supervision/unknown_target",
        ),
        (
            chain.sign("regulator", IssueDirective("suspend_participant", "nobody", BASIS)),
            "supervision/unknown_target",
        ),
        (chain.sign("regulator", LiftDirective(5, BASIS)), "supervision/unknown_directive"),
        (
            chain.sign("bank-a", SubmitReport("flows", 99, b"\x00" * 32)),
            "supervision/bad_field",
        ),
        (
            chain.sign("bank-a", SubmitReport("flows", 1, b"\x00" * 32, '{"org":"bank-c"}')),
            "supervision/bad_field",  # a member reports its own data only
        ),
    ]
    for raw, code in cases:
        assert_rejected(chain, raw, code, InBlock.MESSAGE)
    for raw, code in [
        (
            chain.sign("regulator", IssueDirective("close_bank", "bank-a", BASIS)),
            "supervision/bad_field",
        ),
        (
            chain.sign("regulator", IssueDirective("freeze_account", user0, "")),
            "supervision/bad_field",
        ),
        (
            chain.sign("regulator", IssueDirective("freeze_account", user0.upper(), BASIS)),
            "supervision/bad_field",
        ),
        (
            chain.sign("bank-a", SubmitReport("flows", 1, b"\x00" * 32, '{"org": "bank-a"}')),
            "supervision/bad_field",  # parameters must be canonical JSON
        ),
        (chain.sign("bank-a", SubmitReport("flows", 1, b"\x00" * 31)), "supervision/bad_field"),
    ]:
        assert_rejected(chain, raw, code, InBlock.STATELESS)
    assert chain.app.check_invariants() == []


def test_audit_anchors_only_grow(chain: Chain) -> None:
    """An organisation's anchor of a node's audit log cannot go back (G-3 for the refusal)."""
    assert run(chain, chain.sign("bank-a", AnchorAuditLog("node-0", 3, b"\x01" * 32))) == ["ok"]
    again = chain.sign("bank-a", AnchorAuditLog("node-0", 3, b"\x02" * 32))
    assert_rejected(chain, again, "supervision/illegal_transition", InBlock.MESSAGE)
    [anchor] = query(chain, "supervision/anchors")
    assert (anchor["org"], anchor["entries"], anchor["head"]) == ("bank-a", 3, "01" * 32)
    # Another organisation's log of the same name is its own record.
    assert run(chain, chain.sign("bank-b", AnchorAuditLog("node-0", 1, b"\x03" * 32))) == ["ok"]
    assert len(query(chain, "supervision/anchors")) == 2
    bad = chain.sign("bank-a", AnchorAuditLog("node 0", 4, b"\x01" * 32))
    assert_rejected(chain, bad, "supervision/bad_field", InBlock.STATELESS)
