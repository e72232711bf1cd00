"""SDK behaviour without a node: wire decoding, wallets, client-side refusals (mock transport)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from finchain.crypto import format_address
from finchain.model import decode_signed_tx
from finchain.modules.bank.messages import Transfer
from finchain.sdk import (
    Client,
    FinchainApiError,
    Keyring,
    NodeUnavailable,
    SuiteMismatch,
    TransactionFailed,
    TxResult,
    Wallet,
    make_transfer,
    raise_if_failed,
)
from finchain.sdk.wire import (
    coerce_address,
    compute_ws_url,
    decode_batch_results,
    decode_error,
    encode_tx_hex,
    format_hash,
)


def make_status(suite: str) -> dict[str, Any]:
    return {
        "chain_id": "finchain-test",
        "crypto_suite": suite,
        "height": 3,
        "app_hash": "00" * 32,
        "block_time_ms": 1,
        "mempool_size": 0,
        "engine": "solo",
        "version": "0.1.0",
    }


def make_mock_client(suite: str, pending_nonce: int = 7) -> tuple[Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == "/v1/status":
            return httpx.Response(200, json=make_status(suite))
        if path.startswith("/v1/accounts/"):
            address = path.rsplit("/", 1)[1]
            body = {"address": address, "nonce": 0, "pending_nonce": pending_nonce, "org": None}
            return httpx.Response(200, json={**body, "balances": {}})
        if path == "/v1/txs":
            return httpx.Response(
                400,
                json={"code": "bank/insufficient_funds", "message": "no money", "details": {}},
            )
        return httpx.Response(404, json={"code": "api/not_found", "message": "no", "details": {}})

    client = Client("http://node.test", transport=httpx.MockTransport(handle))
    return client, seen


def test_decode_error_reads_the_error_body() -> None:
    body = json.dumps({"code": "tx/nonce_reused", "message": "m", "details": {"expected": 3}})
    error = decode_error(400, body.encode())
    assert (error.status, error.code, error.message, error.details) == (
        400,
        "tx/nonce_reused",
        "m",
        {"expected": 3},
    )


def test_decode_error_without_json_body() -> None:
    error = decode_error(502, b"<html>bad gateway</html>")
    assert error.code == "http/502" and "bad gateway" in error.message


def test_batch_results_keep_rejections_in_place() -> None:
    data = {
        "results": [
            {"hash": "aa", "status": "pending"},
            {"error": {"code": "tx/nonce_gap", "message": "ahead", "details": {}}},
        ]
    }
    results = decode_batch_results(data, ["aa", "bb"])
    assert results[0].status == "pending" and results[0].error is None
    assert results[1].status == "rejected" and results[1].hash == "bb"
    assert results[1].error is not None and results[1].error.code == "tx/nonce_gap"


def test_wire_helpers() -> None:
    assert compute_ws_url("http://127.0.0.1:8600/", ["blocks", "events"]) == (
        "ws://127.0.0.1:8600/v1/ws?topics=blocks,events"
    )
    assert compute_ws_url("https://n.example", ["events"]) == "wss://n.example/v1/ws?topics=events"
    assert format_hash("0xABCD") == "abcd"
    assert format_hash(b"\xab") == "ab"
    assert encode_tx_hex("0xAB01") == "ab01"
    assert coerce_address(b"\x01" * 20) == "0x" + "01" * 20
    with pytest.raises(ValueError):
        coerce_address("0x1234")
    with pytest.raises(ValueError):
        encode_tx_hex("not hex")


def test_make_transfer_accepts_text_and_bytes_addresses() -> None:
    raw = b"\x02" * 20
    assert make_transfer(raw, "CNY", 5) == make_transfer(format_address(raw), "CNY", 5)
    assert isinstance(make_transfer(raw, "CNY", 5), Transfer)
    with pytest.raises(TypeError):
        make_transfer(raw, "CNY", 1.5)  # type: ignore[arg-type]


def test_wallet_nonce_counting(suite_name: str) -> None:
    wallet = Wallet.generate(suite_name)
    assert wallet.next_nonce is None
    with pytest.raises(RuntimeError):
        wallet.claim_nonce()
    wallet.ensure_nonce(4)
    wallet.ensure_nonce(9)  # a racing second sync must not move a known counter
    assert [wallet.claim_nonce() for _ in range(3)] == [4, 5, 6]
    wallet.resync()
    assert wallet.next_nonce is None
    assert "secret" not in repr(wallet) and wallet.address_hex in repr(wallet)


def test_wallet_signature_verifies(suite_name: str) -> None:
    wallet = Wallet.generate(suite_name)
    signed = wallet.sign("finchain-test", [make_transfer(b"\x03" * 20, "CNY", 9)], nonce=2)
    decoded = decode_signed_tx(signed.raw, wallet.suite, 10_000)
    assert decoded.tx.sender == wallet.address and decoded.tx.nonce == 2
    assert wallet.suite.verify(wallet.public_key, decoded.sign_bytes, decoded.signature)


def test_wallet_from_keystore_by_path_and_name(tmp_path: Path, suite_name: str) -> None:
    keyring = Keyring(tmp_path / "keys", scrypt_n=2**4)
    info = keyring.new("alice", suite_name, "pw")
    by_name = Wallet.from_keystore("alice", "pw", keys_dir=tmp_path / "keys")
    by_path = Wallet.from_keystore(keyring.path("alice"), "pw")
    assert by_name.address_hex == by_path.address_hex == info.address
    assert by_name.suite_name == suite_name


def test_build_and_sign_starts_from_pending_nonce(suite_name: str) -> None:
    client, seen = make_mock_client(suite_name, pending_nonce=7)
    wallet = Wallet.generate(suite_name)
    msg = make_transfer(b"\x03" * 20, "CNY", 1)
    first = client.build_and_sign(wallet, msg)
    second = client.build_and_sign(wallet, msg)
    assert (first.tx.nonce, second.tx.nonce) == (7, 8)
    assert first.tx.chain_id == "finchain-test"
    paths = [r.url.path for r in seen]
    assert paths.count("/v1/status") == 1  # chain identity is cached
    assert sum(p.startswith("/v1/accounts/") for p in paths) == 1


def test_invalid_wallet_suite_refused_client_side() -> None:
    client, seen = make_mock_client("intl")
    wallet = Wallet.generate("gm")
    with pytest.raises(SuiteMismatch) as caught:
        client.build_and_sign(wallet, make_transfer(b"\x03" * 20, "CNY", 1))
    assert caught.value.code == "sdk/suite_mismatch"
    assert [r.url.path for r in seen] == ["/v1/status"]  # nothing was submitted


def test_rejected_submission_resyncs_the_wallet() -> None:
    client, _ = make_mock_client("intl", pending_nonce=2)
    wallet = Wallet.generate("intl")
    with pytest.raises(FinchainApiError) as caught:
        client.bank.transfer(wallet, b"\x03" * 20, "CNY", 1)
    assert caught.value.status == 400 and caught.value.code == "bank/insufficient_funds"
    assert wallet.next_nonce is None  # the rejected nonce will be reused


def test_raise_if_failed() -> None:
    receipt = {"code": "bank/x", "log": "l", "height": 1, "index": 0, "gas_used": 1, "events": []}
    failed = TxResult.from_json({"hash": "ab", "status": "committed", "receipt": receipt})
    with pytest.raises(TransactionFailed) as caught:
        raise_if_failed(failed)
    assert caught.value.receipt.code == "bank/x" and caught.value.tx_hash == "ab"
    pending = TxResult.from_json({"hash": "ab", "status": "pending"})
    assert raise_if_failed(pending) is pending and not pending.ok


def test_node_unavailable_when_nothing_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}", timeout=2) as client, pytest.raises(NodeUnavailable):
        client.status()
