"""Random sequences of clearing operations, legal and illegal, on a real chain (solo engine).

Every operation is submitted as a signed transaction from a random signer (so wrong roles,
unknown payments, overdrafts, duplicates, suspended parties and illegal transitions occur). After
each step: a rejected operation changed nothing (G-3); CLR-1 and CLR-2 and the queue bookkeeping
hold (`check_invariants`); a payment in a terminal state never leaves it and a SETTLED payment
settled once (CLR-3); after a cut-off nothing of that currency is queued (CLR-7). Automatic
end-of-block processing (rule 3) is drawn on or off. At the end the chain replays from genesis
to the same app hashes and state (G-4).
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finchain.errors import NotFound
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
from tests.app.support import assert_replay_reproduces, snapshot
from tests.helpers import make_chain

BANKS = ("bank-a", "bank-b", "bank-c")
SIGNERS = ("pboc", "regulator", *BANKS)
TERMINAL = {"SETTLED", "CANCELLED", "REJECTED"}
_counter = itertools.count(1)

amounts = st.sampled_from([1, 30, 70, 100, 250])
banks = st.sampled_from(BANKS)
payment_refs = st.integers(min_value=0, max_value=12)
operations = st.one_of(
    st.tuples(st.just("open"), banks),
    st.tuples(st.just("pledge"), banks, amounts),
    st.tuples(st.just("redeem"), banks, amounts),
    st.tuples(st.just("pay"), banks, banks, amounts, st.sampled_from(["URGENT", "HIGH", "NORMAL"])),
    st.tuples(st.just("hold"), payment_refs),
    st.tuples(st.just("release"), payment_refs),
    st.tuples(st.just("cancel"), payment_refs),
    st.tuples(st.just("suspend"), banks, st.sampled_from([0, 1])),
    st.tuples(st.just("reserve"), banks, st.sampled_from([0, 50, 200])),
    st.tuples(st.just("lsm")),
    st.tuples(st.just("cutoff")),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(operations, st.sampled_from((None,) * 10 + SIGNERS)),
        min_size=5,
        max_size=30,
    ),
    auto_process=st.booleans(),
)
def test_random_clearing_operations_keep_clr_invariants(
    tmp_path_factory: Any, steps: list[tuple[tuple[Any, ...], str | None]], auto_process: bool
) -> None:
    """Each step names an operation and, sometimes, a random (often wrong) signer; otherwise
    the signer the operation needs: the central bank, the regulator or the paying bank."""
    base = tmp_path_factory.mktemp("clearing")
    chain = make_chain(
        base / "chain",
        "intl",
        clearing={"auto_process": auto_process},
    )
    try:
        chain.execute(*(chain.sign("pboc", OpenAccount(bank, "CNY")) for bank in BANKS[:2]))
        uetrs: list[str] = []
        senders: dict[str, str] = {}
        terminal_seen: dict[str, str] = {}
        for op, random_signer in steps:
            msg = _message(op, uetrs)
            signer = random_signer or _proper_signer(op, msg, senders)
            before = snapshot(chain.app)
            raw = chain.sign(signer, msg)
            result, _ = chain.engine.submit(raw)
            if not result.ok:  # G-3: nothing changed, the nonce is not consumed
                chain.nonces[signer] -= 1
                assert snapshot(chain.app) == before
                continue
            [receipt] = chain.engine.produce_block()[1]
            assert receipt.code == "ok", receipt
            assert chain.app.check_invariants() == []
            _check_terminal_states(chain, uetrs, terminal_seen)
            if op[0] == "cutoff":
                assert chain.app.query("clearing/queue", {"currency": "CNY"}).value == []
        assert_replay_reproduces(chain.db, base / "replay")
    finally:
        chain.close()


def _message(op: tuple[Any, ...], uetrs: list[str]) -> Any:
    kind = op[0]
    if kind == "open":
        return OpenAccount(op[1], "CNY")
    if kind == "pledge":
        return Pledge(op[1], "CNY", op[2])
    if kind == "redeem":
        return Redeem(op[1], "CNY", op[2])
    if kind == "pay":
        n = next(_counter)
        uetr = str(uuid.UUID(int=n, version=4))
        uetrs.append(uetr)
        return SubmitPayment(op[2], "CNY", op[3], op[4], f"M{n}", f"E{n}", uetr)
    if kind in ("hold", "release", "cancel"):
        uetr = uetrs[op[1] % len(uetrs)] if uetrs else str(uuid.UUID(int=0, version=4))
        return {"hold": HoldPayment, "release": ReleasePayment, "cancel": CancelPayment}[kind](uetr)
    if kind == "reserve":
        return SetUrgentReserve("CNY", op[2])
    if kind == "suspend":
        return SetSuspended(op[1], op[2])
    if kind == "lsm":
        return RunLsm("CNY")
    return CutOff("CNY")


def _proper_signer(op: tuple[Any, ...], msg: Any, senders: dict[str, str]) -> str:
    if op[0] == "pay":
        senders[msg.uetr] = op[1]
        return str(op[1])
    if op[0] == "reserve":
        return str(op[1])
    if op[0] in ("hold", "release", "cancel"):
        return senders.get(msg.uetr, "bank-a")
    return "regulator" if op[0] == "suspend" and op[2] == 0 else "pboc"


def _check_terminal_states(chain: Any, uetrs: list[str], seen: dict[str, str]) -> None:
    """CLR-3: once SETTLED, CANCELLED or REJECTED, a payment keeps that state forever."""
    for uetr in uetrs:
        try:
            status = chain.app.query("clearing/payment", {"uetr": uetr}).value["status"]
        except NotFound:  # its submission was rejected: it must never appear later
            assert uetr not in seen
            continue
        if uetr in seen:
            assert status == seen[uetr], (uetr, seen[uetr], status)
        elif status in TERMINAL:
            seen[uetr] = status
