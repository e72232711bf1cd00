"""The synchronous client against a real node: the main flow in both suites, and error mapping."""

from __future__ import annotations

import pytest

from finchain.sdk import (
    Client,
    FinchainApiError,
    SuiteMismatch,
    TxWaitTimeout,
    Wallet,
    make_transfer,
)
from tests.sdk.nodes import RunningNode

CNY = "CNY"


def test_issue_transfer_and_balances(running_node: RunningNode) -> None:
    pboc, bank_a = running_node.wallets["pboc"], running_node.wallets["bank-a"]
    bank_b = running_node.address("bank-b")
    with Client(running_node.url) as client:
        status = client.status()
        assert status.chain_id == "finchain-sdk-test"
        assert status.crypto_suite == running_node.suite_name

        issued = client.bank.issue(pboc, bank_a.address, CNY, 100_000)
        assert issued.ok and issued.status == "committed"
        assert issued.receipt is not None and issued.receipt.height >= 1

        moved = client.bank.transfer(bank_a, bank_b, CNY, 2_500, memo="invoice 42")
        assert moved.ok
        assert moved.receipt is not None
        event = moved.receipt.find_event("bank.transfer")
        assert event is not None, moved.receipt.events

        assert client.get_balances(bank_a.address) == {CNY: 97_500}
        assert client.get_balances(bank_b) == {CNY: 2_500}
        account = client.get_account(bank_a.address)
        assert (account.nonce, account.pending_nonce, account.org) == (1, 1, "bank-a")
        assert account.balances == {CNY: 97_500}

        info = client.get_tx(moved.hash)
        assert info.hash == moved.hash and info.ok
        assert info.tx["memo"] == "invoice 42"
        assert info.tx["msgs"][0]["type"] == "bank/Transfer@1"
        assert info.receipt == moved.receipt or info.receipt.code == "ok"

        block = client.get_block(info.height)
        assert moved.hash in block["tx_hashes"]
        assert client.get_block()["height"] >= info.height

        [asset] = client.get_assets()
        assert (asset.symbol, asset.decimals, asset.supply) == (CNY, 2, 100_000)
        members = {m.id: m for m in client.get_members()}
        assert bank_a.address_hex in members["bank-a"].accounts
        assert client.get_params()["max_tx_bytes"] > 0
        assert client.get_account_txs(bank_a.address)[0] == moved.hash

        client.bank.issue(pboc, pboc.address, CNY, 500)
        redeemed = client.bank.redeem(pboc, CNY, 500)
        assert redeemed.ok
        assert client.get_assets()[0].supply == 100_000
        assert client.get_balances(bank_a.address, height=issued.height) == {CNY: 100_000}


def test_async_mode_then_wait_for_tx(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    with Client(running_node.url) as client:
        pending = client.bank.issue(pboc, running_node.address("bank-a"), CNY, 10, mode="async")
        assert pending.status in ("pending", "committed")
        info = client.wait_for_tx(pending.hash, timeout=10)
        assert info.ok and info.hash == pending.hash


def test_wait_for_tx_times_out(running_node: RunningNode) -> None:
    with Client(running_node.url) as client, pytest.raises(TxWaitTimeout):
        client.wait_for_tx("ab" * 32, timeout=0.3, poll_interval=0.05)


def test_batch_with_local_nonces(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    bank_a = running_node.address("bank-a")
    with Client(running_node.url) as client:
        signed = [client.build_and_sign(pboc, make_transfer_issue(bank_a, n)) for n in range(1, 21)]
        assert [s.tx.nonce for s in signed] == list(range(20))
        results = client.submit_batch(signed, mode="commit")
        assert [r.hash for r in results] == [s.hash.hex() for s in signed]
        assert all(r.ok for r in results), [r.error for r in results]
        assert client.get_balances(bank_a) == {CNY: sum(range(1, 21))}
        assert client.get_account(pboc.address).nonce == 20


def test_pipelined_async_submissions(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    bank_a = running_node.address("bank-a")
    with Client(running_node.url) as client:
        hashes = [
            client.submit(client.build_and_sign(pboc, make_transfer_issue(bank_a, 1)), "async").hash
            for _ in range(10)
        ]
        for tx_hash in hashes:
            assert client.wait_for_tx(tx_hash, timeout=10).ok
        assert client.get_balances(bank_a) == {CNY: 10}


def test_invalid_overdraft(running_node: RunningNode) -> None:
    bank_a = running_node.wallets["bank-a"]
    with Client(running_node.url) as client:
        with pytest.raises(FinchainApiError) as caught:
            client.bank.transfer(bank_a, running_node.address("bank-b"), CNY, 1)
        assert caught.value.status == 400
        assert caught.value.code == "bank/insufficient_funds"
        assert bank_a.next_nonce is None  # resynced: the refused nonce is used next
        client.bank.issue(running_node.wallets["pboc"], bank_a.address, CNY, 5)
        assert client.bank.transfer(bank_a, running_node.address("bank-b"), CNY, 1).ok


def test_invalid_nonce_reused(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    bank_a = running_node.address("bank-a")
    with Client(running_node.url) as client:
        client.bank.issue(pboc, bank_a, CNY, 1)
        replay = client.build_and_sign(pboc, make_transfer_issue(bank_a, 2), nonce=0)
        with pytest.raises(FinchainApiError) as caught:
            client.submit(replay)
        assert (caught.value.status, caught.value.code) == (400, "tx/nonce_reused")


def test_resubmission_is_idempotent(running_node: RunningNode) -> None:
    pboc = running_node.wallets["pboc"]
    with Client(running_node.url) as client:
        signed = client.build_and_sign(pboc, make_transfer_issue(running_node.address("bank-a"), 3))
        first = client.submit(signed)
        again = client.submit(signed.raw)
        assert first.hash == again.hash and again.status == "committed"
        assert again.receipt is not None and again.receipt.height == first.height


def test_invalid_wallet_suite(running_node: RunningNode) -> None:
    other = "gm" if running_node.suite_name == "intl" else "intl"
    stranger = Wallet.generate(other)
    with Client(running_node.url) as client, pytest.raises(SuiteMismatch):
        client.bank.transfer(stranger, running_node.address("bank-b"), CNY, 1)


def test_invalid_not_found(running_node: RunningNode) -> None:
    with Client(running_node.url) as client:
        with pytest.raises(FinchainApiError) as caught:
            client.get_tx("cd" * 32)
        assert (caught.value.status, caught.value.code) == (404, "api/not_found")
        assert client.find_tx("cd" * 32) is None
        with pytest.raises(FinchainApiError) as missing_asset:
            client.get_asset("XYZ")
        assert missing_asset.value.code == "api/not_found"


def make_transfer_issue(to: str, amount: int) -> object:
    """An Issue message (pboc is the CNY issuer)."""
    from finchain.sdk import make_issue

    return make_issue(to, CNY, amount)


def test_make_transfer_is_exported() -> None:
    assert make_transfer(b"\x01" * 20, CNY, 1).amount == 1
