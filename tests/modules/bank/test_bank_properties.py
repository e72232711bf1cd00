"""Property tests of the bank: random sequences of legal and illegal operations against a model.

A hypothesis state machine issues, redeems and transfers across several accounts with random
amounts (zero, negative, overdrafts, up to and beyond 2**63-1), wrong signers (non-issuers issuing
or redeeming; the regulator, which may send no bank message at all), unknown assets, non-member
recipients, self transfers, multi-message transactions, stale and future nonces and replayed
transactions; it submits through check_tx and cuts blocks at random points, forces blocks
straight through finalize_block (so admitted-looking transactions fail inside blocks), and
restarts the node. A plain model (balances, supply, nonces) predicts every result code.

Invariants checked after every step:
- G-2: supply == sum of balances, in the store (`check_invariants() == []`) and in the model, and
  every committed balance equals the model's;
- G-1: in every block, each balance change is accounted for by the bank events of successful
  receipts, with every transfer one debit and one equal credit;
- G-3: every rejected operation changes nothing (full committed state, height, app hash, pending
  nonces, mempool); a failure inside a block changes nothing but, for a failing message, its nonce;
- balances are never negative; nonces are strictly sequential (committed and pending);
- G-4 at teardown: replaying every committed block from genesis into a fresh store reproduces
  every height's app hash, every receipt and the final state.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from finchain.codec import decode_uint
from finchain.model import Receipt
from finchain.modules.auth import AuthView
from finchain.modules.bank import BankView, Issue, Redeem, Transfer
from finchain.modules.bank import keys as bank_keys
from finchain.modules.bank.messages import MAX_AMOUNT
from tests.app.support import (
    Snapshot,
    assert_replay_reproduces,
    balance_deltas,
    deliver_block,
    event_deltas,
    pending_nonces,
    reopen,
    snapshot,
)
from tests.helpers import Chain, make_chain

ISSUER = "pboc"
NO_BANK_ROLE = ("regulator",)  # the ante refuses its bank messages (docs/permissions.md, REG-1)
ACCOUNTS = ("pboc", "bank-a", "bank-b", "regulator", "user0", "user1")
OUTSIDER = "outsider"  # a well-formed address of no member
RECIPIENTS = (*ACCOUNTS, OUTSIDER)
ASSETS = ("CNY", "USD")  # USD is a well-formed symbol of no asset
OK = "ok"
MAX_ENCODABLE = 2**64 - 1

accounts = st.sampled_from(ACCOUNTS)
recipients = st.sampled_from(RECIPIENTS)
assets = st.sampled_from(("CNY", *ASSETS))  # CNY twice as likely
small_amounts = st.integers(1, 3_000)
amounts = st.one_of(  # mostly small; huge, boundary and invalid ones often enough
    small_amounts,
    small_amounts,
    small_amounts,
    st.integers(1, MAX_AMOUNT),
    st.sampled_from([0, -1, -(2**63), MAX_AMOUNT, MAX_AMOUNT + 1, MAX_ENCODABLE]),
)

messages = st.tuples(st.sampled_from(["transfer", "issue", "redeem"]), recipients, assets, amounts)
plain_transfers = st.tuples(st.just("transfer"), accounts, st.just("CNY"), small_amounts)
block_messages = messages | plain_transfers  # so multi-message txs often fail half-way
funded_first = st.sampled_from(("user0", "user1", "pboc", *ACCOUNTS))


class Stage(Enum):
    """Where a transaction stops (decides what a block keeps of it)."""

    STATELESS = 1  # decode / validate_basic: nothing kept
    ANTE = 2  # role, nonce: nothing kept
    MESSAGE = 3  # a handler: only the nonce is kept
    DONE = 4  # success: everything kept


@dataclass
class Ledger:
    """The model: CNY balances and supply, and the next nonce of every account."""

    balances: dict[str, int]
    supply: int
    nonces: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACCOUNTS, 0))

    def copy(self) -> Ledger:
        return replace(self, balances=dict(self.balances), nonces=dict(self.nonces))


@dataclass(frozen=True)
class Op:
    """A transaction as the model sees it; `msgs` are (kind, recipient name, asset, amount)."""

    sender: str
    nonce: int
    msgs: tuple[tuple[str, str, str, int], ...]


def predict(ledger: Ledger, op: Op) -> tuple[str, Stage, Ledger]:
    """Result code, stage reached, and the ledger if the transaction is kept as far as it got."""
    for _, _, _, amount in op.msgs:
        if not 0 < amount <= MAX_AMOUNT:
            return "bank/invalid_amount", Stage.STATELESS, ledger
    if op.sender in NO_BANK_ROLE:  # roles are checked before the nonce
        return "tx/role_not_permitted", Stage.ANTE, ledger
    expected = ledger.nonces[op.sender]
    if op.nonce != expected:
        code = "tx/nonce_reused" if op.nonce < expected else "tx/nonce_gap"
        return code, Stage.ANTE, ledger
    after_nonce = ledger.copy()
    after_nonce.nonces[op.sender] += 1
    work = after_nonce.copy()
    for msg in op.msgs:
        code = _apply_msg(work, op.sender, msg)
        if code != OK:
            return code, Stage.MESSAGE, after_nonce
    return OK, Stage.DONE, work


def _apply_msg(work: Ledger, sender: str, msg: tuple[str, str, str, int]) -> str:
    kind, to, asset, amount = msg
    if asset != "CNY":
        return "bank/unknown_asset"
    if kind == "transfer":
        if to == sender:
            return "bank/self_transfer"
        if to == OUTSIDER:
            return "bank/unknown_recipient"
        if work.balances[sender] < amount:
            return "bank/insufficient_funds"
        work.balances[sender] -= amount
        work.balances[to] += amount
    elif kind == "issue":
        if to == OUTSIDER:
            return "bank/unknown_recipient"
        if sender != ISSUER:
            return "bank/unauthorized_issuer"
        work.balances[to] += amount
        work.supply += amount
    else:  # redeem
        if sender != ISSUER:
            return "bank/unauthorized_issuer"
        if work.balances[sender] < amount:
            return "bank/insufficient_funds"
        work.balances[sender] -= amount
        work.supply -= amount
    return OK


class BankMachine(RuleBasedStateMachine):
    """One fresh chain per example; `SUITE` and `BASE_DIR` are set by `machine_for`."""

    SUITE: ClassVar[str] = "intl"
    BASE_DIR: ClassVar[Path] = Path()
    _runs: ClassVar[itertools.count[int]] = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.path = self.BASE_DIR / f"run{next(self._runs)}"
        self.chain: Chain = make_chain(self.path / "chain", self.SUITE, extra_accounts=2)
        suite = self.chain.suite
        self.address = {name: self.chain.address(name) for name in ACCOUNTS}
        self.address[OUTSIDER] = suite.address(suite.generate_private_key().public_key)
        start = {name: 0 for name in ACCOUNTS} | {"user0": 1_000_000, "user1": 1_000_000}
        self.committed = Ledger(start, sum(start.values()))
        self.pending = self.committed.copy()
        self.signed: list[tuple[bytes, Op]] = []  # committed or admitted, for replays
        self.blocks = 0

    # ---- rules: submissions through check_tx -------------------------------------------------

    @rule(sender=accounts, to=recipients, asset=assets, amount=amounts)
    def transfer(self, sender: str, to: str, asset: str, amount: int) -> None:
        self._submit(self._op(sender, ("transfer", to, asset, amount)))

    @rule(sender=accounts, to=recipients, asset=assets, amount=amounts)
    def issue(self, sender: str, to: str, asset: str, amount: int) -> None:
        self._submit(self._op(sender, ("issue", to, asset, amount)))

    @rule(to=recipients, amount=amounts)
    def issue_by_issuer(self, to: str, amount: int) -> None:
        self._submit(self._op(ISSUER, ("issue", to, "CNY", amount)))

    @rule(sender=accounts, asset=assets, amount=amounts)
    def redeem(self, sender: str, asset: str, amount: int) -> None:
        self._submit(self._op(sender, ("redeem", "", asset, amount)))

    @rule(sender=accounts, to=recipients, extra=st.sampled_from([0, 1]))
    def spend_all_or_overdraft(self, sender: str, to: str, extra: int) -> None:
        # balances can outgrow what a message can carry: clamp to the largest encodable int
        amount = min(self.pending.balances[sender] + extra, MAX_ENCODABLE)
        self._submit(self._op(sender, ("transfer", to, "CNY", amount)))

    @rule(sender=accounts, first=recipients, second=recipients, a1=amounts, a2=amounts)
    def two_transfers(self, sender: str, first: str, second: str, a1: int, a2: int) -> None:
        op = self._op(sender, ("transfer", first, "CNY", a1), ("transfer", second, "CNY", a2))
        self._submit(op)

    @rule(sender=accounts, offset=st.sampled_from([-3, -1, 1, 2, 50]))
    def wrong_nonce(self, sender: str, offset: int) -> None:
        nonce = self.pending.nonces[sender] + offset
        if nonce >= 0:
            op = Op(sender, nonce, (("transfer", "bank-b", "CNY", 1),))
            self._submit(op)

    @precondition(lambda self: bool(self.signed))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        raw, op = data.draw(st.sampled_from(self.signed))
        self._submit(op, raw)

    # ---- rules: blocks and restarts ----------------------------------------------------------

    @rule()
    def produce_block(self) -> None:
        chain = self.chain
        queued = chain.engine.mempool_size
        before = snapshot(chain.app)
        _, receipts = chain.engine.produce_block()
        assert [r.code for r in receipts] == [OK] * queued
        assert chain.engine.mempool_size == 0
        self.committed = self.pending.copy()
        self._check_block(before, receipts)

    @precondition(lambda self: self.chain.engine.mempool_size == 0)
    @rule(data=st.data())
    def forced_block(self, data: st.DataObject) -> None:
        """A proposer's block straight into finalize_block: stale, future and replayed nonces
        and failing messages all get receipts; the model predicts each in order."""
        work = self.committed.copy()
        raws: list[bytes] = []
        expected: list[str] = []
        for _ in range(data.draw(st.integers(1, 6), label="txs")):
            if self.signed and data.draw(st.integers(0, 5), label="replay?") == 0:
                raw, op = data.draw(st.sampled_from(self.signed), label="replayed")
            else:
                sender = data.draw(funded_first, label="sender")
                nonce = work.nonces[sender] + data.draw(
                    st.sampled_from([0, 0, 0, -1, 1]), label="nonce offset"
                )
                msgs = data.draw(st.lists(block_messages, min_size=1, max_size=3), label="msgs")
                op = Op(sender, max(nonce, 0), tuple(msgs))
                raw = self._sign(op)
            code, stage, work = predict(work, op)
            if stage is not Stage.STATELESS and stage is not Stage.ANTE:
                self.signed.append((raw, op))
            raws.append(raw)
            expected.append(code)
        before = snapshot(self.chain.app)
        receipts = deliver_block(self.chain.app, raws).receipts
        assert [r.code for r in receipts] == expected
        self.committed, self.pending = work, work.copy()
        self._check_block(before, receipts)

    @precondition(lambda self: self.chain.engine.mempool_size == 0)
    @rule()
    def restart(self) -> None:
        before = snapshot(self.chain.app)
        reopen(self.chain)
        assert snapshot(self.chain.app) == before

    # ---- invariants after every step ---------------------------------------------------------

    @invariant()
    def ledger_matches_model(self) -> None:
        app, db = self.chain.app, self.chain.db
        assert app.check_invariants() == []  # G-2 in the store
        view = BankView(db)
        committed = {name: view.get_balance(self.address[name], "CNY") for name in ACCOUNTS}
        assert committed == self.committed.balances
        assert view.get_balances(self.address[OUTSIDER]) == {}
        assert view.find_asset("USD") is None
        assert view.get_supply("CNY") == self.committed.supply  # G-2 against the model
        assert self.committed.supply == sum(self.committed.balances.values())
        assert self.pending.supply == sum(self.pending.balances.values())
        assert min(self.pending.balances.values()) >= 0
        for key, raw in db.iterate(bank_keys.BALANCE_PREFIX):
            assert decode_uint(raw) >= 0, key

    @invariant()
    def nonces_are_sequential(self) -> None:
        committed = {n: AuthView(self.chain.db).get_next_nonce(self.address[n]) for n in ACCOUNTS}
        assert committed == self.committed.nonces
        pending = pending_nonces(self.chain)
        assert {n: pending[n] for n in ACCOUNTS} == self.pending.nonces

    def teardown(self) -> None:
        try:
            self.produce_block()  # commit whatever is still admitted
            assert_replay_reproduces(self.chain.db, self.path / "replica")  # G-4
        finally:
            self.chain.close()
            shutil.rmtree(self.path, ignore_errors=True)

    # ---- helpers -----------------------------------------------------------------------------

    def _op(self, sender: str, *msgs: tuple[str, str, str, int]) -> Op:
        return Op(sender, self.pending.nonces[sender], msgs)

    def _sign(self, op: Op) -> bytes:
        msgs: list[Any] = []
        for kind, to, asset, amount in op.msgs:
            if kind == "transfer":
                msgs.append(Transfer(self.address[to], asset, amount))
            elif kind == "issue":
                msgs.append(Issue(self.address[to], asset, amount))
            else:
                msgs.append(Redeem(asset, amount))
        return self.chain.sign(op.sender, *msgs, nonce=op.nonce)

    def _submit(self, op: Op, raw: bytes | None = None) -> None:
        """check_tx one transaction; G-3: a rejection changes nothing anywhere."""
        chain = self.chain
        raw = raw if raw is not None else self._sign(op)
        code, stage, after = predict(self.pending, op)
        before, nonces, queued = (
            snapshot(chain.app),
            pending_nonces(chain),
            chain.engine.mempool_size,
        )
        result, _ = chain.engine.submit(raw)
        assert result.code == code, result.log
        if stage is Stage.DONE:
            self.pending = after
            self.signed.append((raw, op))
            assert chain.engine.mempool_size == queued + 1
            return
        assert snapshot(chain.app) == before
        assert pending_nonces(chain) == nonces
        assert chain.engine.mempool_size == queued

    def _check_block(self, before: Snapshot, receipts: list[Receipt]) -> None:
        """G-1 over one block, and a committed height of one more."""
        after = snapshot(self.chain.app)
        assert after.height == before.height + 1
        assert balance_deltas(before.state, after.state) == event_deltas(receipts)
        self.blocks += 1


def machine_for(suite_name: str, base_dir: Path) -> type[BankMachine]:
    attrs = {"SUITE": suite_name, "BASE_DIR": base_dir}
    return type(f"BankMachine_{suite_name}", (BankMachine,), attrs)


def run_machine(suite_name: str, base_dir: Path, examples: int, steps: int) -> None:
    run_state_machine_as_test(
        machine_for(suite_name, base_dir),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.parametrize(("suite_name", "examples", "steps"), [("intl", 75, 40), ("gm", 25, 30)])
def test_bank_random_operations_keep_g1_to_g4(
    tmp_path: Path, suite_name: str, examples: int, steps: int
) -> None:
    run_machine(suite_name, tmp_path, examples, steps)


@pytest.mark.slow
@pytest.mark.parametrize(("suite_name", "examples", "steps"), [("intl", 400, 80), ("gm", 120, 60)])
def test_bank_random_operations_keep_g1_to_g4_heavy(
    tmp_path: Path, suite_name: str, examples: int, steps: int
) -> None:
    run_machine(suite_name, tmp_path, examples, steps)
