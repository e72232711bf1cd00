"""Key suites, fixed per chain in genesis: `intl` (secp256k1 + SHA-256) and `gm` (SM2 + SM3).

A suite owns hashing, key generation, signing, verification and address derivation. Everything
above this package names a suite by string and calls `get_suite(name)`.

Must never: choose a suite implicitly; verify with a different suite than the chain's.
"""

from __future__ import annotations

from finchain.crypto.suite import (
    ADDRESS_LENGTH,
    Address,
    CryptoSuite,
    PrivateKey,
    format_address,
    get_suite,
    parse_address,
    suite_names,
)

__all__ = [
    "ADDRESS_LENGTH",
    "Address",
    "CryptoSuite",
    "PrivateKey",
    "format_address",
    "get_suite",
    "parse_address",
    "suite_names",
]
