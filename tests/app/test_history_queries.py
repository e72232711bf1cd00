"""List queries at past heights on a real chain (solo engine's application, RocksDB).

History invariant (issue 13, item 7): after any sequence of blocks, every list query at every
committed height h answers exactly what the same query answers on a fresh chain from the same
genesis replayed to h (the stored blocks' raw transactions). The operations create AND delete the
keys those lists iterate: validators added and removed (`validators/SetPower@1`, power 0),
members admitted and removed by governance votes, clearing payments entering the queue and
leaving it (settled by an LSM run, cancelled, rejected at cut-off), BICs replaced in the
directory, directives issued and lifted. The queries at the latest height read the current state;
the others read the store's version index, so a key deleted since h must still be listed at h.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finchain.crypto import Address, format_address
from finchain.modules.clearing.messages import (
    CancelPayment,
    CutOff,
    OpenAccount,
    Pledge,
    RegisterBic,
    RunLsm,
    SubmitPayment,
)
from finchain.modules.governance.messages import OpenVoting, Propose, Vote, encode_action
from finchain.modules.members.messages import AddOrg, RemoveOrg
from finchain.modules.supervision.messages import IssueDirective, LiftDirective
from finchain.modules.validators.messages import SetPower
from tests.app.support import deliver_block, load_block_txs
from tests.helpers import Chain, make_chain

BANKS = ("bank-a", "bank-b", "bank-c")
NEW_BANK = "bank-d"  # admitted and removed by governance; never signs
VALIDATOR_KEYS = tuple(bytes([0xA0 + i]) * 32 for i in range(4))
BICS = ("BANKCNBJ", "BANKCNSH", "BANKCNGZ", "BANKCNSZ")
BASIS = "Banking Supervision Law art. 37"
KEY_SEED = b"history-queries"
CHAIN_OPTIONS: dict[str, Any] = {
    "suite_name": "intl",
    "key_seed": KEY_SEED,
    "validators": [(VALIDATOR_KEYS[0], 10), (VALIDATOR_KEYS[1], 10)],
    "clearing": {"auto_process": False},  # the queue drains only by RunLsm, cancel or cut-off
    "governance": {"voting_period_blocks": 1},
    # the admin sets validator powers itself (SetPower) inside a bootstrap window
    "sections": {"validators": {"bootstrap_height": 1_000}},
}
LIST_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("validators", {}),
    ("members", {}),
    ("assets", {}),
    ("clearing/accounts", {"currency": "CNY"}),
    ("clearing/queue", {"currency": "CNY"}),
    ("clearing/cycles", {}),
    ("clearing/directory", {}),
    ("clearing/days", {"currency": "CNY"}),
    ("governance/proposals", {}),
    ("supervision/directives", {}),
    ("supervision/reports", {}),
    ("supervision/anchors", {}),
    ("contracts/list", {}),
)

banks = st.sampled_from(BANKS)
set_power = st.tuples(
    st.just("set_power"), st.sampled_from(VALIDATOR_KEYS), st.sampled_from([0, 0, 5])
)
pay = st.tuples(st.just("pay"), banks, st.sampled_from([1, 2]), st.sampled_from([40, 100, 250]))
operations = st.one_of(
    set_power,
    set_power,
    pay,
    pay,
    st.tuples(st.just("pledge"), banks, st.sampled_from([50, 200])),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=2)),
    st.tuples(st.just("run_lsm")),
    st.tuples(st.just("cut_off")),
    st.tuples(st.just("register_bic"), banks, st.sampled_from(BICS)),
    st.tuples(st.just("toggle_member")),
    st.tuples(st.just("suspend"), banks),
    st.tuples(st.just("freeze_new_bank")),
    st.tuples(st.just("lift"), st.integers(min_value=0, max_value=3)),
)
blocks = st.lists(st.lists(operations, min_size=1, max_size=3), min_size=1, max_size=8)


@dataclass
class Workload:
    """Turns drawn operations into signed transactions; remembers what the signers need."""

    chain: Chain
    payments: list[tuple[str, str]] = field(default_factory=list)  # (uetr, sender)

    def sign(self, operation: tuple[Any, ...]) -> list[bytes]:
        chain, kind, args = self.chain, operation[0], operation[1:]
        if kind == "set_power":
            return [chain.sign("pboc", SetPower(*args))]
        if kind == "pay":
            sender, offset, amount = args
            receiver = BANKS[(BANKS.index(sender) + offset) % len(BANKS)]
            number = len(self.payments)
            uetr = str(uuid.UUID(int=number + 1, version=4))
            self.payments.append((uetr, sender))
            msg = SubmitPayment(receiver, "CNY", amount, "NORMAL", f"M{number}", f"E{number}", uetr)
            return [chain.sign(sender, msg)]
        if kind == "pledge":
            return [chain.sign("pboc", Pledge(args[0], "CNY", args[1]))]
        if kind == "cancel":
            if args[0] >= len(self.payments):
                return []
            uetr, sender = self.payments[-1 - args[0]]  # one of the latest payments
            return [chain.sign(sender, CancelPayment(uetr))]
        if kind == "run_lsm":
            return [chain.sign("pboc", RunLsm("CNY"))]
        if kind == "cut_off":
            return [chain.sign("pboc", CutOff("CNY"))]
        if kind == "register_bic":
            return [chain.sign("pboc", RegisterBic(*args))]
        if kind == "toggle_member":
            return self.propose_member_change()
        if kind == "suspend":
            return [chain.sign("regulator", IssueDirective("suspend_participant", args[0], BASIS))]
        if kind == "freeze_new_bank":
            target = format_address(new_bank_address(chain))
            return [chain.sign("regulator", IssueDirective("freeze_account", target, BASIS))]
        if kind == "lift":
            return [chain.sign("regulator", LiftDirective(args[0], BASIS))]
        raise AssertionError(f"unknown operation {kind!r}")

    def propose_member_change(self) -> list[bytes]:
        """Admit the new bank, or remove it if it is a member: proposed, opened and voted by a
        majority (3 of 5) in one block; the vote closes at the end of the next block."""
        chain = self.chain
        members = {m["id"] for m in chain.app.query("members", {}).value}
        if NEW_BANK in members:
            action: Any = RemoveOrg(NEW_BANK)
        else:
            action = AddOrg(NEW_BANK, "Bank D", "bank", new_bank_address(chain))
        proposal_id = len(chain.app.query("governance/proposals", {}).value)
        yes = Vote(proposal_id, "yes")
        propose = Propose(encode_action(action), "member change")
        return [
            chain.sign("pboc", propose, OpenVoting(proposal_id), yes),
            chain.sign("bank-a", yes),
            chain.sign("bank-b", yes),
        ]


def new_bank_address(chain: Chain) -> Address:
    key = chain.suite.load_private_key(hashlib.sha256(KEY_SEED + NEW_BANK.encode()).digest())
    return chain.suite.address(key.public_key)


def list_answers(chain: Chain, height: int | None = None) -> dict[str, Any]:
    """Every list query's answer (its height and value) at `height` (None: the latest)."""
    answers = {}
    for path, params in LIST_QUERIES:
        result = chain.app.query(path, params, height=height)
        answers[path] = (result.height, result.value)
    return answers


def assert_history_equals_replay(original: Chain, replica: Chain) -> None:
    """Feed `replica` (same genesis) the original's blocks one by one; after each, its answers at
    its latest height equal the original's answers at that past height."""
    assert replica.db.load_genesis() == original.db.load_genesis()
    assert list_answers(original, 0) == list_answers(replica), "height 0"
    for height in range(1, original.app.height + 1):
        record = original.db.load_block(height)
        assert record is not None
        result = replica.app.finalize_block(record.header, load_block_txs(original.db, height))
        replica.app.commit()
        assert result.app_hash == record.app_hash, f"replay diverged at height {height}"
        assert list_answers(original, height) == list_answers(replica), f"height {height}"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drawn_blocks=blocks)
def test_every_list_query_at_every_past_height_equals_a_replay_to_it(
    drawn_blocks: list[list[tuple[Any, ...]]],
) -> None:
    """History invariant: `query(path, height=h)` == the same query on a chain replayed to h, for
    every list query and every committed h, after random creations and deletions of list
    entries (including failed transactions, which change nothing but nonces)."""
    base = Path(tempfile.mkdtemp(prefix="history-queries-"))
    original = make_chain(base / "original", **CHAIN_OPTIONS)
    replica = make_chain(base / "replica", **CHAIN_OPTIONS)
    try:
        workload = Workload(original)
        opening = [original.sign("pboc", OpenAccount(bank, "CNY")) for bank in BANKS]
        deliver_block(original.app, opening)
        for operations_of_block in drawn_blocks:
            raws = [raw for op in operations_of_block for raw in workload.sign(op)]
            deliver_block(original.app, raws)
        deliver_block(original.app, [])  # a vote opened in the last block closes here
        assert_history_equals_replay(original, replica)
    finally:
        original.close()
        replica.close()
        shutil.rmtree(base, ignore_errors=True)
