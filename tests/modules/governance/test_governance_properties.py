"""A hypothesis state machine of governance on a real chain (solo engine, RocksDB): random
proposals (admit, remove, grant/revoke a role, set a weight), openings and votes from random
signers, including non-admins, removed members and votes on closed proposals, with blocks in
between so votes close at random moments.

A model keeps the organisations, their weights and the counted votes. After every step:
- G-3: a refused transaction changed nothing; a removed member's transactions are refused
  with `tx/not_a_member`; the admin's proposal is refused (`governance/action_would_fail`)
  exactly when the model says its action could not run now;
- every vote that closed in the step has exactly the tally the model computes (weights of the
  organisations that exist at the close; votes of removed ones do not count), and its outcome
  follows the threshold: nothing executes without it (GOV-1), and an executed action changed
  the membership exactly as the model says;
- the module invariants (GOV-1, GOV-2) and every other invariant hold.
At teardown the chain replays from genesis to the same app hashes (G-4).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from finchain.modules.governance.messages import OpenVoting, Propose, SetWeight, Vote, encode_action
from finchain.modules.members.messages import AddOrg, GrantRole, RemoveOrg, RevokeRole
from tests.app.support import replay_and_close, snapshot
from tests.helpers import Chain, make_chain

FOUNDERS = ("pboc", "bank-a", "bank-b", "bank-c", "regulator")
CANDIDATES = ("bank-d", "bank-e")
ORGS = FOUNDERS + CANDIDATES
VOTING_BLOCKS = 10

orgs = st.sampled_from(ORGS)
proposal_refs = st.sampled_from([0, 0, 0, 0, 1, 2, 4])  # 0 = the newest proposal; 4 = unknown
voters = st.sampled_from(FOUNDERS + ORGS)  # mostly the founders, sometimes a candidate
actions = st.one_of(
    st.builds(lambda org: ("add", org), st.sampled_from(CANDIDATES)),
    st.builds(lambda org: ("remove", org), orgs),
    st.builds(lambda org: ("grant", org), orgs),
    st.builds(lambda org: ("revoke", org), orgs),
    st.builds(lambda org, w: ("weight", org, w), orgs, st.integers(0, 3)),
)


class GovernanceMachine(RuleBasedStateMachine):
    chain: Chain

    @initialize()
    def start_chain(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="gov-sm-"))
        self.chain = make_chain(
            self.base / "chain", "intl", governance={"voting_period_blocks": VOTING_BLOCKS}
        )
        for org in CANDIDATES:
            self.chain.keys[org] = self.chain.suite.generate_private_key()
        self.members: set[str] = set(FOUNDERS)
        self.auditors: set[str] = set()
        self.weights: dict[str, int] = {}
        self.votes: dict[int, dict[str, str]] = {}
        self.actions: dict[int, tuple[Any, ...]] = {}
        self.statuses: dict[int, str] = {}

    def teardown(self) -> None:
        replay_and_close(getattr(self, "chain", None), getattr(self, "base", Path(".")))

    # ---- operations -------------------------------------------------------------------------

    @rule(action=actions, signer=st.sampled_from(("pboc",) * 4 + ORGS))
    def propose(self, action: tuple[Any, ...], signer: str) -> None:
        """The admin's proposal is admitted exactly when its action could run now (it is tried
        at proposal time); any other signer is refused by the ante."""
        proposal_id = len(self.actions)
        applicable = self.is_applicable(action)

        def record() -> None:
            self.actions[proposal_id] = action
            self.votes[proposal_id] = {}

        code = self.submit(signer, Propose(encode_action(self.message(action)), "p"), record)
        if signer == "pboc":
            assert code == ("ok" if applicable else "governance/action_would_fail"), action

    @rule(action=actions)
    def propose_and_open(self, action: tuple[Any, ...]) -> None:
        """The common path: the admin proposes and opens the vote at once."""
        proposal_id = len(self.actions)
        self.propose(action, "pboc")
        self.submit("pboc", OpenVoting(proposal_id))

    @rule(ref=proposal_refs, signer=st.sampled_from(("pboc",) * 4 + ORGS))
    def open_voting(self, ref: int, signer: str) -> None:
        self.submit(signer, OpenVoting(self.pick(ref)))

    @rule(ref=proposal_refs, voter=voters, option=st.sampled_from(("yes", "yes", "no", "abstain")))
    def vote(self, ref: int, voter: str, option: str) -> None:
        pid = self.pick(ref)
        self.submit(voter, Vote(pid, option), lambda: self.votes[pid].__setitem__(voter, option))

    @rule(ref=proposal_refs, voter=voters)
    def vote_yes(self, ref: int, voter: str) -> None:
        """Votes are most of what members do: a second rule doubles their share."""
        self.vote(ref, voter, "yes")

    @rule(
        ref=proposal_refs,
        coalition=st.lists(voters, min_size=3, max_size=5, unique=True),
        option=st.sampled_from(("yes", "yes", "no")),
    )
    def vote_together(self, ref: int, coalition: list[str], option: str) -> None:
        """Several organisations vote the same way in one block."""
        pid = self.pick(ref)
        chain = self.chain
        for voter in coalition:
            result, _ = chain.engine.submit(chain.sign(voter, Vote(pid, option)))
            if voter not in self.members:
                assert result.code == "tx/not_a_member"
            if result.ok:
                self.votes[pid][voter] = option
            else:
                chain.nonces[voter] -= 1
        receipts = self.make_block()
        assert all(r.code == "ok" for r in receipts)

    def pick(self, ref: int) -> int:
        """0: the newest proposal open for votes (else the newest); 1, 2: older ones, in any
        state; 4: an unknown id."""
        count = len(self.actions)
        if ref == 4 or count == 0:
            return 1000
        if ref == 0:
            proposals = self.chain.app.query("governance/proposals", {}).value
            voting = [p["id"] for p in proposals if p["status"] == "VOTING"]
            return voting[-1] if voting else count - 1
        return max(0, count - 1 - ref)

    def submit(self, signer: str, msg: Any, on_admitted: Callable[[], None] = lambda: None) -> str:
        """Sign, submit and make a block; `on_admitted` updates the model before the block (whose
        end may close a vote) if the transaction was admitted. Returns check_tx's code."""
        chain = self.chain
        before = snapshot(chain.app)
        result, _ = chain.engine.submit(chain.sign(signer, msg))
        if signer not in self.members:
            assert result.code == "tx/not_a_member", (signer, result.code)
        if not result.ok:  # G-3
            chain.nonces[signer] -= 1
            assert snapshot(chain.app) == before
            self.make_block()
            return result.code
        on_admitted()
        [receipt] = self.make_block()
        assert receipt.code == "ok", receipt
        return result.code

    def make_block(self) -> list[Any]:
        """One block; checks every vote it closed against the model, in id order."""
        receipts = self.chain.engine.produce_block()[1]
        proposals = self.chain.app.query("governance/proposals", {}).value
        for proposal in proposals:
            pid = proposal["id"]
            closed = proposal["status"] not in ("DRAFT", "VOTING")
            if closed and pid not in self.statuses:
                self.statuses[pid] = proposal["status"]
                self.check_close(pid, proposal)
        return receipts

    # ---- the model --------------------------------------------------------------------------

    def check_close(self, pid: int, proposal: dict[str, Any]) -> None:
        weights = {org: self.weights.get(org, 1) for org in self.members}
        counted = {"yes": 0, "no": 0, "abstain": 0}
        for org, option in self.votes[pid].items():
            counted[option] += weights.get(org, 0)
        expected = {**counted, "total": sum(weights.values())}
        assert proposal["tally"] == expected, (pid, proposal["tally"], expected)
        action = self.actions[pid]
        threshold = "two_thirds" if action[0] == "remove" else "majority"
        assert proposal["threshold"] == threshold
        if sum(counted.values()) == 0:
            assert proposal["status"] == "EXPIRED"
        elif not passes(threshold, counted["yes"], expected["total"]):
            assert proposal["status"] == "REJECTED"
        else:
            applied = self.apply(action)
            assert proposal["status"] == ("EXECUTED" if applied else "FAILED"), (action, proposal)

    def is_applicable(self, action: tuple[Any, ...]) -> bool:
        """Whether the chain runs the action against the model's state (else it refuses it)."""
        kind, org = action[0], action[1]
        if kind == "add":
            return org not in self.members
        if kind == "remove":
            return org in self.members and org != "pboc"  # pboc is the only admin
        if kind in ("grant", "revoke"):
            has = org in self.auditors
            return org in self.members and has != (kind == "grant")
        return org in self.members

    def apply(self, action: tuple[Any, ...]) -> bool:
        """Change the model as the passed action should; False if the chain must refuse it."""
        if not self.is_applicable(action):
            return False
        kind, org = action[0], action[1]
        if kind == "add":
            self.members.add(org)
        elif kind == "remove":
            self.members.discard(org)
            self.auditors.discard(org)
            self.weights.pop(org, None)
        elif kind in ("grant", "revoke"):
            (self.auditors.add if kind == "grant" else self.auditors.discard)(org)
        else:
            self.weights[org] = action[2]
        return True

    def message(self, action: tuple[Any, ...]) -> Any:
        kind, org = action[0], action[1]
        if kind == "add":
            return AddOrg(org, org.upper(), "bank", self.chain.address(org))
        if kind == "remove":
            return RemoveOrg(org)
        if kind == "grant":
            return GrantRole(org, "auditor")
        if kind == "revoke":
            return RevokeRole(org, "auditor")
        return SetWeight(org, action[2])

    # ---- invariants -------------------------------------------------------------------------

    @invariant()
    def chain_invariants_hold(self) -> None:
        assert self.chain.app.check_invariants() == []

    @invariant()
    def membership_matches_the_model(self) -> None:
        members = self.chain.app.query("members", {}).value
        assert {m["id"] for m in members} == self.members
        auditors = {m["id"] for m in members if "auditor" in m["roles"]}
        assert auditors == self.auditors


def passes(threshold: str, yes: int, total: int) -> bool:
    """The thresholds as the spec states them, written independently of the module."""
    share = Fraction(yes, total) if total else Fraction(0)
    return {
        "majority": share > Fraction(1, 2),
        "two_thirds": share >= Fraction(2, 3),
        "all": total > 0 and share == 1,
    }[threshold]


GovernanceMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGovernanceMachine = GovernanceMachine.TestCase
