"""JSON renderings of chain values for the API (docs/api.md: TxJson, Block, Receipt).

Conventions: bytes as lowercase hex without `0x`; addresses as `0x` + 40 hex digits; amount-like
integers (fees, message integer fields) as decimal strings, since they may exceed 2**53; heights
and nonces as JSON integers.

Must never: change a value's meaning while rendering; every function here is pure.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from typing import Any

from finchain.crypto import Address, format_address
from finchain.model import BlockRecord, Receipt, SignedTransaction

_FIELD_KINDS: dict[type[Any], tuple[tuple[str, bool], ...]] = {}


def render_block(block: BlockRecord, receipts: Sequence[Receipt]) -> dict[str, Any]:
    """A Block with its receipts."""
    return {**block.to_json(), "receipts": [r.to_json() for r in receipts]}


def render_signed_tx(stx: SignedTransaction) -> dict[str, Any]:
    """TxJson: the decoded envelope with every message rendered by its declared field types."""
    tx = stx.tx
    return {
        "chain_id": tx.chain_id,
        "sender": format_address(tx.sender),
        "nonce": tx.nonce,
        "fee": str(tx.fee),
        "memo": tx.memo,
        "valid_until_height": tx.valid_until_height,
        "public_key": stx.public_key.hex(),
        "signature": stx.signature.hex(),
        "msgs": [render_msg(m) for m in tx.msgs],
    }


def render_msg(msg: Any) -> dict[str, Any]:
    """`{"type": "bank/Transfer@1", "value": {field: value}}`."""
    value = {
        name: _render_field(getattr(msg, name), is_address)
        for name, is_address in _field_kinds(type(msg))
    }
    return {"type": msg.TYPE, "value": value}


def _field_kinds(cls: type[Any]) -> tuple[tuple[str, bool], ...]:
    """Field names in declaration order, each with whether it is typed `Address` (cached)."""
    kinds = _FIELD_KINDS.get(cls)
    if kinds is None:
        hints = typing.get_type_hints(cls)
        kinds = tuple((f.name, hints[f.name] is Address) for f in dataclasses.fields(cls))
        _FIELD_KINDS[cls] = kinds
    return kinds


def _render_field(value: Any, is_address: bool) -> Any:
    if is_address:
        return format_address(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int):
        return str(value)
    return value
