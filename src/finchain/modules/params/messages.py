"""Message types of the params module."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.model.message import GOVERNANCE_ONLY, message_type
from finchain.model.params import ChainParams, validate_chain_params


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
