"""A hypothesis state machine of clearing operations, legal and illegal, on a real chain (solo
engine, RocksDB): pledge, redeem, open, pay, hold, release, cancel, suspend, urgent reserve,
netting on demand and cut-off, each a signed transaction, sometimes from a random (often wrong)
signer, so wrong roles, unknown payments, overdrafts, duplicates, suspended parties and illegal
transitions occur.

After every step:
- G-3: a rejected operation changed nothing (state, height, app hash; the nonce is not used);
- CLR-1, CLR-2 and the queue bookkeeping (`check_invariants`);
- CLR-3: a terminal payment never leaves its state; a payment settles once;
- CLR-4: a payment that settled left no older QUEUED payment of its sender, priority and
  currency behind (held payments and those of suspended parties are out of settlement);
- CLR-5/6: every netting cycle recorded in the step has net changes summing to zero, settles
  only payments that were QUEUED before it, and every balance stays >= 0;
- CLR-7: after a cut-off nothing is queued, and every REJECTED payment's pacs.002 is an
  XSD-valid RJCT carrying its reason;
- CLR-8: no payment to or from a participant suspended during the step settled in it.
Automatic end-of-block processing (rule 3) is drawn on or off. At teardown the chain replays
from genesis to the same app hashes and state (G-4).
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from pathlib import Path
from typing import Any

import xmlschema
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from finchain.api.clearing_iso import status_report
from finchain.errors import NotFound
from finchain.iso20022.schemas import XSD_DIR
from finchain.modules.clearing.messages import (
    CancelPayment,
    CutOff,
    HoldPayment,
    OpenAccount,
    Pledge,
    Redeem,
    ReleasePayment,
    RunLsm,
    SetSuspended,
    SetUrgentReserve,
    SubmitPayment,
)
from tests.app.support import replay_and_close, snapshot
from tests.helpers import Chain, make_chain

BANKS = ("bank-a", "bank-b", "bank-c")
SIGNERS = ("pboc", "regulator", *BANKS)
TERMINAL = {"SETTLED", "CANCELLED", "REJECTED"}
PACS002 = xmlschema.XMLSchema(str(XSD_DIR / "pacs.002.001.10.xsd"))
_counter = itertools.count(1)

amounts = st.sampled_from([1, 30, 70, 100, 250])
banks = st.sampled_from(BANKS)
priorities = st.sampled_from(["URGENT", "HIGH", "NORMAL"])
payment_refs = st.integers(min_value=0, max_value=12)
offsets = st.sampled_from([1, 1, 1, 2, 2, 2, 0])  # receiver = sender + offset; 0 pays itself
# Mostly the signer the operation needs; sometimes a random, often wrong one.
signers = st.sampled_from((None,) * 8 + SIGNERS)


class ClearingMachine(RuleBasedStateMachine):
    chain: Chain

    @initialize(auto_process=st.booleans())
    def start_chain(self, auto_process: bool) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="clearing-sm-"))
        self.chain = make_chain(
            self.base / "chain", "intl", clearing={"auto_process": auto_process}
        )
        self.chain.execute(*(self.chain.sign("pboc", OpenAccount(b, "CNY")) for b in BANKS))
        self.uetrs: list[str] = []
        self.senders: dict[str, str] = {}
        self.terminal_seen: dict[str, str] = {}
        self.step: dict[str, Any] = {}
        self.suspended: set[str] = set()  # the model: who is suspended now

    def teardown(self) -> None:
        replay_and_close(getattr(self, "chain", None), getattr(self, "base", Path(".")))

    # ---- operations -------------------------------------------------------------------------

    @rule(bank=banks, signer=signers)
    def open_account(self, bank: str, signer: str | None) -> None:
        self.submit(OpenAccount(bank, "CNY"), signer or "pboc")

    @rule(bank=banks, amount=amounts, signer=signers)
    def pledge(self, bank: str, amount: int, signer: str | None) -> None:
        self.submit(Pledge(bank, "CNY", amount), signer or "pboc")

    @rule(bank=banks, amount=amounts, signer=signers)
    def redeem(self, bank: str, amount: int, signer: str | None) -> None:
        self.submit(Redeem(bank, "CNY", amount), signer or "pboc")

    @rule(sender=banks, offset=offsets, amount=amounts, priority=priorities, signer=signers)
    def pay(self, sender: str, offset: int, amount: int, priority: str, signer: str | None) -> None:
        receiver = BANKS[(BANKS.index(sender) + offset) % len(BANKS)]
        n = next(_counter)
        uetr = str(uuid.UUID(int=n, version=4))
        self.uetrs.append(uetr)
        self.senders[uetr] = signer or sender
        msg = SubmitPayment(receiver, "CNY", amount, priority, f"M{n}", f"E{n}", uetr)
        self.submit(msg, signer or sender)

    @rule(sender=banks, offset=offsets, amount=amounts, priority=priorities)
    def pay_again(self, sender: str, offset: int, amount: int, priority: str) -> None:
        """Payments are most of a clearing day: a second rule doubles their share."""
        self.pay(sender, offset, amount, priority, None)

    @rule(kind=st.sampled_from(["hold", "release", "cancel"]), ref=payment_refs, signer=signers)
    def change_payment(self, kind: str, ref: int, signer: str | None) -> None:
        uetr = self.uetrs[ref % len(self.uetrs)] if self.uetrs else str(uuid.UUID(int=0, version=4))
        message = {"hold": HoldPayment, "release": ReleasePayment, "cancel": CancelPayment}[kind]
        self.submit(message(uetr), signer or self.senders.get(uetr, "bank-a"))

    @rule(bank=banks, suspended=st.sampled_from([0, 0, 1]), signer=signers)
    def suspend(self, bank: str, suspended: int, signer: str | None) -> None:
        self.submit(SetSuspended(bank, suspended), signer or "pboc")

    @rule(bank=banks, amount=st.sampled_from([0, 50, 200]), signer=signers)
    def set_reserve(self, bank: str, amount: int, signer: str | None) -> None:
        self.submit(SetUrgentReserve("CNY", amount), signer or bank)

    @rule(signer=signers)
    def run_lsm(self, signer: str | None) -> None:
        self.submit(RunLsm("CNY"), signer or "pboc")

    @rule(signer=signers)
    def cut_off(self, signer: str | None) -> None:
        self.submit(CutOff("CNY"), signer or "pboc")

    def submit(self, msg: Any, signer: str) -> None:
        """Submit one signed operation and make a block, recording what the step changed."""
        chain = self.chain
        before = snapshot(chain.app)
        payments_before = self.payments()
        cycles_before = len(self.query("clearing/cycles"))
        result, _ = chain.engine.submit(chain.sign(signer, msg))
        if not result.ok:  # G-3: nothing changed, the nonce is not consumed
            chain.nonces[signer] -= 1
            assert snapshot(chain.app) == before
            self.step = {}
            return
        [receipt] = chain.engine.produce_block()[1]
        assert receipt.code == "ok", receipt
        if isinstance(msg, SetSuspended):
            self.suspended = (self.suspended - {msg.participant}) | (
                {msg.participant} if msg.suspended else set()
            )
        self.step = {
            "msg": msg,
            "payments_before": payments_before,
            "new_cycles": self.query("clearing/cycles")[cycles_before:],
        }

    # ---- invariants -------------------------------------------------------------------------

    @invariant()
    def clr1_clr2_and_queue_bookkeeping(self) -> None:
        assert self.chain.app.check_invariants() == []

    @invariant()
    def clr3_terminal_states_are_final(self) -> None:
        for uetr, payment in self.payments().items():
            if uetr in self.terminal_seen:
                assert payment["status"] == self.terminal_seen[uetr], (uetr, payment)
            elif payment["status"] in TERMINAL:
                self.terminal_seen[uetr] = payment["status"]
        assert set(self.terminal_seen) <= set(self.payments())  # never disappears

    @invariant()
    def clr4_settlement_keeps_submission_order(self) -> None:
        if not self.step:
            return
        before, after = self.step["payments_before"], self.payments()
        suspended = self.suspended
        newly_settled = [
            p
            for u, p in after.items()
            if p["status"] == "SETTLED" and before.get(u, {}).get("status") != "SETTLED"
        ]
        for settled in newly_settled:
            for other in after.values():
                older_waiting = (
                    other["sender"] == settled["sender"]
                    and other["priority"] == settled["priority"]
                    and other["number"] < settled["number"]
                    and other["status"] == "QUEUED"
                    and not {other["sender"], other["receiver"]} & suspended
                )
                assert not older_waiting, ("CLR-4", settled["uetr"], other["uetr"])

    @invariant()
    def clr5_netting_cycles_are_balanced(self) -> None:
        if not self.step:
            return
        before, msg = self.step["payments_before"], self.step["msg"]
        released = msg.uetr if isinstance(msg, ReleasePayment) else None
        for cycle in self.step["new_cycles"]:
            assert sum(int(change) for change in cycle["net_changes"].values()) == 0
            for uetr in cycle["settled"]:  # only payments that were waiting in the queue
                status = before.get(uetr, {}).get("status")
                assert status in (None, "QUEUED") or uetr == released, (uetr, status)
            assert not (cycle["deadlock"] and cycle["settled"])
        balances = self.query("clearing/accounts", currency="CNY")
        assert all(int(a["balance"]) >= 0 for a in balances)

    @invariant()
    def clr7_cut_off_leaves_nothing_queued_and_rejections_have_reasons(self) -> None:
        if self.step and isinstance(self.step["msg"], CutOff):
            assert self.query("clearing/queue", currency="CNY") == []
        for payment in self.payments().values():
            if payment["status"] != "REJECTED":
                continue
            report = status_report(payment, "pacs.008", self.chain.app.height, 1_700_000_000_000)
            status = PACS002.to_dict(report)["FIToFIPmtStsRpt"]["TxInfAndSts"][0]
            assert status["TxSts"] == "RJCT"
            assert status["StsRsnInf"][0]["Rsn"]["Prtry"] == payment["reason"] != ""

    @invariant()
    def clr8_suspended_participants_neither_send_nor_receive(self) -> None:
        if not self.step:
            return
        # Settlement happens after the step's transaction, so the state after it is what counts
        # (an unsuspended bank may settle at the end of the very block that unsuspends it).
        before, suspended = self.step["payments_before"], self.suspended
        for uetr, payment in self.payments().items():
            if payment["status"] == "SETTLED" and before.get(uetr, {}).get("status") != "SETTLED":
                assert not {payment["sender"], payment["receiver"]} & suspended, ("CLR-8", payment)

    # ---- reads ------------------------------------------------------------------------------

    def query(self, path: str, **params: Any) -> Any:
        return self.chain.app.query(path, params).value

    def payments(self) -> dict[str, dict[str, Any]]:
        found = {}
        for uetr in self.uetrs:
            try:
                found[uetr] = self.query("clearing/payment", uetr=uetr)
            except NotFound:  # its submission was rejected
                continue
        return found


ClearingMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestClearingMachine = ClearingMachine.TestCase
