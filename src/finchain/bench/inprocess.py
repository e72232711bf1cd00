"""In-process transfer benchmark: the solo engine and application without HTTP.

The submitter admits one block's worth of pre-signed transfers through `check_tx`, then the
engine makes the block; the latency of a transaction is the time from its submission to the
commit of its block. This measures the node's execution ceiling (decode, signature, ante,
execution, RocksDB commit) without network or serialisation overhead.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from finchain.app import Application, ChainParams
from finchain.bench.report import RoundResult, percentile
from finchain.crypto import Address, PrivateKey, get_suite
from finchain.engine.solo import SoloConfig, SoloEngine
from finchain.model import Transaction, sign_transaction
from finchain.modules.bank import Transfer
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.store import Database

BENCH_CHAIN_ID = "finchain-bench"
INITIAL_BALANCE = 10**12


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
        sender = i % workload.accounts
        recipient = (sender + 1 + i // workload.accounts) % workload.accounts
        if recipient == sender:
            recipient = (sender + 1) % workload.accounts
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


def run_inprocess_transfers(
    workload: TransferWorkload, data_dir: Path | None = None
) -> RoundResult:
    orgs, addresses, txs = sign_transfers(workload)
    genesis = make_dev_genesis(
        BENCH_CHAIN_ID,
        workload.suite,
        orgs,
        {a: INITIAL_BALANCE for a in addresses},
        params=ChainParams(max_block_txs=workload.block_txs),
    )
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        db = Database(Path(tmp) / "data")
        app = Application(db)
        app.init_chain(genesis)
        engine = SoloEngine(app, SoloConfig(max_block_txs=workload.block_txs))
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
        engine.stop()
        violations = app.check_invariants()
        db.close()
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
