"""A CometBFT network whose chain uses the `gm` suite (SM2 signatures, SM3 hashes): an
SM2-signed transfer sent through the REST API commits, its hash is the SM3 hash of its bytes,
and a transfer signed with a secp256k1 (intl) key is refused by the SDK and, sent as raw bytes,
rejected by the node with a `tx/*` code and never committed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from finchain.crypto import get_suite
from finchain.node import testnet
from finchain.node.testnet_config import USER_BALANCE, find_free_base_port
from finchain.sdk import Client, SuiteMismatch, Wallet
from tests.e2e.cometbft.support import sign_transfer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

GM = get_suite("gm")


def test_gm_chain_commits_sm2_transfers_and_rejects_intl_keys(testnet_dir: Path) -> None:
    layout = testnet.up(testnet_dir, 1, base_port=find_free_base_port(1), crypto_suite="gm")
    [node] = layout.nodes
    keys = testnet.load_test_keys(testnet_dir)
    sender = Wallet(GM, keys["user0"], "user0")
    recipient = GM.address(keys["user1"].public_key)

    with Client(node.api_url) as client:
        assert client.get_chain_identity().crypto_suite == "gm"
        result = client.bank.transfer(sender, recipient, "CNY", 777)
        assert result.receipt.code == "ok"
        raw = bytes.fromhex(client.get_tx(result.hash).raw)
        assert GM.hash(raw).hex() == result.hash
        assert client.get_balances(recipient)["CNY"] == USER_BALANCE + 777

        # The SDK refuses to sign for the wrong suite; raw intl-signed bytes reach the node and
        # are rejected there (CheckTx through CometBFT), with nothing committed.
        intl_key = get_suite("intl").generate_private_key()
        with pytest.raises(SuiteMismatch):
            client.bank.transfer(Wallet(get_suite("intl"), intl_key), recipient, "CNY", 1)
        raw = sign_transfer(layout.chain_id, intl_key, recipient, 1, nonce=0, suite_name="intl")
        reply = httpx.post(f"{node.api_url}/v1/txs", json={"tx": raw.hex()}, timeout=30)
        assert reply.status_code == 400, reply.text
        assert reply.json()["code"].startswith("tx/"), reply.text
        assert client.get_balances(recipient)["CNY"] == USER_BALANCE + 777
