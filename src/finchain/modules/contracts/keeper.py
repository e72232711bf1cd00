"""Contracts in state: parameters, deployed contracts, their code and storage slots.

Compiled code is cached by code hash (`load_compiled`): compiling is a pure function of the
source, so the cache changes no result, only the time a call takes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from finchain.codec import decode, decode_uint, encode, encode_uint
from finchain.crypto import Address, format_address
from finchain.errors import InvalidTransaction
from finchain.modules.contracts import keys
from finchain.modules.contracts.errors import ERR_COMPILE, ERR_TOO_DEEP, ERR_UNKNOWN_CONTRACT
from finchain.modules.contracts.params import ContractParams
from finchain.state import StateReader, StateWriter
from finchain.vm import CompiledContract, compile_contract
from finchain.vm.compiler import CompileError, TooDeepError

COMPILED_CACHE_SIZE = 256
_COMPILED: dict[bytes, CompiledContract] = {}


@dataclass(frozen=True, slots=True)
class ContractRecord:
    address: bytes
    code_hash: bytes
    deployer: bytes
    org: str
    height: int  # deployed at
    upgraded_height: int = 0

    def encode(self) -> bytes:
        return encode([self.code_hash, self.deployer, self.org, self.height, self.upgraded_height])

    @staticmethod
    def decode(address: bytes, raw: bytes) -> ContractRecord:
        code_hash, deployer, org, height, upgraded = decode(raw)
        return ContractRecord(address, code_hash, deployer, org, height, upgraded)

    def to_json(self) -> dict[str, Any]:
        return {
            "address": format_address(self.address),
            "code_hash": self.code_hash.hex(),
            "deployer": format_address(self.deployer),
            "org": self.org,
            "height": self.height,
            "upgraded_height": self.upgraded_height or None,
        }


def compile_or_reject(source: str) -> CompiledContract:
    """Compile `source` (cached by hash); a bad source is `contracts/compile_error`, one nested
    past the language's bound `contracts/too_deep`. Both are pure functions of the source: the
    bound is checked before anything recursive runs (`finchain.vm.checker`), so every node gives
    the same answer whatever its stack."""
    code_hash = hashlib.sha256(source.encode("utf-8")).digest()
    cached = _COMPILED.get(code_hash)
    if cached is not None:
        return cached
    try:
        compiled = compile_contract(source)
    except TooDeepError as exc:
        raise InvalidTransaction(ERR_TOO_DEEP, str(exc), errors=exc.errors) from None
    except CompileError as exc:
        raise InvalidTransaction(ERR_COMPILE, str(exc), errors=exc.errors) from None
    if len(_COMPILED) >= COMPILED_CACHE_SIZE:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[code_hash] = compiled
    return compiled


def contract_address(sequence: int) -> Address:
    """The address of the chain's `sequence`-th deployed contract (0 first)."""
    return Address(hashlib.sha256(b"finchain/contract/" + encode_uint(sequence)).digest()[:20])


class ContractsView:
    def __init__(self, state: StateReader) -> None:
        self.state = state

    def params(self) -> ContractParams:
        raw = self.state.get(keys.PARAMS)
        return ContractParams() if raw is None else ContractParams.decode(raw)

    def find(self, address: bytes) -> ContractRecord | None:
        raw = self.state.get(keys.contract_key(address))
        return None if raw is None else ContractRecord.decode(address, raw)

    def get(self, address: bytes) -> ContractRecord:
        record = self.find(address)
        if record is None:
            raise InvalidTransaction(
                ERR_UNKNOWN_CONTRACT, f"no contract at {format_address(address)}"
            )
        return record

    def is_contract(self, address: bytes) -> bool:
        return self.state.get(keys.contract_key(address)) is not None

    def source(self, code_hash: bytes) -> str:
        raw = self.state.get(keys.code_key(code_hash))
        if raw is None:
            raise InvalidTransaction(ERR_UNKNOWN_CONTRACT, f"no code {code_hash.hex()}")
        return raw.decode("utf-8")

    def load_compiled(self, record: ContractRecord) -> CompiledContract:
        cached = _COMPILED.get(record.code_hash)
        return cached if cached is not None else compile_or_reject(self.source(record.code_hash))

    def list_all(self) -> list[ContractRecord]:
        prefix = keys.CONTRACT_PREFIX
        return [
            ContractRecord.decode(key[len(prefix) :], raw)
            for key, raw in self.state.iterate(prefix)
        ]

    def storage_get(self, address: bytes, key: bytes) -> bytes | None:
        return self.state.get(keys.storage_key(address, key))


class ContractsKeeper(ContractsView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.writer = state

    def set_params(self, params: ContractParams) -> None:
        self.writer.set(keys.PARAMS, params.encode())

    def next_address(self) -> Address:
        """A fresh contract address: SHA-256 of a chain-wide deploy counter, first 20 bytes."""
        raw = self.state.get(keys.SEQUENCE)
        sequence = 0 if raw is None else decode_uint(raw)
        self.writer.set(keys.SEQUENCE, encode_uint(sequence + 1))
        return contract_address(sequence)

    def put_code(self, compiled: CompiledContract) -> None:
        key = keys.code_key(compiled.code_hash)
        if self.state.get(key) is None:
            self.writer.set(key, compiled.source.encode("utf-8"))

    def put(self, record: ContractRecord) -> None:
        self.writer.set(keys.contract_key(record.address), record.encode())

    def storage_set(self, address: bytes, key: bytes, value: bytes) -> None:
        self.writer.set(keys.storage_key(address, key), value)

    def storage_delete(self, address: bytes, key: bytes) -> None:
        self.writer.delete(keys.storage_key(address, key))
