"""Blocks as the application records them: header fields from the engine plus execution results.

The engine (solo or CometBFT) owns the block hash, time and proposer; the application records them
with the ordered transaction hashes, the app hash after execution and the events of its
end-of-block work (`BlockRecord`).
"""

from __future__ import annotations

from dataclasses import dataclass

from finchain.codec import Value, decode, encode
from finchain.crypto import CryptoSuite
from finchain.model.receipt import Event


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """What the engine tells the application about a block it must execute."""

    chain_id: str
    height: int
    time_ms: int
    block_hash: bytes
    proposer: bytes


@dataclass(frozen=True, slots=True)
class BlockRecord:
    header: BlockHeader
    tx_hashes: tuple[bytes, ...]
    prev_app_hash: bytes
    app_hash: bytes
    # Events of the block's own end-of-block work (e.g. clearing settlements by netting), which
    # belong to no transaction; in execution order.
    events: tuple[Event, ...] = ()

    def encode(self) -> bytes:
        h = self.header
        return encode(
            [
                h.chain_id,
                h.height,
                h.time_ms,
                h.block_hash,
                h.proposer,
                list(self.tx_hashes),
                self.prev_app_hash,
                self.app_hash,
                [e.to_value() for e in self.events],
            ]
        )

    @staticmethod
    def decode(data: bytes) -> BlockRecord:
        chain_id, height, time_ms, block_hash, proposer, txs, prev, app, events = decode(data)
        header = BlockHeader(chain_id, height, time_ms, block_hash, proposer)
        return BlockRecord(
            header, tuple(txs), prev, app, tuple(Event.from_value(e) for e in events)
        )

    def to_json(self) -> dict[str, object]:
        h = self.header
        return {
            "chain_id": h.chain_id,
            "height": h.height,
            "time_ms": h.time_ms,
            "hash": h.block_hash.hex(),
            "proposer": h.proposer.hex(),
            "num_txs": len(self.tx_hashes),
            "tx_hashes": [t.hex() for t in self.tx_hashes],
            "prev_app_hash": self.prev_app_hash.hex(),
            "app_hash": self.app_hash.hex(),
            "events": [e.to_json() for e in self.events],
        }


def compute_block_hash(
    suite: CryptoSuite, chain_id: str, height: int, time_ms: int, prev_hash: bytes, txs: list[bytes]
) -> bytes:
    """The solo engine's block hash: suite hash of the header fields and ordered tx hashes."""
    tx_hashes: list[Value] = [suite.hash(t) for t in txs]
    return suite.hash(
        encode(["finchain/block/v1", chain_id, height, time_ms, prev_hash, tx_hashes])
    )
