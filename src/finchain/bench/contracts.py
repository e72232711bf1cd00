"""Contract-call benchmark: the token example's `transfer` against a native bank transfer.

Both rounds run in process on the solo engine, on fresh chains with the same accounts, block
size and pre-signed transactions (round-robin senders, signed before the timed phase). Before
the contract round, untimed, the token is deployed and every sender is given tokens. Per round:
throughput, p50/p99 block latency (submission of the block's transactions to its commit) and
success rate; for the contract round also the compute units and gas of one call. The result
states the ratio contract/native, the figure issue #6 asks for.

Owns: building and timing the two rounds. Must never: count a failed receipt as a success.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finchain.bench.inprocess import sender_and_recipient, solo_chain
from finchain.bench.report import RoundResult, percentile
from finchain.crypto import Address, CryptoSuite, PrivateKey, format_address, get_suite
from finchain.engine.solo import SoloEngine
from finchain.model import Receipt, Transaction, sign_transaction
from finchain.modules.bank import Transfer
from finchain.modules.contracts import Call, Deploy
from finchain.modules.contracts.keeper import contract_address
from finchain.node.devgenesis import DEV_ORGS
from finchain.vm import encode_args

CHAIN_ID = "finchain-bench-contracts"
TOKEN_SUPPLY = 10**15
COMPUTE_LIMIT = 100_000
TOKEN_SOURCE = Path(__file__).resolve().parents[3] / "examples" / "contracts" / "token.py"


@dataclass(frozen=True, slots=True)
class ContractWorkload:
    suite: str = "intl"
    accounts: int = 200
    transactions: int = 10_000
    block_txs: int = 1_000
    token_source: Path = TOKEN_SOURCE


@dataclass(frozen=True, slots=True)
class ContractBenchResult:
    native: RoundResult
    contract: RoundResult
    compute_per_call: int
    gas_per_call: int
    gas_per_transfer: int

    @property
    def ratio(self) -> float:
        """Contract calls per second over native transfers per second."""
        native = self.native.throughput_tps
        return self.contract.throughput_tps / native if native else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "ratio_contract_to_native": round(self.ratio, 3),
            "compute_per_call": self.compute_per_call,
            "gas_per_call": self.gas_per_call,
            "gas_per_native_transfer": self.gas_per_transfer,
        }


class _Signer:
    """Signs transactions for the benchmark accounts, keeping each account's nonce."""

    def __init__(self, suite: CryptoSuite, keys: Sequence[PrivateKey]) -> None:
        self.suite = suite
        self.keys = list(keys)
        self.addresses = [suite.address(k.public_key) for k in keys]
        self.nonces = [0] * len(keys)

    def sign(self, index: int, msg: Any) -> bytes:
        tx = Transaction(CHAIN_ID, self.addresses[index], self.nonces[index], 0, (msg,))
        self.nonces[index] += 1
        return sign_transaction(tx, self.keys[index], self.suite).raw


def run_contract_benchmark(
    workload: ContractWorkload, data_dir: Path | None = None
) -> ContractBenchResult:
    """Time native transfers, then token-contract transfers, on two fresh chains."""
    suite = get_suite(workload.suite)
    keys = [suite.generate_private_key() for _ in range(workload.accounts)]
    n, count = workload.accounts, workload.transactions
    native_signer = _Signer(suite, keys)
    native_txs = [
        native_signer.sign(i % n, Transfer(native_signer.addresses[_pair(i, n)], "CNY", 1))
        for i in range(count)
    ]
    signer = _Signer(suite, keys)
    token = contract_address(0)  # the first contract deployed on the fresh chain
    setup = [signer.sign(0, deploy_token(workload.token_source))]
    share = TOKEN_SUPPLY // (2 * n)
    setup += [
        signer.sign(0, token_call(token, "transfer", format_address(signer.addresses[i]), share))
        for i in range(1, n)
    ]
    calls = [
        signer.sign(
            i % n,
            token_call(token, "transfer", format_address(signer.addresses[_pair(i, n)]), 1),
        )
        for i in range(count)
    ]
    native, native_receipts = _run_round(
        "transfer/native", workload, keys, [], native_txs, data_dir
    )
    contract, call_receipts = _run_round(
        "transfer/token-contract", workload, keys, setup, calls, data_dir
    )
    computes = [_compute_used(r) for r in call_receipts if r.ok]
    return ContractBenchResult(
        native=native,
        contract=contract,
        compute_per_call=int(statistics.median(computes)) if computes else 0,
        gas_per_call=int(statistics.median(r.gas_used for r in call_receipts)),
        gas_per_transfer=int(statistics.median(r.gas_used for r in native_receipts)),
    )


def token_call(token: Address, function: str, *args: Any) -> Call:
    """A `contracts/Call` of the token's `function` with `args`, within `COMPUTE_LIMIT`."""
    return Call(token, function, encode_args(list(args)), COMPUTE_LIMIT)


def deploy_token(source_path: Path = TOKEN_SOURCE) -> Deploy:
    """The token's deployment (`symbol` TOK): `TOKEN_SUPPLY` minted to the deployer."""
    source = source_path.read_text(encoding="utf-8")
    return Deploy(source, encode_args(["TOK", TOKEN_SUPPLY]), COMPUTE_LIMIT)


def _compute_used(receipt: Receipt) -> int:
    for event in receipt.events:
        if event.type == "contracts.called":
            return int(dict(event.attributes)["compute_used"])
    return 0


def _run_round(
    name: str,
    workload: ContractWorkload,
    keys: Sequence[PrivateKey],
    setup: list[bytes],
    txs: list[bytes],
    data_dir: Path | None,
) -> tuple[RoundResult, list[Receipt]]:
    suite = get_suite(workload.suite)
    addresses = [suite.address(k.public_key) for k in keys]
    orgs = {org: suite.address(suite.generate_private_key().public_key) for org, _, _ in DEV_ORGS}
    chain = solo_chain(CHAIN_ID, workload.suite, orgs, addresses, workload.block_txs, data_dir)
    with chain as (app, engine):
        _, setup_receipts = _drive(engine, setup, workload.block_txs, lambda *_: None)
        bad = [r for r in setup_receipts if not r.ok]
        if bad:
            raise AssertionError(f"benchmark setup failed: {bad[0].code} {bad[0].log}")
        latencies: list[float] = []
        started = time.perf_counter()
        rejected, receipts = _drive(
            engine, txs, workload.block_txs, lambda seconds, k: latencies.extend([seconds] * k)
        )
        duration = time.perf_counter() - started
        violations = app.check_invariants()
    if violations:
        raise AssertionError(f"benchmark broke invariants: {violations}")
    succeeded = sum(1 for r in receipts if r.ok)
    latencies.sort()
    result = RoundResult(
        name=name,
        target="solo",
        suite=workload.suite,
        submitted=len(txs),
        succeeded=succeeded,
        failed=len(txs) - succeeded,
        duration_s=duration,
        throughput_tps=succeeded / duration if duration else 0.0,
        latency_p50_s=percentile(latencies, 0.50),
        latency_p99_s=percentile(latencies, 0.99),
        latency_max_s=latencies[-1] if latencies else 0.0,
        rejected=rejected,
        settings={
            "accounts": workload.accounts,
            "block_txs": workload.block_txs,
            "engine": "solo (in-process, no HTTP)",
            "compute_limit": COMPUTE_LIMIT,
        },
    )
    return result, receipts


def _drive(
    engine: SoloEngine,
    txs: list[bytes],
    block_txs: int,
    on_block: Callable[[float, int], None],
) -> tuple[int, list[Receipt]]:
    """Admit `txs` a block at a time and make each block; (check_tx rejections, receipts)."""
    rejected = 0
    receipts: list[Receipt] = []
    for offset in range(0, len(txs), block_txs):
        chunk = txs[offset : offset + block_txs]
        submitted_at = time.perf_counter()
        rejected += sum(1 for result, _ in engine.submit_batch(chunk) if not result.ok)
        _, block_receipts = engine.produce_block()
        on_block(time.perf_counter() - submitted_at, len(chunk))
        receipts.extend(block_receipts)
    return rejected, receipts


def render_contract_summary(result: ContractBenchResult) -> str:
    rows = [
        ("native bank transfer", result.native, result.gas_per_transfer, "-"),
        ("token contract transfer", result.contract, result.gas_per_call, result.compute_per_call),
    ]
    header = ("round", "ok/sent", "tx/s", "p50 ms", "p99 ms", "gas", "compute")
    lines = ["{:<26}{:>14}{:>10}{:>9}{:>9}{:>9}{:>9}".format(*header)]
    for label, r, gas, compute in rows:
        lines.append(
            f"{label:<26}{f'{r.succeeded}/{r.submitted}':>14}{r.throughput_tps:>10.0f}"
            f"{r.latency_p50_s * 1e3:>9.1f}{r.latency_p99_s * 1e3:>9.1f}{gas:>9}{compute!s:>9}"
        )
    lines.append(f"contract / native throughput: {result.ratio:.2f}")
    return "\n".join(lines)


def _pair(index: int, accounts: int) -> int:
    return sender_and_recipient(index, accounts)[1]
