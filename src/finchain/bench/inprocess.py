"""In-process transfer benchmark: the solo engine and application without HTTP.

The submitter admits one block's worth of pre-signed transfers through `check_tx`, then the
engine makes the block; the latency of a transaction is the time from its submission to the
commit of its block. This measures the node's execution ceiling (decode, signature, ante,
execution, RocksDB commit) without network or serialisation overhead.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from finchain.app import Application, ChainParams
from finchain.bench.report import RoundResult, percentile
from finchain.crypto import Address, PrivateKey, get_suite
from finchain.engine.solo import SoloConfig, SoloEngine
from finchain.model import Transaction, sign_transaction
from finchain.modules.bank import Transfer
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.wiring import MODULES
from finchain.store import Database

BENCH_CHAIN_ID = "finchain-bench"
INITIAL_BALANCE = 10**12


def sender_and_recipient(index: int, accounts: int) -> tuple[int, int]:
    """Transaction `index` of a round-robin workload: its sender (index mod accounts) and a
    recipient that moves on every lap, never the sender itself."""
    sender = index % accounts
    recipient = (sender + 1 + index // accounts) % accounts
    if recipient == sender:
        recipient = (sender + 1) % accounts
    return sender, recipient


@dataclass(frozen=True, slots=True)
class TransferWorkload:
    suite: str = "intl"
    accounts: int = 1_000
    transactions: int = 20_000
    block_txs: int = 2_000


def sign_transfers(
    workload: TransferWorkload,
) -> tuple[dict[str, Address], list[Address], list[bytes]]:
    """Genesis org accounts, account addresses and pre-signed transfers (round-robin senders)."""
    suite = get_suite(workload.suite)
    keys: list[PrivateKey] = [suite.generate_private_key() for _ in range(workload.accounts)]
    addresses = [suite.address(k.public_key) for k in keys]
    nonces = [0] * workload.accounts
    txs: list[bytes] = []
    for i in range(workload.transactions):
        sender, recipient = sender_and_recipient(i, workload.accounts)
        tx = Transaction(
            BENCH_CHAIN_ID,
            addresses[sender],
            nonces[sender],
            0,
            (Transfer(addresses[recipient], "CNY", 1 + i % 100),),
        )
        nonces[sender] += 1
        txs.append(sign_transaction(tx, keys[sender], suite).raw)
    orgs = {org: suite.address(suite.generate_private_key().public_key) for org, _, _ in DEV_ORGS}
    return orgs, addresses, txs


@contextmanager
def solo_chain(
    chain_id: str,
    suite_name: str,
    orgs: Mapping[str, Address],
    accounts: Sequence[Address],
    block_txs: int,
    data_dir: Path | None = None,
) -> Iterator[tuple[Application, SoloEngine]]:
    """A fresh dev chain in a temporary directory on the solo engine, `accounts` each holding
    INITIAL_BALANCE CNY; the engine is stopped and the store closed on exit."""
    genesis = make_dev_genesis(
        chain_id,
        suite_name,
        orgs,
        {a: INITIAL_BALANCE for a in accounts},
        params=ChainParams(max_block_txs=block_txs),
    )
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        db = Database(Path(tmp) / "data")
        try:
            app = Application(db, MODULES)
            app.init_chain(genesis)
            engine = SoloEngine(app, SoloConfig(max_block_txs=block_txs))
            try:
                yield app, engine
            finally:
                engine.stop()
        finally:
            db.close()


def run_inprocess_transfers(
    workload: TransferWorkload, data_dir: Path | None = None
) -> RoundResult:
    orgs, addresses, txs = sign_transfers(workload)
    chain = solo_chain(
        BENCH_CHAIN_ID, workload.suite, orgs, addresses, workload.block_txs, data_dir
    )
    with chain as (app, engine):
        latencies: list[float] = []
        succeeded = failed = 0
        started = time.perf_counter()
        for offset in range(0, len(txs), workload.block_txs):
            chunk = txs[offset : offset + workload.block_txs]
            submitted_at = time.perf_counter()
            for result, _ in engine.submit_batch(chunk):
                if not result.ok:
                    failed += 1
            _, receipts = engine.produce_block()
            committed_at = time.perf_counter()
            for receipt in receipts:
                if receipt.ok:
                    succeeded += 1
                else:
                    failed += 1
            latencies.extend([committed_at - submitted_at] * len(chunk))
        duration = time.perf_counter() - started
        violations = app.check_invariants()
    if violations:
        raise AssertionError(f"benchmark broke invariants: {violations}")
    latencies.sort()
    return RoundResult(
        name="transfer/in-process",
        target="solo",
        suite=workload.suite,
        submitted=len(txs),
        succeeded=succeeded,
        failed=failed,
        duration_s=duration,
        throughput_tps=succeeded / duration if duration else 0.0,
        latency_p50_s=percentile(latencies, 0.50),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=latencies[-1] if latencies else 0.0,
        settings={
            "accounts": workload.accounts,
            "block_txs": workload.block_txs,
            "engine": "solo (in-process, no HTTP)",
        },
    )
