"""Rejected transactions at the envelope, signature and ante level: stable codes, nothing changes.

Invariant checked: G-3 (a rejected operation changes nothing). For every bad input, check_tx returns
the stable error code and the committed state (every key), height, app hash, the pending nonces of
every account and the mempool are unchanged; the same bytes forced into a block by a proposer get
a failure receipt with the same code: a stateless failure makes `process_proposal` reject the block
and changes nothing, an ante failure changes nothing, a failing message only consumes the nonce.
Both crypto suites (the `chain` fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from finchain.app import ChainParams
from finchain.codec import encode
from finchain.errors import find_error_code
from finchain.modules.bank import Issue, Transfer
from finchain.modules.members import AddAccount
from tests.app.support import (
    InBlock,
    assert_rejected,
    deliver_block,
    encode_wide,
    envelope_parts,
    fresh_address,
    make_header,
    sign_body,
    snapshot,
    tx_body,
)
from tests.helpers import Chain, make_chain

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def transfer_raw(chain: Chain, amount: int = 1, **fields: Any) -> bytes:
    """A well-formed transfer bank-a -> bank-b (bank-a starts with no CNY, so it fails if run)."""
    return chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", amount), **fields)


def transfer_value(chain: Chain, amount: int = 1) -> list[Any]:
    return ["bank/Transfer@1", [chain.address("bank-b"), "CNY", amount]]


def reencode(parts: list[Any]) -> bytes:
    return encode(parts)


@pytest.fixture
def funded(chain: Chain) -> Chain:
    """The `chain` with 1,000,000 CNY issued to bank-a (block 1)."""
    [receipt] = chain.execute(chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 1_000_000)))
    assert receipt.ok
    return chain


# ---- codec level ---------------------------------------------------------------------------


MALFORMED: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda raw: b"",
    "reserved_byte": lambda raw: b"\xc1",
    "truncated": lambda raw: raw[:-1],
    "half": lambda raw: raw[: len(raw) // 2],
    "trailing_byte": lambda raw: raw + b"\x00",
    "two_values": lambda raw: raw + raw,
    "invalid_utf8": lambda raw: b"\xa2\xff\xfe",
    "huge_declared_length": lambda raw: b"\xdd\xff\xff\xff\xff",
    "nesting_bomb": lambda raw: b"\x91" * 5_000 + b"\x01",
}


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_invalid_malformed_bytes(funded: Chain, shape: str) -> None:
    raw = MALFORMED[shape](transfer_raw(funded))
    assert_rejected(funded, raw, "codec/malformed", InBlock.STATELESS)


def test_invalid_non_canonical_encoding(funded: Chain) -> None:
    """The same, correctly signed envelope in a longer byte form is refused (no malleable hash)."""
    raw = transfer_raw(funded)
    parts = envelope_parts(raw)
    wide = encode_wide(parts)
    assert msgpack.unpackb(wide) == msgpack.unpackb(raw)  # same value, different bytes
    assert_rejected(funded, wide, "codec/non_canonical", InBlock.STATELESS)


def test_invalid_non_canonical_single_int(funded: Chain) -> None:
    """Only the envelope version `1` is widened to a uint8 (0xcc 0x01); the rest is canonical."""
    raw = transfer_raw(funded)
    assert raw[:2] == b"\x94\x01"
    assert_rejected(funded, b"\x94\xcc\x01" + raw[2:], "codec/non_canonical", InBlock.STATELESS)


FORBIDDEN: dict[str, Callable[[list[Any]], Any]] = {
    "map_body": lambda p: [p[0], {"nonce": 0}, p[2], p[3]],
    "float_fee": lambda p: [p[0], [*p[1][:3], 0.0, *p[1][4:]], p[2], p[3]],
    "bool_nonce": lambda p: [p[0], [*p[1][:2], False, *p[1][3:]], p[2], p[3]],
    "nil_memo": lambda p: [p[0], [*p[1][:5], None, p[1][6]], p[2], p[3]],
    "ext_signature": lambda p: [p[0], p[1], p[2], msgpack.ExtType(5, p[3])],
    "too_deep": lambda p: [p[0], p[1], p[2], p[3], [[[[[[[[[[[[[[[[[b""]]]]]]]]]]]]]]]]]],
}


@pytest.mark.parametrize("shape", sorted(FORBIDDEN))
def test_invalid_forbidden_types_in_envelope(funded: Chain, shape: str) -> None:
    parts = envelope_parts(transfer_raw(funded))
    raw = msgpack.packb(FORBIDDEN[shape](parts), use_bin_type=True)
    assert_rejected(funded, raw, "codec/forbidden_type", InBlock.STATELESS)


# ---- envelope shape ------------------------------------------------------------------------


BAD_ENVELOPES: dict[str, Callable[[list[Any]], Any]] = {
    "not_a_list": lambda p: 5,
    "empty_list": lambda p: [],
    "three_parts": lambda p: p[:3],
    "version_2": lambda p: [2, *p[1:]],
    "body_six_fields": lambda p: [p[0], p[1][:6], p[2], p[3]],
    "body_not_a_list": lambda p: [p[0], b"body", p[2], p[3]],
    "public_key_as_str": lambda p: [p[0], p[1], p[2].hex(), p[3]],
    "nonce_as_bytes": lambda p: [p[0], [*p[1][:2], b"\x00", *p[1][3:]], p[2], p[3]],
    "memo_as_bytes": lambda p: [p[0], [*p[1][:5], b"", p[1][6]], p[2], p[3]],
    "chain_id_as_int": lambda p: [p[0], [7, *p[1][1:]], p[2], p[3]],
    "msgs_as_str": lambda p: [p[0], [*p[1][:4], "msgs", *p[1][5:]], p[2], p[3]],
}


@pytest.mark.parametrize("shape", sorted(BAD_ENVELOPES))
def test_invalid_envelope_shape(funded: Chain, shape: str) -> None:
    raw = encode(BAD_ENVELOPES[shape](envelope_parts(transfer_raw(funded))))
    assert_rejected(funded, raw, "tx/bad_envelope", InBlock.STATELESS)


@pytest.mark.parametrize(
    "field",
    ["sender_19_bytes", "sender_empty", "negative_nonce", "negative_fee", "negative_expiry"],
)
def test_invalid_bad_field(funded: Chain, field: str) -> None:
    sender = funded.address("bank-a")
    cases: dict[str, dict[str, Any]] = {
        "sender_19_bytes": {"sender": sender[:19]},
        "sender_empty": {"sender": b""},
        "negative_nonce": {"nonce": -1},
        "negative_fee": {"fee": -1},
        "negative_expiry": {"valid_until_height": -5},
    }
    kwargs = cases[field]
    body_sender = kwargs.pop("sender", sender)
    body = tx_body(body_sender, [transfer_value(funded)], **kwargs)
    raw = sign_body(funded.keys["bank-a"], body)
    assert_rejected(funded, raw, "tx/bad_field", InBlock.STATELESS)


# ---- signatures ----------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 17, 31, 32, 50, 63, -1])
def test_invalid_bad_signature_bit_flip(funded: Chain, position: int) -> None:
    parts = envelope_parts(transfer_raw(funded, 10))
    signature = bytearray(parts[3])
    signature[position] ^= 0x01
    parts[3] = bytes(signature)
    assert_rejected(funded, reencode(parts), "tx/bad_signature", InBlock.STATELESS)


@pytest.mark.parametrize("shape", ["empty", "truncated", "extended", "zeros", "all_ff"])
def test_invalid_bad_signature_shape(funded: Chain, shape: str) -> None:
    parts = envelope_parts(transfer_raw(funded, 10))
    signature: bytes = parts[3]
    parts[3] = {
        "empty": b"",
        "truncated": signature[:-1],
        "extended": signature + b"\x00",
        "zeros": bytes(len(signature)),
        "all_ff": b"\xff" * len(signature),
    }[shape]
    assert_rejected(funded, reencode(parts), "tx/bad_signature", InBlock.STATELESS)


def test_invalid_bad_signature_body_changed(funded: Chain) -> None:
    """The body is altered after signing (amount 10 -> 11): the signature no longer verifies."""
    parts = envelope_parts(transfer_raw(funded, 10))
    parts[1][4][0][1][2] = 11
    assert_rejected(funded, reencode(parts), "tx/bad_signature", InBlock.STATELESS)


def test_invalid_signature_by_another_key(funded: Chain) -> None:
    """bank-a's public key and address, but bank-b signed: tx/bad_signature."""
    raw = transfer_raw(funded, 10)
    parts = envelope_parts(raw)
    sign_bytes = encode(["finchain/tx/v1", parts[1][0], parts[1]])
    parts[3] = funded.keys["bank-b"].sign(sign_bytes)
    assert_rejected(funded, reencode(parts), "tx/bad_signature", InBlock.STATELESS)


def test_invalid_sender_mismatch(funded: Chain) -> None:
    """bank-b's key and signature over a body that names bank-a as sender: tx/sender_mismatch."""
    body = tx_body(funded.address("bank-a"), [transfer_value(funded, 10)])
    raw = sign_body(funded.keys["bank-b"], body)
    assert_rejected(funded, raw, "tx/sender_mismatch", InBlock.STATELESS)


def test_invalid_signature_for_another_chain_replayed_here(funded: Chain) -> None:
    """A body naming this chain, signed over sign-bytes of another chain id."""
    parts = envelope_parts(transfer_raw(funded, 10))
    parts[3] = funded.keys["bank-a"].sign(encode(["finchain/tx/v1", "other-chain", parts[1]]))
    assert_rejected(funded, reencode(parts), "tx/bad_signature", InBlock.STATELESS)


def test_invalid_high_s_signature(tmp_path: Path) -> None:
    """intl: (r, n - s, recid ^ 1) is the high-S twin of a valid signature; accepting it would let
    anyone re-sign a pending tx under another hash (regression: low-S only)."""
    chain = make_chain(tmp_path / "chain", "intl")
    try:
        chain.execute(chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 100)))
        parts = envelope_parts(transfer_raw(chain, 10))
        signature: bytes = parts[3]
        high_s = SECP256K1_ORDER - int.from_bytes(signature[32:64], "big")
        parts[3] = signature[:32] + high_s.to_bytes(32, "big") + bytes([signature[64] ^ 1])
        assert_rejected(chain, reencode(parts), "tx/bad_signature", InBlock.STATELESS)
    finally:
        chain.close()


# ---- chain, expiry, size -------------------------------------------------------------------


def test_invalid_wrong_chain_id(funded: Chain) -> None:
    raw = transfer_raw(funded, 10, chain_id="finchain-other")
    assert_rejected(funded, raw, "tx/wrong_chain_id", InBlock.STATELESS)


def test_invalid_expired(funded: Chain) -> None:
    assert funded.app.height == 1
    raw = transfer_raw(funded, 10, nonce=0, valid_until_height=1)
    assert_rejected(funded, raw, "tx/expired", InBlock.STATELESS)
    # the boundary: valid until the next height is still accepted
    next_height = funded.app.height + 1
    [receipt] = funded.execute(transfer_raw(funded, 10, nonce=0, valid_until_height=next_height))
    assert receipt.ok


def test_invalid_tx_too_large_blob(funded: Chain) -> None:
    max_bytes = funded.app.query("params", {}).value["max_tx_bytes"]
    raw = transfer_raw(funded)
    blob = raw + b"\x00" * (max_bytes + 1 - len(raw))
    assert_rejected(funded, blob, "tx/too_large", InBlock.STATELESS)


@pytest.fixture
def small_chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """A chain whose max_tx_bytes is the minimum allowed (256)."""
    chain = make_chain(tmp_path / "small", suite_name, params=ChainParams(max_tx_bytes=256))
    chain.execute(chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 1_000)))
    yield chain
    chain.close()


def test_invalid_tx_too_large_many_msgs(small_chain: Chain) -> None:
    b = small_chain.address("bank-b")
    one = small_chain.sign("bank-a", Transfer(b, "CNY", 1), nonce=0)
    assert len(one) <= 256
    raw = small_chain.sign("bank-a", *[Transfer(b, "CNY", 1)] * 4, nonce=0)
    assert len(raw) > 256
    assert_rejected(small_chain, raw, "tx/too_large", InBlock.STATELESS)


def test_invalid_tx_too_large_memo(small_chain: Chain) -> None:
    b = small_chain.address("bank-b")
    raw = small_chain.sign("bank-a", Transfer(b, "CNY", 1), nonce=0, memo="m" * 200)
    assert len(raw) > 256
    assert_rejected(small_chain, raw, "tx/too_large", InBlock.STATELESS)


@pytest.mark.parametrize("memo", ["x" * 257, "é" * 129, "中" * 86])
def test_invalid_memo_too_long(funded: Chain, memo: str) -> None:
    assert len(memo.encode()) > 256
    raw = transfer_raw(funded, 10, nonce=0, memo=memo)
    assert_rejected(funded, raw, "tx/memo_too_long", InBlock.STATELESS)
    [receipt] = funded.execute(transfer_raw(funded, 10, nonce=0, memo="é" * 128))
    assert receipt.ok


@pytest.mark.parametrize("count", [0, 65])
def test_invalid_message_count(funded: Chain, count: int) -> None:
    msgs = [Transfer(funded.address("bank-b"), "CNY", 1)] * count
    raw = funded.sign("bank-a", *msgs, nonce=0)
    assert_rejected(funded, raw, "tx/no_messages", InBlock.STATELESS)


# ---- messages ------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", ["bank/Mint@1", "bank/Transfer@2", "", "BANK/TRANSFER@1"])
def test_invalid_unknown_message(funded: Chain, type_name: str) -> None:
    msg: list[Any] = [type_name, [funded.address("bank-b"), "CNY", 1]]
    raw = sign_body(funded.keys["bank-a"], tx_body(funded.address("bank-a"), [msg]))
    assert_rejected(funded, raw, "tx/unknown_message", InBlock.STATELESS)


BAD_MESSAGES: dict[str, Callable[[bytes], Any]] = {
    "amount_as_str": lambda to: ["bank/Transfer@1", [to, "CNY", "100"]],
    "amount_as_bytes": lambda to: ["bank/Transfer@1", [to, "CNY", b"\x64"]],
    "asset_as_bytes": lambda to: ["bank/Transfer@1", [to, b"CNY", 100]],
    "to_as_str": lambda to: ["bank/Transfer@1", ["0x" + to.hex(), "CNY", 100]],
    "to_19_bytes": lambda to: ["bank/Transfer@1", [to[:19], "CNY", 100]],
    "to_21_bytes": lambda to: ["bank/Transfer@1", [to + b"\x00", "CNY", 100]],
    "missing_field": lambda to: ["bank/Transfer@1", [to, "CNY"]],
    "extra_field": lambda to: ["bank/Transfer@1", [to, "CNY", 100, 0]],
    "fields_not_a_list": lambda to: ["bank/Transfer@1", b"fields"],
    "type_as_int": lambda to: [1, [to, "CNY", 100]],
    "message_not_a_list": lambda to: "bank/Transfer@1",
    "message_three_parts": lambda to: ["bank/Transfer@1", [to, "CNY", 100], []],
    "add_account_short_address": lambda to: ["members/AddAccount@1", [to[:10]]],
}


@pytest.mark.parametrize("shape", sorted(BAD_MESSAGES))
def test_invalid_bad_message(funded: Chain, shape: str) -> None:
    msg = BAD_MESSAGES[shape](funded.address("bank-b"))
    raw = sign_body(funded.keys["bank-a"], tx_body(funded.address("bank-a"), [msg]))
    assert_rejected(funded, raw, "tx/bad_message", InBlock.STATELESS)


def test_invalid_bad_message_after_a_good_one(funded: Chain) -> None:
    """One ill-typed message poisons the whole transaction, even after a valid one."""
    to = funded.address("bank-b")
    msgs = [transfer_value(funded, 5), ["bank/Transfer@1", [to, "CNY", "5"]]]
    raw = sign_body(funded.keys["bank-a"], tx_body(funded.address("bank-a"), msgs))
    assert_rejected(funded, raw, "tx/bad_message", InBlock.STATELESS)


# ---- ante: membership, nonces, fees --------------------------------------------------------


def test_invalid_not_a_member(funded: Chain) -> None:
    funded.keys["outsider"] = funded.suite.generate_private_key()
    raw = funded.sign("outsider", Transfer(funded.address("bank-b"), "CNY", 1), nonce=0)
    assert_rejected(funded, raw, "tx/not_a_member", InBlock.ANTE)


def test_invalid_not_a_member_cannot_add_itself(funded: Chain) -> None:
    funded.keys["outsider"] = funded.suite.generate_private_key()
    raw = funded.sign("outsider", AddAccount(funded.address("outsider")), nonce=0)
    assert_rejected(funded, raw, "tx/not_a_member", InBlock.ANTE)


def test_invalid_add_existing_account(funded: Chain) -> None:
    """An address that already belongs to a member cannot be registered again, not even by
    another organisation (members/account_exists)."""
    raw = funded.sign("bank-a", AddAccount(funded.address("bank-b")), nonce=0)
    assert_rejected(funded, raw, "members/account_exists", InBlock.MESSAGE)


def test_invalid_nonce_reused(funded: Chain) -> None:
    [receipt] = funded.execute(transfer_raw(funded, 10, nonce=0))
    assert receipt.ok
    assert_rejected(funded, transfer_raw(funded, 20, nonce=0), "tx/nonce_reused", InBlock.ANTE)


def test_invalid_nonce_reused_exact_resubmission(funded: Chain) -> None:
    """Resubmitting the committed bytes is refused at admission; the block path is covered by
    test_block_execution (duplicates are grounds for rejecting a proposal)."""
    raw = transfer_raw(funded, 10, nonce=0)
    [receipt] = funded.execute(raw)
    assert receipt.ok
    assert_rejected(funded, raw, "tx/nonce_reused", None)


def test_invalid_nonce_reused_while_pending(funded: Chain) -> None:
    """A second tx with the nonce of one already admitted to the mempool is refused."""
    first, _ = funded.engine.submit(transfer_raw(funded, 10, nonce=0))
    assert first.ok
    assert funded.app.get_pending_nonce(funded.address("bank-a")) == 1
    assert_rejected(funded, transfer_raw(funded, 20, nonce=0), "tx/nonce_reused", None)
    _, receipts = funded.engine.produce_block()
    assert [r.code for r in receipts] == ["ok"]


@pytest.mark.parametrize("nonce", [1, 2, 2**64 - 1])
def test_invalid_nonce_gap(funded: Chain, nonce: int) -> None:
    assert_rejected(funded, transfer_raw(funded, 10, nonce=nonce), "tx/nonce_gap", InBlock.ANTE)


@pytest.fixture
def fee_chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    params = ChainParams(min_fee=10, fee_asset="CNY")
    chain = make_chain(tmp_path / "fees", suite_name, extra_accounts=1, params=params)
    yield chain
    chain.close()


@pytest.mark.parametrize("fee", [0, 9])
def test_invalid_fee_below_min_fee(fee_chain: Chain, fee: int) -> None:
    raw = fee_chain.sign("user0", Transfer(fee_chain.address("bank-b"), "CNY", 1), nonce=0, fee=fee)
    assert_rejected(fee_chain, raw, "tx/fee_too_low", InBlock.ANTE)


def test_invalid_fee_exceeds_balance(fee_chain: Chain) -> None:
    """bank-a holds no CNY: it cannot pay the fee, so not even the nonce is consumed."""
    raw = fee_chain.sign("bank-a", AddAccount(fresh_address(fee_chain)), nonce=0, fee=10)
    assert_rejected(fee_chain, raw, "bank/insufficient_funds", InBlock.ANTE)


def test_fee_is_charged_and_kept_when_a_message_fails(fee_chain: Chain) -> None:
    """G-1/G-2 with fees: the fee moves to the collector; a failing message still pays it."""
    user, b = fee_chain.address("user0"), fee_chain.address("bank-b")
    collector = fee_chain.app.fee_collector()
    ok = fee_chain.sign("user0", Transfer(b, "CNY", 100), fee=10)
    [receipt] = fee_chain.execute(ok)
    assert receipt.ok
    before = snapshot(fee_chain.app)
    failing = fee_chain.sign("user0", Transfer(b, "CNY", 10**9), fee=12)
    result = deliver_block(fee_chain.app, [failing])
    assert [r.code for r in result.receipts] == ["bank/insufficient_funds"]

    def balance(address: bytes) -> str:
        hexed = "0x" + address.hex()
        return str(fee_chain.app.query("balances", {"address": hexed}).value.get("CNY", "0"))

    assert balance(user) == str(1_000_000 - 100 - 10 - 12)
    assert balance(b) == "100"
    assert balance(collector) == "22"
    assert fee_chain.app.get_pending_nonce(user) == 2
    assert snapshot(fee_chain.app).height == before.height + 1
    assert fee_chain.app.check_invariants() == []


# ---- robustness: arbitrary bytes never crash and never change state ------------------------


@st.composite
def mutations(draw: st.DrawFn, raw: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "replace", "random"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    index = draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        bit = draw(st.integers(0, 7))
        return raw[:index] + bytes([raw[index] ^ (1 << bit)]) + raw[index + 1 :]
    if kind == "truncate":
        return raw[:index]
    if kind == "insert":
        return raw[:index] + draw(st.binary(min_size=1, max_size=4)) + raw[index:]
    return raw[:index] + draw(st.binary(min_size=1, max_size=8)) + raw[index + 8 :]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_invalid_mutated_envelope_is_rejected_without_effect(funded: Chain, data: Any) -> None:
    """Any mutation of a valid envelope is rejected with a registered code, by check_tx and by
    finalize_block (never an exception), and changes nothing."""
    raw = funded.sign("bank-a", Transfer(funded.address("bank-b"), "CNY", 7), nonce=0, memo="m")
    mutated = data.draw(mutations(raw))
    assume(mutated != raw)
    app = funded.app
    before = snapshot(app)
    result = app.check_tx(mutated)
    assert not result.ok
    assert find_error_code(result.code) is not None, result.code
    assert isinstance(app.process_proposal([mutated], app.height + 1), bool)
    header_height = app.height + 1
    finalized = app.finalize_block(make_header(app, [mutated]), [mutated])
    assert not finalized.receipts[0].ok
    assert find_error_code(finalized.receipts[0].code) is not None
    assert snapshot(app) == before
    assert app.get_pending_nonce(funded.address("bank-a")) == 0
    assert header_height == app.height + 1
