"""The genesis document: chain id, crypto suite, chain parameters, and one section per module.

Stored as canonical JSON (sorted keys, no spaces) so every node hashes the same bytes. The
sections are the modules' own (`Module.genesis.section`: members, bank, validators, clearing,
governance, supervision, contracts, ...); this file knows none of them by name. `load_genesis`
checks the document's shape and keeps every section the wiring knows; the modules check their
sections when `init_chain` writes them.
Example: see `finchain init` (cli) and docs/genesis.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from finchain.crypto import suite_names
from finchain.errors import InvalidTransaction, register_error
from finchain.model.params import ChainParams, validate_chain_params
from finchain.modules.module import Module

ERR_BAD_GENESIS = register_error("genesis", 1, "invalid", "the genesis document is invalid")

PARAMS_SECTION = "params"
_HEADER_FIELDS = ("chain_id", "genesis_time_ms", "crypto_suite", PARAMS_SECTION)
_CHAIN_ID = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,47}$")


@dataclass(frozen=True, slots=True)
class GenesisDoc:
    chain_id: str
    genesis_time_ms: int
    crypto_suite: str
    params: ChainParams
    sections: Mapping[str, Any] = field(default_factory=dict)  # module sections but params

    def section(self, name: str, default: Any = None) -> Any:
        return self.sections.get(name, default)

    def with_section(self, name: str, value: Any) -> GenesisDoc:
        """A copy with module section `name` replaced."""
        return replace(self, sections={**self.sections, name: value})

    def to_json(self) -> dict[str, Any]:
        return {
            **{name: value for name, value in self.sections.items() if name != PARAMS_SECTION},
            "chain_id": self.chain_id,
            "genesis_time_ms": self.genesis_time_ms,
            "crypto_suite": self.crypto_suite,
            PARAMS_SECTION: self.params.to_json(),
        }

    def encode(self) -> bytes:
        """Canonical JSON bytes of the document."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()


def load_genesis(data: bytes | str | dict[str, Any], modules: Sequence[Module]) -> GenesisDoc:
    """Parse and check a genesis document (JSON text or a parsed dict) for a chain wired with
    `modules`: a top-level key that is neither a header field nor a module's section is refused
    (a typo must not silently drop a section)."""
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
    try:
        params = ChainParams.from_json(doc.get(PARAMS_SECTION, {}))
        validate_chain_params(params)
        genesis_time_ms = int(doc.get("genesis_time_ms", 0))
    except (InvalidTransaction, TypeError, ValueError) as exc:
        message = exc.message if isinstance(exc, InvalidTransaction) else str(exc)
        raise InvalidTransaction(ERR_BAD_GENESIS, f"bad params: {message}") from None
    known = {m.genesis.section for m in modules if m.genesis is not None}
    unknown = sorted(set(doc) - known - set(_HEADER_FIELDS))
    if unknown:
        raise InvalidTransaction(
            ERR_BAD_GENESIS,
            f"unknown genesis sections {unknown}; this chain's modules take {sorted(known)}",
        )
    sections = {name: doc[name] for name in sorted(known - {PARAMS_SECTION}) if name in doc}
    return GenesisDoc(chain_id, genesis_time_ms, suite, params, sections)
