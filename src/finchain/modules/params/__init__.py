"""Module `params`: the chain-wide parameters, kept in state under `app/params`.

`ChainParams(max_tx_bytes, max_block_txs, min_fee, fee_asset)` is written by genesis and read
by the application for every transaction (size limit, block cap, minimum fee and its asset).
The governed action `params/SetChainParams@1` changes them by a member vote (module
`governance`); they apply from the next transaction on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from finchain.codec import decode, encode
from finchain.errors import InvalidTransaction, register_error
from finchain.model.message import GOVERNANCE_ONLY, message_type
from finchain.modules.authority import is_governance
from finchain.modules.context import ExecutionContext

PARAMS_KEY = b"app/params"
DEFAULT_MAX_TX_BYTES = 32 * 1024
DEFAULT_MAX_BLOCK_TXS = 10_000


@dataclass(frozen=True, slots=True)
class ChainParams:
    """Chain-wide parameters, kept in state under `app/params` (changed by a vote)."""

    max_tx_bytes: int = DEFAULT_MAX_TX_BYTES
    max_block_txs: int = DEFAULT_MAX_BLOCK_TXS
    min_fee: int = 0
    fee_asset: str = ""

    def encode(self) -> bytes:
        return encode([self.max_tx_bytes, self.max_block_txs, self.min_fee, self.fee_asset])

    @staticmethod
    def decode(raw: bytes) -> ChainParams:
        max_tx_bytes, max_block_txs, min_fee, fee_asset = decode(raw)
        return ChainParams(max_tx_bytes, max_block_txs, min_fee, fee_asset)

    def to_json(self) -> dict[str, object]:
        return {
            "max_tx_bytes": self.max_tx_bytes,
            "max_block_txs": self.max_block_txs,
            "min_fee": self.min_fee,
            "fee_asset": self.fee_asset,
        }


ERR_BAD_PARAMS = register_error(
    "params", 1, "bad_params", "chain parameters out of range, or a fee without its asset"
)
ERR_GOVERNANCE_ONLY = register_error(
    "params", 2, "governance_only", "chain parameters change only by a governance vote"
)
MIN_MAX_TX_BYTES = 256
MAX_MAX_TX_BYTES = 4 * 1024 * 1024


def validate_chain_params(params: ChainParams) -> None:
    if not MIN_MAX_TX_BYTES <= params.max_tx_bytes <= MAX_MAX_TX_BYTES:
        message = f"max_tx_bytes must be {MIN_MAX_TX_BYTES} .. {MAX_MAX_TX_BYTES}"
        raise InvalidTransaction(ERR_BAD_PARAMS, message)
    if params.max_block_txs < 1 or params.min_fee < 0:
        raise InvalidTransaction(ERR_BAD_PARAMS, "max_block_txs >= 1 and min_fee >= 0")
    if params.min_fee > 0 and not params.fee_asset:
        raise InvalidTransaction(ERR_BAD_PARAMS, "a min_fee needs a fee_asset")


@message_type("params/SetChainParams@1", roles=GOVERNANCE_ONLY)
@dataclass(frozen=True, slots=True)
class SetChainParams:
    """By a governance vote: the chain's size limit, block cap, minimum fee and fee asset."""

    max_tx_bytes: int
    max_block_txs: int
    min_fee: int
    fee_asset: str

    def validate_basic(self) -> None:
        validate_chain_params(self.as_params())

    def as_params(self) -> ChainParams:
        return ChainParams(self.max_tx_bytes, self.max_block_txs, self.min_fee, self.fee_asset)


def handle_set_chain_params(ctx: ExecutionContext, msg: SetChainParams) -> None:
    # AUTHORIZE
    if not is_governance(ctx.sender):
        raise InvalidTransaction(ERR_GOVERNANCE_ONLY, "propose it and vote on it")
    # APPLY
    ctx.state.set(PARAMS_KEY, msg.as_params().encode())
    # EMIT
    ctx.emit("params.chain_params_set", **{k: str(v) for k, v in msg.as_params().to_json().items()})


def make_handlers() -> dict[type, Callable[[ExecutionContext, Any], None]]:
    return {SetChainParams: handle_set_chain_params}
