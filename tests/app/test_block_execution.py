"""Block execution: proposals, failure receipts, and what a failed transaction may change.

Invariants checked: G-3 (a transaction that fails inside a block gets a failure receipt; if a
message fails only its nonce is consumed, if it is malformed or fails the ante checks nothing
changes, and a later message's failure undoes the earlier ones), G-1 (the successful transfers
in a block move equal amounts out and in: balance deltas sum to the supply delta), G-2
(`check_invariants`), and the rules of `process_proposal` (reject undecodable, badly signed,
duplicated or too many txs).
Both crypto suites (the `chain` fixture) unless a test needs its own parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.app import ChainParams
from finchain.codec import encode, encode_uint
from finchain.errors import InternalError
from finchain.modules.auth.keys import nonce_key
from finchain.modules.bank import Issue, Redeem, Transfer
from finchain.modules.bank import keys as bank_keys
from finchain.modules.members import AddAccount
from finchain.store import TxLocation
from tests.app.support import (
    balance_deltas,
    deliver_block,
    envelope_parts,
    event_deltas,
    make_header,
    snapshot,
    state_diff,
)
from tests.helpers import Chain, make_chain


@pytest.fixture
def users(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """A chain with user0..user2 holding 1,000,000 CNY each (org bank-a)."""
    chain = make_chain(tmp_path / "users", suite_name, extra_accounts=3)
    yield chain
    chain.close()


def bad_signature(raw: bytes) -> bytes:
    parts = envelope_parts(raw)
    parts[3] = bytes([parts[3][0] ^ 0x80]) + parts[3][1:]
    return encode(parts)


def test_passes_check_tx_but_fails_in_block(users: Chain) -> None:
    """Two txs admitted; a competing spend decided by the proposer comes first: the second
    admitted tx fails with insufficient funds, consumes its nonce and changes nothing else."""
    app = users.app
    u0, a, b = users.address("user0"), users.address("bank-a"), users.address("bank-b")
    admitted_first = users.sign("user0", Transfer(b, "CNY", 600_000), nonce=0)
    admitted_second = users.sign("user0", Transfer(b, "CNY", 300_000), nonce=1)
    assert app.check_tx(admitted_first).ok and app.check_tx(admitted_second).ok
    competing = users.sign("user0", Transfer(a, "CNY", 900_000), nonce=0)
    before = snapshot(app)

    result = deliver_block(app, [competing, admitted_second])

    assert [r.code for r in result.receipts] == ["ok", "bank/insufficient_funds"]
    failed = result.receipts[1]
    assert failed.events == () and failed.gas_used > 0
    assert state_diff(before.state, snapshot(app).state) == {
        nonce_key(u0): encode_uint(2),
        bank_keys.balance_key(a, "CNY"): encode_uint(900_000),
        bank_keys.balance_key(u0, "CNY"): encode_uint(100_000),
    }
    # the check state was reset at commit: the stale admitted tx is no longer admissible
    assert app.check_tx(admitted_first).code == "tx/nonce_reused"
    assert app.get_pending_nonce(u0) == 2
    # the failed tx is indexed under its sender only
    assert users.db.find_account_txs(b) == []
    assert users.db.find_account_txs(u0) == [failed.tx_hash, result.receipts[0].tx_hash]
    assert app.check_invariants() == []


def test_failed_message_undoes_earlier_messages_in_block(users: Chain) -> None:
    app = users.app
    u1, b = users.address("user1"), users.address("bank-b")
    raw = users.sign("user1", Transfer(b, "CNY", 10), Transfer(b, "CNY", 2_000_000), nonce=0)
    before = snapshot(app)
    [receipt] = deliver_block(app, [raw]).receipts
    assert receipt.code == "bank/insufficient_funds"
    assert state_diff(before.state, snapshot(app).state) == {nonce_key(u1): encode_uint(1)}


def test_later_message_reads_earlier_writes_and_failure_undoes_them(users: Chain) -> None:
    """Within one tx, a transfer to an account registered by an earlier message succeeds; if a
    third message fails, neither the registration nor the transfer remains."""
    app = users.app
    u0 = users.address("user0")
    new_account = users.suite.address(users.suite.generate_private_key().public_key)
    failing = users.sign(
        "user0",
        AddAccount(new_account),
        Transfer(new_account, "CNY", 10),
        Transfer(users.address("bank-b"), "CNY", 10**9),
        nonce=0,
    )
    before = snapshot(app)
    [receipt] = deliver_block(app, [failing]).receipts
    assert receipt.code == "bank/insufficient_funds"
    assert state_diff(before.state, snapshot(app).state) == {nonce_key(u0): encode_uint(1)}
    working = users.sign(
        "user0", AddAccount(new_account), Transfer(new_account, "CNY", 10), nonce=1
    )
    [receipt] = users.execute(working)
    assert receipt.ok
    view = app.query("account", {"address": "0x" + new_account.hex()}).value
    assert (view["org"], view["balances"]) == ("bank-a", {"CNY": "10"})


def test_process_proposal_rejects_bad_signature_tx(users: Chain) -> None:
    app = users.app
    b = users.address("bank-b")
    good = users.sign("user0", Transfer(b, "CNY", 1), nonce=0)
    other = users.sign("user1", Transfer(b, "CNY", 1), nonce=0)
    assert app.process_proposal([good, other], app.height + 1) is True
    assert app.process_proposal([good, bad_signature(other)], app.height + 1) is False
    assert app.process_proposal([bad_signature(good)], app.height + 1) is False


@pytest.mark.parametrize("junk", [b"", b"\xc1", b"\x94\x01", b"not msgpack at all"])
def test_process_proposal_rejects_malformed_tx(users: Chain, junk: bytes) -> None:
    app = users.app
    good = users.sign("user0", Transfer(users.address("bank-b"), "CNY", 1), nonce=0)
    assert app.process_proposal([good, junk], app.height + 1) is False
    assert app.process_proposal([junk, good], app.height + 1) is False


def test_process_proposal_rejects_wrong_chain_and_expired(users: Chain) -> None:
    app = users.app
    b = users.address("bank-b")
    foreign = users.sign("user0", Transfer(b, "CNY", 1), nonce=0, chain_id="elsewhere")
    expiring = users.sign("user0", Transfer(b, "CNY", 1), nonce=0, valid_until_height=1)
    assert app.process_proposal([foreign], 1) is False
    assert app.process_proposal([expiring], 1) is True
    assert app.process_proposal([expiring], 2) is False


def test_process_proposal_accepts_stateful_failures(users: Chain) -> None:
    """Overdrafts and nonce gaps are decided by execution (failure receipts), not by rejection."""
    app = users.app
    b = users.address("bank-b")
    overdraft = users.sign("user0", Transfer(b, "CNY", 10**9), nonce=0)
    gap = users.sign("user1", Transfer(b, "CNY", 1), nonce=9)
    assert app.process_proposal([overdraft, gap], app.height + 1) is True


def test_process_proposal_rejects_duplicate_tx(users: Chain) -> None:
    app = users.app
    raw = users.sign("user0", Transfer(users.address("bank-b"), "CNY", 1), nonce=0)
    assert app.process_proposal([raw, raw], app.height + 1) is False
    assert app.prepare_proposal([raw, raw]) == [raw]


def test_process_proposal_rejects_too_many_txs(tmp_path: Path) -> None:
    chain = make_chain(
        tmp_path / "c", "intl", extra_accounts=3, params=ChainParams(max_block_txs=2)
    )
    try:
        b = chain.address("bank-b")
        raws = [chain.sign(f"user{i}", Transfer(b, "CNY", 1), nonce=0) for i in range(3)]
        assert chain.app.process_proposal(raws[:2], 1) is True
        assert chain.app.process_proposal(raws, 1) is False
        assert chain.app.prepare_proposal(raws) == raws[:2]
    finally:
        chain.close()


@pytest.mark.parametrize(
    ("junk", "code"),
    [
        (b"", "codec/malformed"),
        (b"\xc1", "codec/malformed"),
        (b"\x94\x01", "codec/malformed"),
        (b"\x01", "tx/bad_envelope"),
        (b"\x80", "codec/forbidden_type"),
    ],
)
def test_finalize_block_with_malformed_tx_records_failure(
    users: Chain, junk: bytes, code: str
) -> None:
    """A malformed tx decided into a block gets a failure receipt and writes nothing: the block's
    app hash equals the one of the same block without it (the app hash commits to writes)."""
    app = users.app
    b = users.address("bank-b")
    first = users.sign("user0", Transfer(b, "CNY", 5), nonce=0)
    second = users.sign("user1", Transfer(b, "CNY", 7), nonce=0)
    without = app.finalize_block(make_header(app, [first, second]), [first, second])
    with_junk = app.finalize_block(make_header(app, [first, junk, second]), [first, junk, second])
    app.commit()

    assert [r.code for r in with_junk.receipts] == ["ok", code, "ok"]
    assert with_junk.app_hash == without.app_hash
    height = app.height
    assert users.db.load_receipts(height) == with_junk.receipts
    junk_hash = app.suite.hash(junk)
    assert users.db.find_tx(junk_hash) == TxLocation(height, 1)
    assert users.db.load_tx(TxLocation(height, 1)) == junk
    assert with_junk.receipts[1].tx_hash == junk_hash
    assert app.check_invariants() == []


def test_finalize_block_with_ante_failures_changes_nothing_for_them(users: Chain) -> None:
    app = users.app
    b = users.address("bank-b")
    good = users.sign("user0", Transfer(b, "CNY", 5), nonce=0)
    gap = users.sign("user1", Transfer(b, "CNY", 5), nonce=3)
    bad_sig = bad_signature(users.sign("user2", Transfer(b, "CNY", 5), nonce=0))
    without = app.finalize_block(make_header(app, [good]), [good])
    result = app.finalize_block(make_header(app, [gap, good, bad_sig]), [gap, good, bad_sig])
    assert [r.code for r in result.receipts] == ["tx/nonce_gap", "ok", "tx/bad_signature"]
    assert result.app_hash == without.app_hash
    assert [r.gas_used for r in result.receipts][::2] == [0, 0]


def test_duplicate_tx_in_block_is_indexed_at_first_inclusion(users: Chain) -> None:
    """A byzantine proposer repeats a tx: the copy fails (nonce reused) and the tx hash keeps
    pointing at the successful first inclusion ("each transaction hash is committed once")."""
    app = users.app
    raw = users.sign("user0", Transfer(users.address("bank-b"), "CNY", 5), nonce=0)
    receipts = deliver_block(app, [raw, raw]).receipts
    assert [r.code for r in receipts] == ["ok", "tx/nonce_reused"]
    location = users.db.find_tx(app.suite.hash(raw))
    assert location == TxLocation(app.height, 0)
    receipt = users.db.load_receipt(location)
    assert receipt is not None and receipt.ok


def test_replayed_tx_in_later_block_keeps_original_index(users: Chain) -> None:
    app = users.app
    raw = users.sign("user0", Transfer(users.address("bank-b"), "CNY", 5), nonce=0)
    [first] = deliver_block(app, [raw]).receipts
    assert first.ok
    original = TxLocation(app.height, 0)
    before = snapshot(app)
    [replayed] = deliver_block(app, [raw]).receipts
    assert replayed.code == "tx/nonce_reused"
    assert state_diff(before.state, snapshot(app).state) == {}
    assert users.db.find_tx(app.suite.hash(raw)) == original
    loaded = users.db.load_receipt(original)
    assert loaded is not None and loaded.ok


def test_block_level_double_entry(users: Chain) -> None:
    """G-1: over a block of transfers, issues and redeems, the balance deltas sum to the supply
    delta, and each transfer event matches one debit and one credit."""
    app = users.app
    u0, u1, b = users.address("user0"), users.address("user1"), users.address("bank-b")
    pboc = users.address("pboc")
    raws = [
        users.sign("user0", Transfer(u1, "CNY", 123), Transfer(b, "CNY", 1)),
        users.sign("user1", Transfer(u0, "CNY", 77)),
        users.sign("pboc", Issue(pboc, "CNY", 5_000), Redeem("CNY", 1_200)),
        users.sign("user2", Transfer(b, "CNY", 10**9)),  # fails
    ]
    before = snapshot(app)
    receipts = users.execute(*raws[:3]) + deliver_block(app, raws[3:]).receipts
    after = snapshot(app)
    assert [r.code for r in receipts] == ["ok", "ok", "ok", "bank/insufficient_funds"]

    def supply(state: dict[bytes, bytes]) -> int:
        return int.from_bytes(state[bank_keys.supply_key("CNY")], "big")

    deltas = balance_deltas(before.state, after.state)
    assert sum(deltas.values()) == supply(after.state) - supply(before.state) == 3_800
    assert deltas == event_deltas(receipts)
    assert deltas[bank_keys.balance_key(u1, "CNY")] == 123 - 77
    assert app.check_invariants() == []


def test_finalize_block_at_wrong_height_is_internal_error(users: Chain) -> None:
    app = users.app
    header = make_header(app, [])
    wrong = type(header)(header.chain_id, header.height + 1, header.time_ms, b"", header.proposer)
    with pytest.raises(InternalError):
        app.finalize_block(wrong, [])
    with pytest.raises(InternalError):
        app.commit()
    assert app.height == 0
