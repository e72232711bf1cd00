"""The genesis document: chain id, crypto suite, parameters, members, assets and balances.

Stored as canonical JSON (sorted keys, no spaces) so every node hashes the same bytes.
Example: see `finchain init` (cli) and docs/genesis.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from finchain.crypto import suite_names
from finchain.errors import InvalidTransaction, register_error
from finchain.modules.params import (
    DEFAULT_MAX_BLOCK_TXS,
    DEFAULT_MAX_TX_BYTES,
    ChainParams,
)

ERR_BAD_GENESIS = register_error("genesis", 1, "invalid", "the genesis document is invalid")

_CHAIN_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,47}$")


@dataclass(frozen=True, slots=True)
class GenesisDoc:
    chain_id: str
    genesis_time_ms: int
    crypto_suite: str
    params: ChainParams
    members: list[dict[str, Any]] = field(default_factory=list)
    bank: dict[str, Any] = field(default_factory=dict)
    clearing: dict[str, Any] = field(default_factory=dict)
    validators: list[dict[str, Any]] = field(default_factory=list)
    governance: dict[str, Any] = field(default_factory=dict)
    supervision: dict[str, Any] = field(default_factory=dict)
    contracts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        # Sections added later appear only when given, so older documents keep their bytes.
        extra = {
            name: section
            for name, section in (
                ("governance", self.governance),
                ("supervision", self.supervision),
                ("contracts", self.contracts),
            )
            if section
        }
        return {
            **extra,
            "chain_id": self.chain_id,
            "genesis_time_ms": self.genesis_time_ms,
            "crypto_suite": self.crypto_suite,
            "params": self.params.to_json(),
            "members": self.members,
            "bank": self.bank,
            "clearing": self.clearing,
            "validators": self.validators,
        }

    def encode(self) -> bytes:
        """Canonical JSON bytes of the document."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()


def load_genesis(data: bytes | str | dict[str, Any]) -> GenesisDoc:
    """Parse and check a genesis document (JSON text or a parsed dict)."""
    try:
        doc = data if isinstance(data, dict) else json.loads(data)
    except json.JSONDecodeError as exc:
        raise InvalidTransaction(ERR_BAD_GENESIS, f"genesis is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidTransaction(ERR_BAD_GENESIS, "genesis must be a JSON object")
    chain_id = str(doc.get("chain_id", ""))
    if not _CHAIN_ID.fullmatch(chain_id):
        raise InvalidTransaction(ERR_BAD_GENESIS, f"bad chain_id {chain_id!r}")
    suite = str(doc.get("crypto_suite", "intl"))
    if suite not in suite_names():
        raise InvalidTransaction(ERR_BAD_GENESIS, f"crypto_suite must be one of {suite_names()}")
    raw_params = doc.get("params", {})
    try:
        params = ChainParams(
            max_tx_bytes=int(raw_params.get("max_tx_bytes", DEFAULT_MAX_TX_BYTES)),
            max_block_txs=int(raw_params.get("max_block_txs", DEFAULT_MAX_BLOCK_TXS)),
            min_fee=int(raw_params.get("min_fee", 0)),
            fee_asset=str(raw_params.get("fee_asset", "")),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidTransaction(ERR_BAD_GENESIS, f"bad params: {exc}") from None
    if params.min_fee > 0 and not params.fee_asset:
        raise InvalidTransaction(ERR_BAD_GENESIS, "min_fee needs a fee_asset")
    if params.max_tx_bytes < 256 or params.max_block_txs < 1:
        raise InvalidTransaction(ERR_BAD_GENESIS, "max_tx_bytes >= 256 and max_block_txs >= 1")
    return GenesisDoc(
        chain_id=chain_id,
        genesis_time_ms=int(doc.get("genesis_time_ms", 0)),
        crypto_suite=suite,
        params=params,
        members=list(doc.get("members", [])),
        bank=dict(doc.get("bank", {})),
        clearing=dict(doc.get("clearing", {})),
        validators=list(doc.get("validators", [])),
        governance=dict(doc.get("governance", {})),
        supervision=dict(doc.get("supervision", {})),
        contracts=dict(doc.get("contracts", {})),
    )
