"""The only place that builds `contracts/` store keys."""

from __future__ import annotations

PREFIX = b"contracts/"
PARAMS = b"contracts/params"
SEQUENCE = b"contracts/seq"
CONTRACT_PREFIX = b"contracts/c/"
CODE_PREFIX = b"contracts/code/"
STORAGE_PREFIX = b"contracts/s/"


def contract_key(address: bytes) -> bytes:
    return CONTRACT_PREFIX + address


def code_key(code_hash: bytes) -> bytes:
    return CODE_PREFIX + code_hash


def storage_key(address: bytes, key: bytes) -> bytes:
    r"""One storage slot: the VM's key (`name\x00` + encoded map key) under the contract."""
    return STORAGE_PREFIX + address + key
