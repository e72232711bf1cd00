"""Consensus values: messages, transactions, blocks, receipts and events, with their encodings.

Must never: read state, the clock or the network; everything here is a pure function of bytes.
"""

from __future__ import annotations

from finchain.model.block import BlockHeader, BlockRecord, compute_block_hash
from finchain.model.message import Msg, decode_msg, encode_msg, message_type, registered_messages
from finchain.model.receipt import Event, Receipt
from finchain.model.tx import (
    SIGN_DOMAIN,
    SignedTransaction,
    Transaction,
    compute_sign_bytes,
    decode_signed_tx,
    sign_transaction,
)

__all__ = [
    "SIGN_DOMAIN",
    "BlockHeader",
    "BlockRecord",
    "Event",
    "Msg",
    "Receipt",
    "SignedTransaction",
    "Transaction",
    "compute_block_hash",
    "compute_sign_bytes",
    "decode_msg",
    "decode_signed_tx",
    "encode_msg",
    "message_type",
    "registered_messages",
    "sign_transaction",
]
