"""Module `params`: the chain-wide parameters the application reads for every transaction.

State layout (keys built in `keys.py`):
| key             | value                                                         |
|-----------------|---------------------------------------------------------------|
| `params/chain`  | `ChainParams` [max_tx_bytes, max_block_txs, min_fee, fee_asset] |

Genesis: the `params` section (written at height 0). Messages: `params/SetChainParams@1`, only
as the action of a passed governance vote; the new values apply from the next transaction on.
Events: `params.chain_params_set(max_tx_bytes, max_block_txs, min_fee, fee_asset)`.
Interface offered: `params.chain` (`ChainParamsView`: `get()`).
"""

from __future__ import annotations

from finchain.model.params import ChainParams
from finchain.modules.params.keeper import ChainParamsView
from finchain.modules.params.messages import SetChainParams

__all__ = ["ChainParams", "ChainParamsView", "SetChainParams"]
