"""Test helpers: a real in-process chain (RocksDB store, application, solo engine) and signing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finchain.app import Application, ChainParams
from finchain.crypto import Address, CryptoSuite, PrivateKey, format_address, get_suite
from finchain.engine.solo import SoloEngine
from finchain.model import Receipt, Transaction, sign_transaction
from finchain.modules.module import Module
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.wiring import MODULES
from finchain.store import Database

CHAIN_ID = "finchain-test"
GENESIS_TIME_MS = 1_700_000_000_000


@dataclass
class Chain:
    path: Path
    suite: CryptoSuite
    keys: dict[str, PrivateKey]
    db: Database
    app: Application
    engine: SoloEngine
    nonces: dict[str, int] = field(default_factory=dict)
    clock: list[int] = field(default_factory=lambda: [GENESIS_TIME_MS])

    def address(self, name: str) -> Address:
        return self.suite.address(self.keys[name].public_key)

    def sign(self, name: str, *msgs: Any, nonce: int | None = None, **fields: Any) -> bytes:
        """Sign a transaction from account `name`; by default with its next local nonce."""
        if nonce is None:
            nonce = self.nonces.get(name, 0)
            self.nonces[name] = nonce + 1
        tx = Transaction(
            chain_id=fields.pop("chain_id", CHAIN_ID),
            sender=fields.pop("sender", self.address(name)),
            nonce=nonce,
            fee=fields.pop("fee", 0),
            msgs=msgs,
            memo=fields.pop("memo", ""),
            valid_until_height=fields.pop("valid_until_height", 0),
        )
        return sign_transaction(tx, self.keys[name], self.suite).raw

    def execute(self, *raw_txs: bytes) -> list[Receipt]:
        """Submit through check_tx and make one block; returns receipts of admitted txs."""
        for raw in raw_txs:
            result, _ = self.engine.submit(raw)
            assert result.ok, f"check_tx rejected: {result.code} {result.log}"
        _, receipts = self.engine.produce_block()
        return receipts

    def close(self) -> None:
        self.engine.stop()
        self.db.close()


def make_chain(
    path: Path,
    suite_name: str = "intl",
    extra_accounts: int = 0,
    params: ChainParams | None = None,
    validators: Sequence[tuple[bytes, int]] | None = None,
    extra_orgs: Sequence[tuple[str, tuple[str, ...]]] = (),
    clearing: dict[str, Any] | None = None,
    governance: dict[str, Any] | None = None,
    supervision: dict[str, Any] | None = None,
    key_seed: bytes | None = None,
    contracts: dict[str, Any] | None = None,
    modules: Sequence[Module] = MODULES,
    sections: dict[str, Any] | None = None,
) -> Chain:
    """A fresh chain of the dev organisations (plus `extra_orgs`: (org id, roles), each with one
    account key named like the org) on the solo engine, in `path`. With `key_seed` the dev
    organisations' keys derive from it, so two runs build the same chain. `modules` is the
    wiring list (default: the platform's) and `sections` adds genesis sections by name."""
    suite = get_suite(suite_name)
    keys: dict[str, PrivateKey] = {
        org: (
            suite.load_private_key(hashlib.sha256(key_seed + org.encode()).digest())
            if key_seed is not None
            else suite.generate_private_key()
        )
        for org, _, _ in DEV_ORGS
    }
    extra: dict[bytes, int] = {}
    for i in range(extra_accounts):
        key = suite.generate_private_key()
        keys[f"user{i}"] = key
        extra[suite.address(key.public_key)] = 1_000_000
    org_accounts = {org: suite.address(keys[org].public_key) for org, _, _ in DEV_ORGS}
    genesis = make_dev_genesis(
        CHAIN_ID, suite_name, org_accounts, extra, GENESIS_TIME_MS, params=params
    )
    if extra_orgs:
        members = list(genesis.section("members", []))
        for org_id, roles in extra_orgs:
            keys[org_id] = suite.generate_private_key()
            account = format_address(suite.address(keys[org_id].public_key))
            members.append(
                {"id": org_id, "name": org_id, "roles": list(roles), "accounts": [account]}
            )
        genesis = genesis.with_section("members", members)
    if clearing is not None:
        genesis = genesis.with_section("clearing", clearing)
    if governance is not None:
        genesis = genesis.with_section("governance", governance)
    if supervision is not None:
        genesis = genesis.with_section("supervision", supervision)
    if contracts is not None:
        genesis = genesis.with_section("contracts", contracts)
    for name, section in (sections or {}).items():
        genesis = genesis.with_section(name, section)
    db = Database(path)
    app = Application(db, modules)
    app.init_chain(genesis, validators)
    clock = [GENESIS_TIME_MS]

    def tick() -> int:
        clock[0] += 1000
        return clock[0]

    engine = SoloEngine(app, clock_ms=tick)
    return Chain(path, suite, keys, db, app, engine, clock=clock)
