"""Transaction envelopes: the sign-bytes a decoded envelope carries (cut from the envelope) equal
the plain definition `compute_sign_bytes`, whatever the body holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finchain.crypto import Address, get_suite
from finchain.model.tx import (
    Transaction,
    compute_sign_bytes,
    decode_signed_tx,
    sign_transaction,
)
from finchain.modules.bank import Transfer
from finchain.modules.members.messages import AddAccount

addresses = st.binary(min_size=20, max_size=20).map(Address)
messages = st.one_of(
    st.builds(
        Transfer,
        to=addresses,
        asset=st.sampled_from(["CNY", "USD", "EUR"]),
        amount=st.integers(min_value=1, max_value=2**63 - 1),
    ),
    st.builds(AddAccount, address=addresses),
)
transactions = st.builds(
    Transaction,
    chain_id=st.text(min_size=1, max_size=40),
    sender=addresses,
    nonce=st.integers(min_value=0, max_value=2**64 - 1),
    fee=st.integers(min_value=0, max_value=2**64 - 1),
    msgs=st.lists(messages, min_size=1, max_size=5).map(tuple),
    memo=st.text(max_size=60),
    valid_until_height=st.integers(min_value=0, max_value=2**64 - 1),
)


@pytest.mark.parametrize("suite_name", ["intl", "gm"])
@settings(max_examples=40, deadline=None)
@given(tx=transactions)
def test_decoded_sign_bytes_equal_the_plain_definition(suite_name: str, tx: Transaction) -> None:
    suite = get_suite(suite_name)
    key = suite.generate_private_key()
    tx = Transaction(
        tx.chain_id,
        suite.address(key.public_key),
        tx.nonce,
        tx.fee,
        tx.msgs,
        tx.memo,
        tx.valid_until_height,
    )
    signed = sign_transaction(tx, key, suite)

    decoded = decode_signed_tx(signed.raw, suite, len(signed.raw))

    assert decoded.sign_bytes == compute_sign_bytes(decoded.tx) == signed.sign_bytes
    assert decoded.tx == tx
    assert suite.verify(decoded.public_key, decoded.sign_bytes, decoded.signature)
