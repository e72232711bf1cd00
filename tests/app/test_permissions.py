"""The permission model (issue #8): every message type declares which roles may send it
(`@message_type(..., roles=...)`), the ante refuses any other sender with `tx/role_not_permitted`,
and docs/permissions.md is generated from the declarations.

For every registered type (the tests iterate the registry, so a new type without a sample in
`SAMPLES` fails the suite), on a real chain:
- each member organisation none of whose roles is allowed is refused with `tx/role_not_permitted`
  and nothing changes, in check_tx and in a block (G-3; an ante failure: not even the nonce moves);
  for an any-member type the only wrong sender is a non-member (`tx/not_a_member`);
- each organisation holding an allowed role passes the ante (its handler may still refuse it
  with a module code); a governance-only type is sent by no member and runs after a vote.
REG-1: the regulator is refused every type that is not declared for it, and the types declared
for it are exactly the directives and the any-member ones.

Organisations: the dev consortium (pboc: admin, central_bank; bank-a, bank-b, bank-c: bank;
regulator: regulator) plus `audit-firm` (auditor), which no write permission lists.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from finchain.app.permissions import list_wired_permissions
from finchain.crypto import Address
from finchain.model.message import (
    ANY_MEMBER,
    GOVERNANCE_ONLY,
    get_allowed_roles,
    message_type,
    registered_messages,
)
from finchain.modules.bank import messages as bank
from finchain.modules.clearing import messages as clearing
from finchain.modules.contracts import messages as contracts
from finchain.modules.contracts.keeper import contract_address
from finchain.modules.governance import messages as governance
from finchain.modules.members import messages as members
from finchain.modules.members.roles import ROLES
from finchain.modules.params import SetChainParams
from finchain.modules.supervision import messages as supervision
from finchain.modules.validators import messages as validators
from finchain.node.devgenesis import DEV_ORGS
from finchain.node.wiring import MODULES
from tests.app.support import InBlock, assert_rejected, deliver_block
from tests.helpers import Chain, make_chain

ROOT = Path(__file__).resolve().parents[2]
AUDITOR_ORG = ("audit-firm", ("auditor",))
ORG_ROLES = {org: frozenset(roles) for org, _, roles in DEV_ORGS} | {
    AUDITOR_ORG[0]: frozenset(AUDITOR_ORG[1])
}
OUTSIDER = "outsider"  # a key of no member organisation
VOTING_BLOCKS = 2
SOMEONE = Address(bytes(range(1, 21)))  # an address of no member (handlers may refuse it)
UETR = "0a1b2c3d-0000-4000-8000-00000000000a"
CONTRACT = "from finchain.contract import export\n\n\n@export\ndef one() -> int:\n    return 1\n"

# One valid instance (validate_basic passes) of every registered message type. Governance-only
# samples also succeed when a vote runs them on a fresh chain.
SAMPLES: dict[str, Any] = {
    msg.TYPE: msg
    for msg in (
        bank.Transfer(SOMEONE, "CNY", 1),
        bank.Issue(SOMEONE, "CNY", 1),
        bank.Redeem("CNY", 1),
        members.AddAccount(SOMEONE),
        members.AddOrg("bank-d", "Bank D", "bank", SOMEONE),
        members.RemoveOrg("bank-c"),
        members.GrantRole("bank-c", "auditor"),
        members.RevokeRole("bank-c", "bank"),
        validators.SetPower(b"\x09" * 32, 5),
        clearing.OpenAccount("bank-a", "CNY"),
        clearing.RegisterBic("bank-a", "ICBKCNBJ"),
        clearing.Pledge("bank-a", "CNY", 100),
        clearing.Redeem("bank-a", "CNY", 1),
        clearing.SetUrgentReserve("CNY", 0),
        clearing.SubmitPayment("bank-b", "CNY", 1, "NORMAL", "MSG-1", "E2E-1", UETR),
        clearing.HoldPayment(UETR),
        clearing.ReleasePayment(UETR),
        clearing.CancelPayment(UETR),
        clearing.SetSuspended("bank-c", 1),
        clearing.RunLsm("CNY"),
        clearing.CutOff("CNY"),
        governance.Propose(governance.encode_action(members.RemoveOrg("bank-c")), "remove"),
        governance.OpenVoting(0),
        governance.Vote(0, "yes"),
        governance.SetWeight("bank-c", 2),
        governance.SetParams(5, "majority", 1),
        governance.SetThreshold("members/RemoveOrg@1", "all"),
        supervision.IssueDirective("suspend_participant", "bank-c", "Art. 1 (test)"),
        supervision.LiftDirective(0, "Art. 1 (test)"),
        supervision.SubmitReport("daily_positions", 1, b"\x01" * 32),
        supervision.AnchorAuditLog("node-0", 1, b"\x02" * 32),
        supervision.SetScope("regulator", "bank-a,bank-b"),
        clearing.SetAutoProcess(0),
        SetChainParams(65_536, 5_000, 0, ""),
        contracts.Deploy(CONTRACT, b"", 10_000),
        contracts.Call(SOMEONE, "one", b"", 10_000),
        contracts.Upgrade(contract_address(0), CONTRACT),  # the chain's first contract
        contracts.SetParams("admin,bank", 2_000_000, 0),
        supervision.ReviewReport(0, "ACKNOWLEDGED", "ok"),
    )
}

# REG-1: what the regulator may write. Widening it is a deliberate change of this list.
REGULATOR_MAY_SEND = {
    "supervision/IssueDirective@1",
    "supervision/LiftDirective@1",
    "supervision/ReviewReport@1",
    "members/AddAccount@1",  # any member: a new key of its own organisation
    "governance/Vote@1",  # any member: a vote on a proposal, if it has a weight
    "supervision/SubmitReport@1",  # any member
    "supervision/AnchorAuditLog@1",  # any member: its node's read audit log
}


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """The dev consortium plus an auditor organisation, and a key that belongs to no member."""
    c = make_chain(
        tmp_path / "chain",
        "intl",
        extra_orgs=[AUDITOR_ORG],
        governance={"voting_period_blocks": VOTING_BLOCKS},
    )
    c.keys[OUTSIDER] = c.suite.generate_private_key()
    yield c
    c.close()


def sign_now(chain: Chain, org: str, *msgs: Any) -> bytes:
    """Sign with the sender's next pending nonce (a refused transaction consumes none)."""
    return chain.sign(org, *msgs, nonce=chain.app.get_pending_nonce(chain.address(org)))


def orgs_allowed(type_name: str) -> list[str]:
    allowed = get_allowed_roles(type_name)
    if allowed is ANY_MEMBER:
        return sorted(ORG_ROLES)
    return sorted(org for org, roles in ORG_ROLES.items() if roles & allowed)


def orgs_refused(type_name: str) -> list[str]:
    """Organisations none of whose roles may send `type_name`."""
    allowed = get_allowed_roles(type_name)
    if allowed is ANY_MEMBER:
        return []
    return sorted(org for org, roles in ORG_ROLES.items() if roles.isdisjoint(allowed))


def governance_only_types() -> list[str]:
    return [p.type_name for p in list_wired_permissions(MODULES) if p.roles == GOVERNANCE_ONLY]


# ---- the declarations ------------------------------------------------------------------------


def wired_types() -> list[str]:
    """Every message type of the platform's wiring list (tests may register others)."""
    return [p.type_name for p in list_wired_permissions(MODULES)]


def test_every_wired_type_has_a_valid_sample() -> None:
    missing = sorted(set(wired_types()) - set(SAMPLES))
    assert missing == [], f"add a sample to SAMPLES for {missing}"
    assert sorted(SAMPLES) == wired_types()
    for msg in SAMPLES.values():
        msg.validate_basic()


def test_declared_roles_are_member_roles() -> None:
    for permission in list_wired_permissions(MODULES):
        if permission.roles is not ANY_MEMBER:
            assert permission.roles <= set(ROLES), permission


def test_every_governance_only_type_can_be_proposed() -> None:
    """A type no member may send must be one a vote can run, or nobody could ever run it."""
    assert governance_only_types()
    assert set(governance_only_types()) <= governance.GOVERNABLE_ACTIONS


def test_every_declaration_has_a_wrong_sender_among_the_test_orgs() -> None:
    """So the refusal test below checks every permission-table entry."""
    for type_name in wired_types():
        if get_allowed_roles(type_name) is not ANY_MEMBER:
            assert orgs_refused(type_name), type_name


@pytest.mark.parametrize(
    "roles",
    [{"bank"}, ("bank",), ["bank"], "bank", frozenset({""}), frozenset({1}), None],
    ids=repr,
)
def test_invalid_roles_declaration_is_a_type_error(roles: Any) -> None:
    before = registered_messages()
    with pytest.raises(TypeError, match="roles must be ANY_MEMBER or a frozenset"):
        message_type("test/Bad@1", roles=roles)
    assert registered_messages() == before


def test_roles_are_a_required_keyword() -> None:
    with pytest.raises(TypeError):
        message_type("test/Bad@1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        message_type("test/Bad@1", frozenset({"bank"}))  # type: ignore[misc]
    assert "test/Bad@1" not in registered_messages()


# ---- enforcement: every entry of the table ----------------------------------------------------


@pytest.mark.parametrize("type_name", registered_messages())
def test_invalid_role_not_permitted(chain: Chain, type_name: str) -> None:
    """Every organisation without an allowed role gets `tx/role_not_permitted` and changes
    nothing (check_tx, then the same bytes in a block); for an any-member type, a non-member
    gets `tx/not_a_member`."""
    msg = SAMPLES[type_name]
    if get_allowed_roles(type_name) is ANY_MEMBER:
        assert_rejected(chain, sign_now(chain, OUTSIDER, msg), "tx/not_a_member", InBlock.ANTE)
        return
    for org in orgs_refused(type_name):
        raw = sign_now(chain, org, msg)
        assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)


@pytest.mark.parametrize("type_name", registered_messages())
def test_allowed_role_passes_the_ante(chain: Chain, type_name: str) -> None:
    """Every organisation with an allowed role gets past the ante, in check_tx and in a block
    (the handler may refuse the sample with a module code: not a `tx/` code). A governance-only
    type runs when a vote passes it."""
    msg = SAMPLES[type_name]
    if get_allowed_roles(type_name) == GOVERNANCE_ONLY:
        assert orgs_allowed(type_name) == []
        if type_name == "contracts/Upgrade@1":  # needs a contract to upgrade
            deploy = sign_now(chain, "pboc", SAMPLES["contracts/Deploy@1"])
            assert [r.code for r in chain.execute(deploy)] == ["ok"]
        assert run_by_vote(chain, msg) == "EXECUTED"
        return
    for org in orgs_allowed(type_name):
        raw = sign_now(chain, org, msg)
        checked = chain.app.check_tx(raw)
        assert not checked.code.startswith("tx/"), (org, checked.code, checked.log)
        [receipt] = deliver_block(chain.app, [raw]).receipts
        assert not receipt.code.startswith("tx/"), (org, receipt.code, receipt.log)
    assert chain.app.check_invariants() == []


def run_by_vote(chain: Chain, action: Any) -> str:
    """pboc proposes `action` and opens the vote, every member votes yes; the proposal's status
    once the vote has closed."""
    proposal_id = len(chain.app.query("governance/proposals", {}).value)
    propose = governance.Propose(governance.encode_action(action), "a governed change")
    assert [r.code for r in chain.execute(sign_now(chain, "pboc", propose))] == ["ok"]
    opening = sign_now(chain, "pboc", governance.OpenVoting(proposal_id))
    assert [r.code for r in chain.execute(opening)] == ["ok"]
    votes = [sign_now(chain, org, governance.Vote(proposal_id, "yes")) for org in sorted(ORG_ROLES)]
    assert [r.code for r in chain.execute(*votes)] == ["ok"] * len(votes)
    for _ in range(VOTING_BLOCKS + 1):
        chain.engine.produce_block()
    proposal = chain.app.query("governance/proposal", {"id": proposal_id}).value
    assert chain.app.check_invariants() == []
    return str(proposal["status"])


# ---- REG-1 --------------------------------------------------------------------------------------


def test_reg1_regulator_cannot_create_or_alter_business_transactions(chain: Chain) -> None:
    """REG-1: signed with the regulator's key, every message type except those declared for the
    regulator is refused with `tx/role_not_permitted` and changes nothing, even when the
    regulator holds the money a transfer would move."""
    issue = bank.Issue(chain.address("regulator"), "CNY", 500)
    funded = chain.execute(sign_now(chain, "pboc", issue))
    assert [r.code for r in funded] == ["ok"]
    declared = {t for t in wired_types() if "regulator" in orgs_allowed(t)}
    assert declared == REGULATOR_MAY_SEND
    refused = [t for t in wired_types() if t not in declared]
    assert "bank/Transfer@1" in refused and "clearing/SubmitPayment@1" in refused
    for type_name in refused:
        msg = SAMPLES[type_name]
        if type_name == "bank/Transfer@1":
            msg = bank.Transfer(chain.address("bank-a"), "CNY", 100)  # would succeed by funds
        raw = sign_now(chain, "regulator", msg)
        assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)


# ---- details of the refusal -------------------------------------------------------------------


def test_invalid_one_forbidden_message_refuses_the_whole_transaction(chain: Chain) -> None:
    """pboc may open an account but not submit a payment: the whole transaction is refused."""
    raw = sign_now(
        chain,
        "pboc",
        clearing.OpenAccount("bank-a", "CNY"),
        SAMPLES["clearing/SubmitPayment@1"],
    )
    result = chain.app.check_tx(raw)
    assert result.code == "tx/role_not_permitted"
    assert result.details == {
        "message_type": "clearing/SubmitPayment@1",
        "message_index": 1,
        "allowed_roles": ["bank"],
        "sender_roles": ["admin", "central_bank"],
    }
    assert "needs the role bank" in result.log
    assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)


def test_invalid_governance_only_message_says_to_propose_it(chain: Chain) -> None:
    result = chain.app.check_tx(sign_now(chain, "pboc", SAMPLES["members/RemoveOrg@1"]))
    assert result.code == "tx/role_not_permitted"
    assert result.details["allowed_roles"] == []
    assert "governance/Propose@1" in result.log


def test_a_role_granted_by_vote_is_checked_from_the_next_transaction(chain: Chain) -> None:
    """The ante reads the sender's roles from state: a role a vote grants counts at once."""
    pledge = clearing.Pledge("bank-c", "CNY", 100)
    assert chain.app.check_tx(sign_now(chain, "bank-c", pledge)).code == "tx/role_not_permitted"
    assert run_by_vote(chain, members.GrantRole("bank-c", "central_bank")) == "EXECUTED"
    checked = chain.app.check_tx(sign_now(chain, "bank-c", pledge))
    assert checked.code == "clearing/no_account", checked.log  # past the ante, into the handler


# ---- the generated page -----------------------------------------------------------------------


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_permissions", ROOT / "scripts/gen_permissions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_permissions_page_is_generated_from_the_code() -> None:
    generator = load_generator()
    committed = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert committed == generator.render_permissions(), (
        "docs/permissions.md is stale: run .venv/bin/python scripts/gen_permissions.py"
    )
    for type_name in wired_types():
        assert f"| `{type_name}` |" in committed


def test_generator_check_mode_passes_on_the_committed_page() -> None:
    script = ROOT / "scripts" / "gen_permissions.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
