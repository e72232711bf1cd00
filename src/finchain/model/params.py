"""Chain-wide parameters: the values the application itself reads for every transaction.

`ChainParams(max_tx_bytes, max_block_txs, min_fee, fee_asset)`: the size limit of one transaction,
the cap on transactions per block, the minimum fee and the asset it is paid in. Module `params`
stores them and changes them by a governance vote; this value type is shared by the application
(which must not import a module by name) and that module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finchain.codec import decode, encode
from finchain.errors import InvalidTransaction, register_error

DEFAULT_MAX_TX_BYTES = 32 * 1024
DEFAULT_MAX_BLOCK_TXS = 10_000
MIN_MAX_TX_BYTES = 256
MAX_MAX_TX_BYTES = 4 * 1024 * 1024

ERR_BAD_PARAMS = register_error(
    "params", 1, "bad_params", "chain parameters out of range, or a fee without its asset"
)


@dataclass(frozen=True, slots=True)
class ChainParams:
    """Chain-wide parameters (changed by a vote)."""

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

    @staticmethod
    def from_json(section: Any) -> ChainParams:
        """Parse a genesis `params` section (InvalidTransaction `params/bad_params` if wrong)."""
        if not isinstance(section, dict):
            raise InvalidTransaction(ERR_BAD_PARAMS, "params must be a JSON object")
        try:
            return ChainParams(
                max_tx_bytes=int(section.get("max_tx_bytes", DEFAULT_MAX_TX_BYTES)),
                max_block_txs=int(section.get("max_block_txs", DEFAULT_MAX_BLOCK_TXS)),
                min_fee=int(section.get("min_fee", 0)),
                fee_asset=str(section.get("fee_asset", "")),
            )
        except (TypeError, ValueError) as exc:
            raise InvalidTransaction(ERR_BAD_PARAMS, f"bad params: {exc}") from None

    def to_json(self) -> dict[str, object]:
        return {
            "max_tx_bytes": self.max_tx_bytes,
            "max_block_txs": self.max_block_txs,
            "min_fee": self.min_fee,
            "fee_asset": self.fee_asset,
        }


def validate_chain_params(params: ChainParams) -> None:
    """Raise `params/bad_params` unless every value is in range."""
    if not MIN_MAX_TX_BYTES <= params.max_tx_bytes <= MAX_MAX_TX_BYTES:
        message = f"max_tx_bytes must be {MIN_MAX_TX_BYTES} .. {MAX_MAX_TX_BYTES}"
        raise InvalidTransaction(ERR_BAD_PARAMS, message)
    if params.max_block_txs < 1 or params.min_fee < 0:
        raise InvalidTransaction(ERR_BAD_PARAMS, "max_block_txs >= 1 and min_fee >= 0")
    if params.min_fee > 0 and not params.fee_asset:
        raise InvalidTransaction(ERR_BAD_PARAMS, "a min_fee needs a fee_asset")
