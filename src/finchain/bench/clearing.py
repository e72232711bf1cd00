"""Workloads and chain set-up shared by the clearing benchmarks (`clearing_lsm`, `clearing_day`).

Payment flows are generated from a seeded `random.Random`, in integer minor units only, so a
seed always gives the same payments, the same UETRs and the same balances:

- **Cycles**: most payments belong to a random cycle of 2-6 distinct banks (A pays B, B pays C,
  ..., the last pays A) of one base amount, each leg within ±`jitter_pct` % of it. Flows between
  banks therefore roughly balance, as they do over a real settlement day, which is what lets a
  liquidity-saving mechanism settle much with little liquidity.
- **One-off payments** (`noise_pct` % of the draws) between two random distinct banks, which do
  not balance.
- Every payment's amount is 1,000.00 .. 100,000.00 (uniform, in fen); priority URGENT with
  `urgent_pct` %, HIGH with `high_pct` %, else NORMAL. The legs are shuffled, so a cycle's
  payments are spread over the whole queue or day.

`ClearingChain` is a real node in process (RocksDB in a temporary directory, the application,
the solo engine driven block by block, as `inprocess.py` does for transfers) with a central bank
(`pboc`, from the development organisations) and N member banks `bank000`, `bank001`, ...

Must never: use floats for money, or the wall clock or unseeded randomness in a workload.
Concurrency: single-threaded; a `ClearingChain` belongs to one thread.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finchain.app import Application, ChainParams
from finchain.crypto import Address, CryptoSuite, PrivateKey, format_address, get_suite
from finchain.engine.solo import SoloConfig, SoloEngine
from finchain.model import BlockRecord, Event, Receipt, Transaction, sign_transaction
from finchain.model.tx import MAX_MSGS_PER_TX
from finchain.modules.clearing import Priority, QueuedPayment, Seq
from finchain.modules.clearing.messages import (
    OpenAccount,
    Pledge,
    SetUrgentReserve,
    SubmitPayment,
)
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.wiring import MODULES
from finchain.store import Database

CLEARING_CHAIN_ID = "finchain-bench-clearing"
CURRENCY = "CNY"
CENTRAL_BANK = "pboc"
MIN_PAYMENT = 1_000_00  # 1,000.00 yuan in fen
MAX_PAYMENT = 100_000_00  # 100,000.00 yuan in fen
_RANK = {priority: rank for rank, priority in enumerate(Priority)}  # 0 = highest


@dataclass(frozen=True, slots=True)
class FlowShape:
    """How payments are drawn (see the module docstring); percentages are integers."""

    noise_pct: int = 30
    jitter_pct: int = 10
    urgent_pct: int = 5
    high_pct: int = 15

    def validate(self) -> None:
        for name in ("noise_pct", "jitter_pct", "urgent_pct", "high_pct"):
            if not 0 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be 0..100, got {getattr(self, name)}")
        if self.urgent_pct + self.high_pct > 100:
            raise ValueError("urgent_pct + high_pct must be <= 100")


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """One payment a bank will submit; `number` is its place in submission order."""

    number: int
    sender: str
    receiver: str
    amount: int
    priority: Priority
    uetr: str

    def to_message(self) -> SubmitPayment:
        return SubmitPayment(
            receiver=self.receiver,
            currency=CURRENCY,
            amount=self.amount,
            priority=self.priority.value,
            msg_id=f"BENCH-{self.number:09d}",
            end_to_end_id=f"E2E-{self.number:09d}",
            uetr=self.uetr,
        )

    def to_queued(self, seq: Seq) -> QueuedPayment:
        return QueuedPayment(seq, self.uetr, self.sender, self.receiver, self.amount, self.priority)


def make_bank_ids(count: int) -> list[str]:
    """`bank000`, `bank001`, ... (org ids, sorted as the LSM visits them)."""
    if count < 2:
        raise ValueError(f"need at least 2 banks, got {count}")
    return [f"bank{i:03d}" for i in range(count)]


def generate_payments(
    rng: random.Random, banks: Sequence[str], count: int, shape: FlowShape
) -> list[PaymentOrder]:
    """`count` payments among `banks`, drawn as the module docstring describes."""
    shape.validate()
    legs: list[tuple[str, str, int]] = []
    while len(legs) < count:
        if rng.randrange(100) < shape.noise_pct:
            sender, receiver = rng.sample(list(banks), 2)
            legs.append((sender, receiver, _draw_amount(rng)))
            continue
        cycle = rng.sample(list(banks), rng.randint(2, min(6, len(banks))))
        base = _draw_amount(rng)
        for k, sender in enumerate(cycle[: count - len(legs)]):
            jitter = rng.randint(-shape.jitter_pct, shape.jitter_pct)
            amount = max(1, base * (100 + jitter) // 100)
            legs.append((sender, cycle[(k + 1) % len(cycle)], amount))
    rng.shuffle(legs)
    return [
        PaymentOrder(
            number,
            sender,
            receiver,
            amount,
            _draw_priority(rng, shape),
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )
        for number, (sender, receiver, amount) in enumerate(legs)
    ]


def find_head_payments(orders: Iterable[PaymentOrder]) -> dict[str, PaymentOrder]:
    """Each sender's first payment in gross-retry order (rule 3: highest priority, then oldest)."""
    heads: dict[str, PaymentOrder] = {}
    for order in sorted(orders, key=lambda o: (_RANK[o.priority], o.number)):
        heads.setdefault(order.sender, order)
    return heads


def sum_outflows(orders: Iterable[PaymentOrder]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for order in orders:
        totals[order.sender] = totals.get(order.sender, 0) + order.amount
    return totals


def count_event(events: Iterable[Event], event_type: str, **attributes: str) -> int:
    """How many of `events` have this type and these attribute values."""
    return sum(1 for event in events if is_event(event, event_type, **attributes))


def is_event(event: Event, event_type: str, **attributes: str) -> bool:
    if event.type != event_type:
        return False
    values = dict(event.attributes)
    return all(values.get(name) == value for name, value in attributes.items())


def event_value(event: Event, name: str) -> str:
    return dict(event.attributes)[name]


def describe_violations(violations: Sequence[str]) -> str:
    return "no violations" if not violations else f"{len(violations)} VIOLATIONS: {violations[0]}"


def format_pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def format_yuan(fen: int) -> str:
    """Integer fen as yuan with thousands separators: 123456 -> '1,234.56'."""
    return f"{fen // 100:,}.{fen % 100:02d}"


# ---- a chain with a central bank and N banks --------------------------------------------------


@dataclass
class ClearingChain:
    """A solo-engine node in process, driven one block at a time."""

    suite: CryptoSuite
    keys: dict[str, PrivateKey]
    db: Database
    app: Application
    engine: SoloEngine
    nonces: dict[str, int] = field(default_factory=dict)

    def sign(self, org: str, *msgs: Any) -> bytes:
        """A transaction from `org`'s account with its next local nonce."""
        nonce = self.nonces.get(org, 0)
        self.nonces[org] = nonce + 1
        key = self.keys[org]
        tx = Transaction(CLEARING_CHAIN_ID, self.address(org), nonce, 0, tuple(msgs))
        return sign_transaction(tx, key, self.suite).raw

    def address(self, org: str) -> Address:
        return self.suite.address(self.keys[org].public_key)

    def execute(self, raws: Sequence[bytes]) -> tuple[BlockRecord, list[Receipt]]:
        """check_tx every transaction (each must be admitted), then make one block."""
        for result, _ in self.engine.submit_batch(list(raws)):
            if not result.ok:
                raise RuntimeError(f"check_tx rejected a benchmark tx: {result.code} {result.log}")
        return self.engine.produce_block()

    def execute_ok(self, raws: Sequence[bytes]) -> list[Receipt]:
        """`execute`, and every transaction must have succeeded."""
        _, receipts = self.execute(raws)
        failed = [r for r in receipts if not r.ok]
        if failed or len(receipts) != len(raws):
            detail = f"{failed[0].code} {failed[0].log}" if failed else "missing receipts"
            raise RuntimeError(f"benchmark set-up failed: {detail}")
        return receipts

    def close(self) -> None:
        self.engine.stop()
        self.db.close()


def open_clearing_chain(
    path: Path,
    banks: Sequence[str],
    suite_name: str = "intl",
    auto_process: bool = True,
    block_txs: int = 10_000,
) -> ClearingChain:
    """A fresh chain in `path`: the development organisations (central bank `pboc`) plus
    `banks` (role `bank`, one account each), clearing genesis `{"auto_process": ...}`."""
    suite = get_suite(suite_name)
    orgs = [org for org, _, _ in DEV_ORGS] + list(banks)
    keys = {org: suite.generate_private_key() for org in orgs}
    addresses = {org: suite.address(key.public_key) for org, key in keys.items()}
    genesis = make_dev_genesis(
        CLEARING_CHAIN_ID,
        suite_name,
        {org: addresses[org] for org, _, _ in DEV_ORGS},
        params=ChainParams(max_block_txs=block_txs),
    )
    bank_members = [
        {"id": bank, "name": bank, "roles": ["bank"], "accounts": [format_address(addresses[bank])]}
        for bank in banks
    ]
    genesis = genesis.with_section("members", [*genesis.section("members"), *bank_members])
    genesis = genesis.with_section("clearing", {"auto_process": auto_process})
    db = Database(path)
    app = Application(db, MODULES)
    app.init_chain(genesis)
    engine = SoloEngine(app, SoloConfig(max_block_txs=block_txs))
    return ClearingChain(suite, keys, db, app, engine)


def open_accounts(chain: ClearingChain, banks: Sequence[str], reserves: Mapping[str, int]) -> None:
    """The central bank opens a settlement account (balance 0) for every bank; each bank with a
    reserve then sets it (rule 9). One or two set-up blocks, every transaction ok."""
    chain.execute_ok(_central_bank_txs(chain, [OpenAccount(b, CURRENCY) for b in banks]))
    reserve_txs = [
        chain.sign(bank, SetUrgentReserve(CURRENCY, reserves[bank]))
        for bank in banks
        if reserves.get(bank, 0) > 0
    ]
    if reserve_txs:
        chain.execute_ok(reserve_txs)


def pledge_liquidity(chain: ClearingChain, balances: Mapping[str, int]) -> None:
    """The central bank pledges every bank's balance (one set-up block, every pledge ok)."""
    pledges = [Pledge(b, CURRENCY, balances[b]) for b in sorted(balances) if balances[b] > 0]
    if pledges:
        chain.execute_ok(_central_bank_txs(chain, pledges))


def sign_payments(chain: ClearingChain, orders: Sequence[PaymentOrder]) -> list[bytes]:
    """One signed `SubmitPayment` transaction per order, from the sending bank, in order."""
    return [chain.sign(order.sender, order.to_message()) for order in orders]


def _central_bank_txs(chain: ClearingChain, msgs: Sequence[Any]) -> list[bytes]:
    return [
        chain.sign(CENTRAL_BANK, *msgs[i : i + MAX_MSGS_PER_TX])
        for i in range(0, len(msgs), MAX_MSGS_PER_TX)
    ]


def _draw_amount(rng: random.Random) -> int:
    return rng.randint(MIN_PAYMENT, MAX_PAYMENT)


def _draw_priority(rng: random.Random, shape: FlowShape) -> Priority:
    draw = rng.randrange(100)
    if draw < shape.urgent_pct:
        return Priority.URGENT
    if draw < shape.urgent_pct + shape.high_pct:
        return Priority.HIGH
    return Priority.NORMAL
