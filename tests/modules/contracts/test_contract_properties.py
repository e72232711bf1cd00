"""Random sequences of token and receivable operations, legal and illegal, on a real chain.

After every step: a refused operation changed nothing but the nonce; the chain agrees with a
plain-Python model of both contracts; the token's balances add up to its supply, and the
receivable's open and paid pieces add up to its face value (the contracts' own invariants);
the ledger's invariants hold. At teardown the chain is replayed from genesis (same app hashes,
receipts and compute)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from finchain.crypto import format_address
from finchain.modules.bank import Issue
from tests.app.support import deliver_block, replay_and_close, snapshot, state_diff
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import deploy, deployed_address, example, query, sign_call

HOLDERS = ("bank-a", "bank-b", "bank-c")
SUPPLY = 1_000
FACE = 900

holders = st.sampled_from(HOLDERS)
amounts = st.one_of(st.integers(-5, 400), st.sampled_from([0, 1, SUPPLY, SUPPLY + 1]))


class ContractMachine(RuleBasedStateMachine):
    chain: Chain

    @initialize()
    def start_chain(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="contracts-sm-"))
        self.chain = make_chain(self.base / "chain")
        chain = self.chain
        self.addr = {h: format_address(chain.address(h)) for h in HOLDERS}
        assert chain.execute(chain.sign("pboc", Issue(chain.address("bank-c"), "CNY", 10**6)))
        self.token = deployed_address(deploy(chain, "bank-a", example("token"), "TOK", SUPPLY))
        terms = (self.addr["bank-c"], "CNY", FACE, 10**13)
        self.receivable = deployed_address(deploy(chain, "bank-a", example("receivable"), *terms))
        self.balances = {h: 0 for h in HOLDERS} | {"bank-a": SUPPLY}
        self.allowances: dict[tuple[str, str], int] = {}
        self.pieces: dict[int, dict[str, Any]] = {
            1: {"holder": "bank-a", "amount": FACE, "paid": False}
        }

    def teardown(self) -> None:
        replay_and_close(getattr(self, "chain", None), getattr(self, "base", Path(".")))

    def submit(self, who: str, contract: bytes, function: str, *args: Any, **kw: Any) -> bool:
        """Run the call in a block of its own; True if it succeeded. A failure moves nothing
        but the sender's nonce."""
        chain = self.chain
        nonce = chain.app.get_pending_nonce(chain.address(who))
        chain.nonces[who] = nonce
        before = snapshot(chain.app)
        raw = sign_call(chain, who, contract, function, *args, **kw)
        [receipt] = deliver_block(chain.app, [raw]).receipts
        if not receipt.ok:
            assert receipt.code.startswith("contracts/"), (receipt.code, receipt.log)
            assert len(state_diff(before.state, snapshot(chain.app).state)) == 1  # the nonce
        return receipt.ok

    # ---- token -------------------------------------------------------------------------

    @rule(sender=holders, to=holders, amount=amounts)
    def transfer(self, sender: str, to: str, amount: int) -> None:
        legal = 0 < amount <= self.balances[sender]
        ok = self.submit(sender, self.token, "transfer", self.addr[to], amount)
        assert ok == legal
        if ok:
            self.balances[sender] -= amount
            self.balances[to] += amount

    @rule(owner=holders, spender=holders, amount=amounts)
    def approve(self, owner: str, spender: str, amount: int) -> None:
        ok = self.submit(owner, self.token, "approve", self.addr[spender], amount)
        assert ok == (amount >= 0)
        if ok:
            self.allowances[owner, spender] = amount

    @rule(spender=holders, owner=holders, to=holders, amount=amounts)
    def transfer_from(self, spender: str, owner: str, to: str, amount: int) -> None:
        allowed = self.allowances.get((owner, spender), 0)
        legal = allowed >= amount and 0 < amount <= self.balances[owner]
        args = (self.addr[owner], self.addr[to], amount)
        ok = self.submit(spender, self.token, "transfer_from", *args)
        assert ok == legal
        if ok:
            self.allowances[owner, spender] = allowed - amount
            self.balances[owner] -= amount
            self.balances[to] += amount

    # ---- receivable --------------------------------------------------------------------

    @rule(who=holders, piece=st.integers(0, 6), amount=st.integers(-1, FACE))
    def split(self, who: str, piece: int, amount: int) -> None:
        item = self.pieces.get(piece)
        legal = (
            item is not None
            and not item["paid"]
            and item["holder"] == who
            and 0 < amount < item["amount"]
        )
        ok = self.submit(who, self.receivable, "split", piece, amount)
        assert ok == legal
        if ok and item is not None:
            item["amount"] -= amount
            self.pieces[len(self.pieces) + 1] = {"holder": who, "amount": amount, "paid": False}

    @rule(who=holders, piece=st.integers(0, 6), to=holders)
    def assign(self, who: str, piece: int, to: str) -> None:
        item = self.pieces.get(piece)
        legal = item is not None and not item["paid"] and item["holder"] == who != to
        ok = self.submit(who, self.receivable, "assign", piece, self.addr[to])
        assert ok == legal
        if ok and item is not None:
            item["holder"] = to

    @rule(piece=st.integers(0, 6), exact=st.booleans())
    def pay(self, piece: int, exact: bool) -> None:
        item = self.pieces.get(piece)
        amount = (item["amount"] if item else 10) + (0 if exact else 1)
        legal = item is not None and not item["paid"] and exact
        ok = self.submit("bank-c", self.receivable, "pay", piece, asset="CNY", amount=amount)
        assert ok == legal
        if ok and item is not None:
            item["paid"] = True

    # ---- invariants --------------------------------------------------------------------

    @invariant()
    def token_matches_the_model_and_its_supply(self) -> None:
        chain_balances = {
            h: query(self.chain, self.token, "balance_of", self.addr[h]) for h in HOLDERS
        }
        assert chain_balances == self.balances
        assert sum(chain_balances.values()) == SUPPLY

    @invariant()
    def receivable_adds_up(self) -> None:
        summary = query(self.chain, self.receivable, "summary")
        assert summary["open"] + summary["paid"] == summary["face_value"] == FACE
        paid = sum(p["amount"] for p in self.pieces.values() if p["paid"])
        assert summary["paid"] == paid
        for piece_id, item in self.pieces.items():
            on_chain = query(self.chain, self.receivable, "piece", piece_id)
            assert on_chain == {**item, "holder": self.addr[item["holder"]]}

    @invariant()
    def ledger_invariants_hold(self) -> None:
        assert self.chain.app.check_invariants() == []


ContractMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestContractMachine = ContractMachine.TestCase
