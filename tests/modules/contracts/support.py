"""Helpers for contract tests: deploy and call on a real in-process chain, read-only queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from finchain.crypto import Address, format_address, parse_address
from finchain.model import Receipt
from finchain.modules.contracts import Call, Deploy
from finchain.vm import encode_args
from tests.helpers import Chain

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "contracts"
LIMIT = 1_000_000


def example(name: str) -> str:
    return (EXAMPLES / f"{name}.py").read_text()


def deploy(
    chain: Chain, who: str, code: str, *args: Any, limit: int = LIMIT, fee: int = 0
) -> Receipt:
    [receipt] = chain.execute(chain.sign(who, Deploy(code, encode_args(args), limit), fee=fee))
    return receipt


def deployed_address(receipt: Receipt) -> Address:
    assert receipt.ok, (receipt.code, receipt.log)
    [event] = [e for e in receipt.events if e.type == "contracts.deployed"]
    return parse_address(dict(event.attributes)["contract"])


def sign_call(
    chain: Chain,
    who: str,
    contract: bytes,
    function: str,
    *args: Any,
    limit: int = LIMIT,
    fee: int = 0,
    **kw: Any,
) -> bytes:
    """A signed `contracts/Call`; `kw` are the message's payment fields (asset, amount)."""
    msg = Call(Address(contract), function, encode_args(args), limit, **kw)
    return chain.sign(who, msg, fee=fee)


def call(chain: Chain, who: str, contract: bytes, function: str, *args: Any, **kw: Any) -> Receipt:
    [receipt] = chain.execute(sign_call(chain, who, contract, function, *args, **kw))
    return receipt


def query(chain: Chain, contract: bytes, function: str, *args: Any, caller: str = "") -> Any:
    params = {"address": format_address(contract), "function": function, "args": list(args)}
    if caller:
        params["caller"] = format_address(chain.address(caller))
    return chain.app.query("contracts/call", params).value["result"]


def contract_events(receipt: Receipt) -> list[tuple[str, dict[str, str]]]:
    return [(e.type, dict(e.attributes)) for e in receipt.events if e.type.startswith("contract.")]
