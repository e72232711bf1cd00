"""Helpers shared by the API tests: addresses, transfers and state snapshots over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from finchain.codec import decode, encode
from finchain.modules.bank import Transfer
from tests.helpers import Chain

ACCOUNTS = ("user0", "user1", "pboc", "bank-a")


def addr(chain: Chain, name: str) -> str:
    return "0x" + chain.address(name).hex()


def transfer(chain: Chain, sender: str, recipient: str, amount: int, **fields: Any) -> bytes:
    """A signed CNY transfer (the sender's next local nonce unless `nonce=` is given)."""
    return chain.sign(sender, Transfer(chain.address(recipient), "CNY", amount), **fields)


def corrupt_signature(raw: bytes) -> bytes:
    """The same envelope with one signature byte changed (still canonical bytes)."""
    version, body, public_key, signature = decode(raw)
    index = len(signature) // 4
    bad = signature[:index] + bytes([signature[index] ^ 0x01]) + signature[index + 1 :]
    result: bytes = encode([version, body, public_key, bad])
    return result


def snapshot(client: TestClient, chain: Chain) -> dict[str, Any]:
    """Everything a rejected transaction must leave unchanged."""
    status = client.get("/v1/status").json()
    accounts = {name: client.get(f"/v1/accounts/{addr(chain, name)}").json() for name in ACCOUNTS}
    return {
        "height": status["height"],
        "app_hash": status["app_hash"],
        "mempool_size": status["mempool_size"],
        "accounts": accounts,
    }
