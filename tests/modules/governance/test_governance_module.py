"""The governance module on a real chain (solo engine, RocksDB): proposals, weighted votes,
thresholds, the close at the end of the block, and the governed actions it runs.

The dev consortium has five member organisations (pboc admin + central bank, bank-a, bank-b,
bank-c, regulator), weight 1 each unless a test says otherwise; votes last 4 blocks here.
Invariants named: GOV-1 (nothing executes without its threshold), GOV-2 (close schedule),
G-3 (a rejected operation changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finchain.modules.auth.keys import nonce_key
from finchain.modules.bank import Transfer
from finchain.modules.clearing.keeper import ClearingView
from finchain.modules.clearing.messages import SetAutoProcess
from finchain.modules.governance.messages import (
    OpenVoting,
    Propose,
    SetParams,
    SetWeight,
    Vote,
    encode_action,
)
from finchain.modules.members.messages import AddOrg, GrantRole, RemoveOrg, RevokeRole
from finchain.modules.params import SetChainParams
from finchain.modules.supervision.messages import SetScope
from finchain.modules.validators.messages import SetPower
from tests.app.support import InBlock, assert_rejected, deliver_block, snapshot, state_diff
from tests.helpers import Chain, make_chain

VOTING_BLOCKS = 4


@pytest.fixture
def chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    c = make_chain(
        tmp_path / "chain",
        suite_name,
        governance={"voting_period_blocks": VOTING_BLOCKS},
        validators=[(b"\x07" * 32, 10), (b"\x08" * 32, 10)],
    )
    c.keys["bank-d"] = c.suite.generate_private_key()
    yield c
    c.close()


def run(chain: Chain, *raws: bytes) -> list[str]:
    return [r.code for r in chain.execute(*raws)]


def query(chain: Chain, path: str, **params: Any) -> Any:
    return chain.app.query(path, params).value


def propose(chain: Chain, action: Any, title: str = "a change") -> int:
    """pboc proposes `action` and opens the vote; returns the proposal id."""
    proposal_id = len(query(chain, "governance/proposals"))
    assert run(chain, chain.sign("pboc", Propose(encode_action(action), title))) == ["ok"]
    assert run(chain, chain.sign("pboc", OpenVoting(proposal_id))) == ["ok"]
    return proposal_id


def vote(chain: Chain, proposal_id: int, **options: str) -> None:
    """Votes in one block: `vote(chain, 0, pboc="yes", bank_a="no")`."""
    raws = [chain.sign(org.replace("_", "-"), Vote(proposal_id, o)) for org, o in options.items()]
    assert run(chain, *raws) == ["ok"] * len(raws)


def close(chain: Chain, proposal_id: int) -> dict[str, Any]:
    """Make empty blocks until the vote has closed; returns the proposal."""
    end = query(chain, "governance/proposal", id=proposal_id)["voting_end_height"]
    while chain.app.height < end:
        chain.engine.produce_block()
    proposal: dict[str, Any] = query(chain, "governance/proposal", id=proposal_id)
    assert chain.app.check_invariants() == []
    return proposal


def validator_powers(chain: Chain) -> list[tuple[str, int]]:
    return [(v["pub_key"], v["power"]) for v in query(chain, "validators")]


def add_bank_d(chain: Chain) -> AddOrg:
    return AddOrg("bank-d", "Bank D", "bank", chain.address("bank-d"))


def test_majority_admits_a_new_bank_which_can_then_transact(chain: Chain) -> None:
    proposal_id = propose(chain, add_bank_d(chain), "admit Bank D")
    vote(chain, proposal_id, pboc="yes", bank_a="yes", bank_b="no")
    vote(chain, proposal_id, bank_b="yes")  # a later vote replaces the earlier one
    proposal = close(chain, proposal_id)
    assert proposal["status"] == "EXECUTED"
    assert proposal["tally"] == {"yes": 3, "no": 0, "abstain": 0, "total": 5}
    assert proposal["votes"] == {"bank-a": "yes", "bank-b": "yes", "pboc": "yes"}
    assert query(chain, "member", id="bank-d")["roles"] == ["bank"]
    block_events = [e.type for e in chain.db.load_block(chain.app.height).events]  # type: ignore[union-attr]
    assert block_events == ["members.org_added", "governance.proposal_closed"]
    # The new member's key signs transactions now (a zero-value transfer is refused, not its key).
    raw = chain.sign("bank-d", Transfer(chain.address("bank-a"), "CNY", 1))
    result, _ = chain.engine.submit(raw)
    assert result.code == "bank/insufficient_funds"


def test_two_of_five_is_rejected_and_no_vote_expires(chain: Chain) -> None:
    rejected = propose(chain, add_bank_d(chain))
    vote(chain, rejected, pboc="yes", bank_a="yes", bank_b="no", regulator="abstain")
    assert close(chain, rejected)["status"] == "REJECTED"
    expired = propose(chain, add_bank_d(chain))
    assert close(chain, expired)["status"] == "EXPIRED"
    assert query(chain, "governance/proposal", id=expired)["tally"]["total"] == 5
    with pytest.raises(Exception, match="bank-d"):
        query(chain, "member", id="bank-d")


def test_removing_a_member_needs_two_thirds_and_locks_it_out(chain: Chain) -> None:
    remove = propose(chain, RemoveOrg("bank-c"))
    assert query(chain, "governance/proposal", id=remove)["threshold"] == "two_thirds"
    vote(chain, remove, pboc="yes", bank_a="yes", bank_b="yes")  # 3 of 5 < 2/3
    assert close(chain, remove)["status"] == "REJECTED"

    remove = propose(chain, RemoveOrg("bank-c"))
    vote(chain, remove, pboc="yes", bank_a="yes", bank_b="yes", regulator="yes")
    other = propose(chain, GrantRole("bank-a", "payment_institution"))
    vote(chain, other, bank_c="yes")  # in the block at whose end bank-c is removed
    assert close(chain, remove)["status"] == "EXECUTED"
    # Its keys are no longer a member's: transactions and votes are refused (G-3).
    assert_rejected(chain, chain.sign("bank-c", Vote(other, "no")), "tx/not_a_member", None)
    # Its earlier vote no longer counts: 0 yes of the 4 remaining organisations.
    assert close(chain, other)["tally"] == {"yes": 0, "no": 0, "abstain": 0, "total": 4}


def test_state_changed_between_proposal_and_execution_fails_cleanly(chain: Chain) -> None:
    """Both proposals admit an organisation with bank-d's key and are valid when proposed; the
    first executes, so the second is refused as it runs: FAILED with the action's code, none of
    its writes or events kept."""
    first = propose(chain, add_bank_d(chain), "admit Bank D")
    second = propose(chain, AddOrg("bank-e", "Bank E", "bank", chain.address("bank-d")))
    vote(chain, first, pboc="yes", bank_a="yes", bank_b="yes")
    vote(chain, second, pboc="yes", bank_a="yes", bank_b="yes", bank_c="yes")  # 4 of 6 then
    assert close(chain, first)["status"] == "EXECUTED"
    proposal = close(chain, second)
    assert (proposal["status"], proposal["result"]) == ("FAILED", "members/account_exists")
    assert {m["id"] for m in query(chain, "members")} >= {"bank-d"}
    assert "bank-e" not in {m["id"] for m in query(chain, "members")}
    block = chain.db.load_block(chain.app.height)
    assert block is not None
    assert [(e.type, dict(e.attributes)["id"]) for e in block.events] == [
        ("governance.proposal_closed", str(second))
    ]


def test_invalid_proposal_whose_action_would_fail_now(chain: Chain) -> None:
    """A proposal that cannot succeed is refused when proposed, with the action's own code and
    message in its details, before any vote; G-3: the trial run kept no write (not even the
    organisation AddOrg records before its account is refused) and no event."""
    cases: list[tuple[Any, str]] = [
        (AddOrg("bank-d", "Bank D", "bank", chain.address("bank-a")), "members/account_exists"),
        (AddOrg("bank-a", "Bank A", "bank", chain.address("bank-d")), "members/org_exists"),
        (RevokeRole("pboc", "admin"), "members/last_admin"),  # the only admin organisation
        (GrantRole("bank-z", "bank"), "members/unknown_org"),
        (SetScope("regulator", "bank-z"), "supervision/unknown_target"),
        (SetPower(b"\x09" * 32, 0), "validators/unknown_validator"),
        (SetWeight("bank-z", 2), "governance/unknown_org"),
    ]
    for action, action_code in cases:
        raw = chain.sign(
            "pboc",
            Propose(encode_action(action), "cannot succeed"),
            nonce=chain.app.get_pending_nonce(chain.address("pboc")),
        )
        checked = chain.app.check_tx(raw)
        assert checked.code == "governance/action_would_fail", (action, checked.log)
        assert checked.details["action_type"] == action.TYPE
        assert checked.details["action_code"] == action_code, (action, checked.details)
        assert checked.details["action_message"] in checked.log
        assert_rejected(chain, raw, "governance/action_would_fail", InBlock.MESSAGE)
    assert query(chain, "governance/proposals") == []
    assert chain.app.check_invariants() == []


def test_a_valid_proposal_is_tried_without_writes_or_events_and_then_executes(
    chain: Chain,
) -> None:
    """The trial run at proposal time leaves nothing: the proposing block writes only governance
    keys and the proposer's nonce, its receipt has only `proposal_submitted`, no transaction is
    indexed under the new member's account and no validator update is returned; the same
    actions run for real when the vote passes."""
    bank_d = chain.address("bank-d")
    before = snapshot(chain.app).state
    raws = [
        chain.sign("pboc", Propose(encode_action(add_bank_d(chain)), "admit Bank D")),
        chain.sign("pboc", Propose(encode_action(SetPower(b"\x09" * 32, 5)), "a validator")),
    ]
    result = deliver_block(chain.app, raws)
    assert [r.code for r in result.receipts] == ["ok", "ok"]
    assert [[e.type for e in r.events] for r in result.receipts] == [
        ["governance.proposal_submitted"]
    ] * 2
    assert result.validator_updates == []
    changed = state_diff(before, snapshot(chain.app).state)
    assert [k for k in changed if not k.startswith(b"governance/")] == [
        nonce_key(chain.address("pboc"))
    ]
    assert chain.db.find_account_txs(bank_d) == []
    with pytest.raises(Exception, match="bank-d"):
        query(chain, "member", id="bank-d")

    assert run(chain, chain.sign("pboc", OpenVoting(0)), chain.sign("pboc", OpenVoting(1))) == [
        "ok",
        "ok",
    ]
    vote(chain, 0, pboc="yes", bank_a="yes", bank_b="yes", bank_c="yes")
    vote(chain, 1, pboc="yes", bank_a="yes", bank_b="yes", bank_c="yes")
    assert close(chain, 0)["status"] == "EXECUTED"
    assert close(chain, 1)["status"] == "EXECUTED"
    assert query(chain, "member", id="bank-d")["roles"] == ["bank"]
    assert dict(validator_powers(chain))[(b"\x09" * 32).hex()] == 5


def test_proposal_check_is_deterministic(tmp_path: Path) -> None:
    """Two nodes from the same genesis given the same blocks (a refused and an accepted
    proposal) agree on every receipt and app hash: the trial run reads only the state."""
    options: dict[str, Any] = {
        "key_seed": b"proposal-check",
        "governance": {"voting_period_blocks": VOTING_BLOCKS},
    }
    nodes = [make_chain(tmp_path / name, **options) for name in ("node0", "node1")]
    try:
        signer = nodes[0]
        raws = [
            signer.sign("pboc", Propose(encode_action(RevokeRole("pboc", "admin")), "x")),
            signer.sign("pboc", Propose(encode_action(GrantRole("bank-a", "auditor")), "y")),
        ]
        results = [deliver_block(node.app, raws) for node in nodes]
        assert [r.code for r in results[0].receipts] == ["governance/action_would_fail", "ok"]
        assert results[0].receipts == results[1].receipts
        assert results[0].app_hash == results[1].app_hash
    finally:
        for node in nodes:
            node.close()


def test_weights_and_params_change_by_vote(chain: Chain) -> None:
    weight = propose(chain, SetWeight("pboc", 3))
    vote(chain, weight, pboc="yes", bank_a="yes", bank_b="yes")
    assert close(chain, weight)["status"] == "EXECUTED"
    # Now 7 in total: pboc alone (3) is not a majority, pboc + bank-a (4) is.
    grant = propose(chain, GrantRole("bank-a", "payment_institution"))
    vote(chain, grant, pboc="yes", bank_a="yes")
    assert close(chain, grant)["tally"] == {"yes": 4, "no": 0, "abstain": 0, "total": 7}
    assert "payment_institution" in query(chain, "member", id="bank-a")["roles"]
    params = propose(chain, SetParams(5, "two_thirds", 1))
    vote(chain, params, pboc="yes", bank_a="yes", bank_b="yes")
    assert close(chain, params)["status"] == "EXECUTED"
    assert query(chain, "governance/params")["voting_period_blocks"] == 5
    start = chain.app.height
    later = propose(chain, add_bank_d(chain))
    assert query(chain, "governance/proposal", id=later)["voting_end_height"] == start + 2 + 5


def test_a_validator_is_added_by_vote_not_by_an_admin_alone(chain: Chain) -> None:
    """After genesis (no bootstrap height) an admin's own SetPower is refused; the vote runs it."""
    direct = chain.sign("pboc", SetPower(b"\x09" * 32, 5), nonce=0)
    assert_rejected(chain, direct, "validators/governance_only", InBlock.MESSAGE)
    chain.nonces["pboc"] = chain.app.get_pending_nonce(chain.address("pboc"))
    proposal_id = propose(chain, SetPower(b"\x09" * 32, 5))
    vote(chain, proposal_id, pboc="yes", bank_a="yes", bank_b="yes", bank_c="yes")
    assert close(chain, proposal_id)["status"] == "EXECUTED"
    powers = {v["pub_key"]: v["power"] for v in query(chain, "validators")}
    assert powers[(b"\x09" * 32).hex()] == 5


def test_invalid_governance_operations_change_nothing(chain: Chain) -> None:
    """G-3 for each refusal, with its stable code."""
    draft_raw = chain.sign("pboc", Propose(encode_action(add_bank_d(chain)), "draft"))
    assert run(chain, draft_raw) == ["ok"]
    cases = [
        (chain.sign("bank-a", Vote(0, "yes")), "governance/illegal_transition"),
        (chain.sign("pboc", OpenVoting(7)), "governance/unknown_proposal"),
    ]
    for raw, code in cases:
        assert_rejected(chain, raw, code, InBlock.MESSAGE)
    # Proposing and opening need the admin role; governed actions are sent by no member (only a
    # passed vote runs them): the ante refuses all of these before the nonce is used.
    for sender, msg in [
        ("bank-a", Propose(encode_action(add_bank_d(chain)), "x")),
        ("bank-a", OpenVoting(0)),
        ("pboc", add_bank_d(chain)),
        ("pboc", RemoveOrg("bank-a")),
        ("pboc", SetWeight("pboc", 9)),
    ]:
        raw = chain.sign(sender, msg, nonce=chain.app.get_pending_nonce(chain.address(sender)))
        assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)
    transfer = Transfer(chain.address("bank-a"), "CNY", 1)
    stateless = [
        (chain.sign("pboc", Propose(encode_action(transfer), "x")), "governance/not_governable"),
        (chain.sign("pboc", Propose(b"\x01\x02", "x")), "codec/malformed"),
        (chain.sign("pboc", Propose(encode_action(add_bank_d(chain)), "")), "governance/bad_field"),
        (chain.sign("pboc", Vote(0, "maybe")), "governance/bad_field"),
        (
            chain.sign("pboc", Propose(encode_action(GrantRole("bank-a", "king")), "x")),
            "members/bad_field",
        ),
        (
            chain.sign("pboc", Propose(encode_action(SetChainParams(100, 1, 0, "")), "x")),
            "params/bad_params",  # max_tx_bytes below 256
        ),
        (
            chain.sign("pboc", Propose(encode_action(SetChainParams(32768, 1, 5, "")), "x")),
            "params/bad_params",  # a fee without its asset
        ),
        (
            chain.sign("pboc", Propose(encode_action(SetAutoProcess(2)), "x")),
            "clearing/bad_field",
        ),
        (
            chain.sign("pboc", Propose(encode_action(SetScope("regulator", "Bank A")), "x")),
            "supervision/bad_field",
        ),
    ]
    for raw, code in stateless:
        assert_rejected(chain, raw, code, InBlock.STATELESS)
    assert chain.app.check_invariants() == []


def test_module_parameters_change_by_vote(chain: Chain) -> None:
    """Clearing's end-of-block processing (rule 3) and a regulator's scope (REG-5) are module
    parameters that only a vote changes."""
    assert ClearingView(chain.app.view_at()).is_auto_processing()
    off = propose(chain, SetAutoProcess(0), "manual netting")
    vote(chain, off, pboc="yes", bank_a="yes", bank_b="yes")
    assert close(chain, off)["status"] == "EXECUTED"
    assert not ClearingView(chain.app.view_at()).is_auto_processing()
    scope = propose(chain, SetScope("regulator", "bank-a,bank-b"), "regulator: two banks")
    vote(chain, scope, pboc="yes", bank_a="yes", bank_b="yes")
    assert close(chain, scope)["status"] == "EXECUTED"
    assert query(chain, "supervision/scope", org="regulator")["supervised"] == ["bank-a", "bank-b"]
    # A scope naming no member is refused when proposed (it could not run), nothing changes.
    unknown = Propose(encode_action(SetScope("regulator", "bank-z")), "a bank that does not exist")
    assert_rejected(chain, chain.sign("pboc", unknown), "governance/action_would_fail", None)
    assert query(chain, "supervision/scope", org="regulator")["supervised"] == ["bank-a", "bank-b"]


def test_chain_parameters_change_by_vote(chain: Chain) -> None:
    """A minimum fee adopted by vote applies to the next transactions (tx/fee_too_low)."""
    proposal_id = propose(chain, SetChainParams(32 * 1024, 10_000, 5, "CNY"), "a fee")
    vote(chain, proposal_id, pboc="yes", bank_a="yes", bank_b="yes")
    assert close(chain, proposal_id)["status"] == "EXECUTED"
    assert query(chain, "params")["min_fee"] == 5
    nonce = chain.nonces.get("bank-a", 0)
    free = chain.sign("bank-a", Vote(proposal_id, "yes"), nonce=nonce)
    result, _ = chain.engine.submit(free)
    assert result.code == "tx/fee_too_low"
