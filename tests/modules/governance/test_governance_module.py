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
from tests.app.support import InBlock, assert_rejected
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


def test_a_passed_action_that_is_refused_when_run_fails_with_its_code(chain: Chain) -> None:
    proposal_id = propose(chain, RevokeRole("pboc", "admin"))  # the only admin organisation
    vote(chain, proposal_id, pboc="yes", bank_a="yes", bank_b="yes")
    proposal = close(chain, proposal_id)
    assert (proposal["status"], proposal["result"]) == ("FAILED", "members/last_admin")
    assert "admin" in query(chain, "member", id="pboc")["roles"]


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


def test_a_validator_is_added_by_vote(chain: Chain) -> None:
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
    # A scope naming no member passes the vote but is refused when run: FAILED, nothing changes.
    unknown = propose(chain, SetScope("regulator", "bank-z"), "a bank that does not exist")
    vote(chain, unknown, pboc="yes", bank_a="yes", bank_b="yes")
    proposal = close(chain, unknown)
    assert (proposal["status"], proposal["result"]) == ("FAILED", "supervision/unknown_target")
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
