"""Quick re-sends of the same signed bytes to several nodes at once, checked against the chain.

A real 4-validator network on 127.0.0.1. Threads send every transfer to all four nodes' REST
APIs, several times over and in shuffled order (so later nonces often arrive before earlier ones
and each node meets bytes its peers are gossiping to it: CometBFT's "tx already exists in cache"
and `tx/nonce_gap` from one node while another holds the earlier nonce), in both modes. Every
answer is recorded per transaction (the client history). A careful client then re-sends, in
nonce order, whatever has not committed, and the chain settles. The history must agree with the
chain (docs/api.md, "Definite and indefinite answers"):
- a transaction answered with a definite failure (any 4xx) never committed;
- a transaction answered ok (`pending` or `committed`) committed exactly once;
- no transaction committed twice, and no 4xx names a transaction that committed.
Definite failures are exercised too: bytes signed for another chain, and after the settle a
second transfer with an already committed nonce (`tx/nonce_reused` below the committed nonce).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from finchain.crypto import get_suite
from finchain.node import testnet
from finchain.node.testnet_config import NodeLayout, find_free_base_port
from tests.e2e.cometbft.support import (
    fetch_block_records,
    get_height,
    sign_transfer,
    wait_for_app_height,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")
VALIDATORS = 4
SENDERS = 6
TXS_PER_SENDER = 5
ROUNDS = 3  # each transfer goes to every node this many times, all at once
WORKERS = 48
REQUEST_TIMEOUT_S = 40.0  # above the API's 30 s commit timeout
SETTLE_TIMEOUT_S = 30.0
RPC_BATCH = 10
MODES = ("async", "commit")  # CometBFT's default max_request_batch_size


@dataclass(frozen=True, slots=True)
class Answer:
    """One API answer about one transaction: `kind` is ok, definite (4xx) or indefinite."""

    node: str
    mode: str
    status: int  # 0: no HTTP answer (timeout, dropped connection)
    code: str  # the error code, or the tx status when ok

    @property
    def kind(self) -> str:
        if self.status == 200:
            return "ok"
        if 400 <= self.status < 500:
            return "definite"
        return "indefinite"


class History:
    """Every answer the clients got, per transaction hash (hex); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.answers: dict[str, list[Answer]] = defaultdict(list)

    def record(self, tx_hash: str, answer: Answer) -> None:
        with self._lock:
            self.answers[tx_hash].append(answer)

    def with_kind(self, kind: str) -> set[str]:
        return {h for h, answers in self.answers.items() if any(a.kind == kind for a in answers)}

    def summary(self) -> Counter[tuple[str, int, str]]:
        return Counter(
            (a.mode, a.status, a.code) for answers in self.answers.values() for a in answers
        )


def test_concurrent_resends_to_several_nodes_match_the_chain(testnet_dir: Path) -> None:
    started = time.monotonic()
    layout = testnet.up(testnet_dir, VALIDATORS, base_port=find_free_base_port(VALIDATORS))
    keys = testnet.load_test_keys(testnet_dir)
    nodes, chain_id = layout.nodes, layout.chain_id
    recipient = SUITE.address(keys[f"user{SENDERS}"].public_key)
    transfers = {  # sender -> its transfers in nonce order
        i: [
            sign_transfer(chain_id, keys[f"user{i}"], recipient, 100 * i + n + 1, nonce=n)
            for n in range(TXS_PER_SENDER)
        ]
        for i in range(SENDERS)
    }
    foreign = [sign_transfer("other-chain", keys[f"user{i}"], recipient, 1, 0) for i in range(2)]
    history = History()

    with httpx.Client(timeout=REQUEST_TIMEOUT_S, limits=httpx.Limits(max_connections=64)) as http:
        # 1. Every transfer to every node, ROUNDS times, shuffled, both modes, all at once.
        sends = [
            (raw, node, "commit" if (r + k + n) % 3 == 0 else "async")
            for r in range(ROUNDS)
            for raws in transfers.values()
            for n, raw in enumerate(raws)
            for k, node in enumerate(nodes)
        ]
        sends += [(raw, node, "async") for raw in foreign for node in nodes]
        random.Random(15).shuffle(sends)
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda s: _send(http, history, *s), sends))

        # 2. A careful client: re-send what has not committed, in nonce order, until it has.
        all_raws = [raw for raws in transfers.values() for raw in raws]
        _resend_until_committed(http, history, nodes, transfers)

        # 3. Definite failures after the settle: a new transfer for an already committed nonce.
        reused = [sign_transfer(chain_id, keys[f"user{i}"], recipient, 7, 0) for i in range(2)]
        resends = [(raw, node, mode) for raw in reused for node in nodes for mode in MODES]
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda s: _send(http, history, *s), resends))

        # 4. The chain settles: a few more blocks, every app at the same height.
        target = max(get_height(node) for node in nodes) + 3
        testnet.wait_for_blocks(layout, target, timeout_s=SETTLE_TIMEOUT_S)
        wait_for_app_height(nodes, target)
        inclusions = _count_inclusions(http, nodes[0], range(1, target + 1))

    # The client history against the chain.
    ok, definite = history.with_kind("ok"), history.with_kind("definite")
    committed = {h for h, count in inclusions.items() if count > 0}
    summary = history.summary()
    print(
        f"{len(history.answers)} txs, {sum(summary.values())} answers in "
        f"{time.monotonic() - started:.1f}s: {dict(summary)}"
    )
    assert {SUITE.hash(raw).hex() for raw in all_raws} <= committed
    assert {h for h, count in inclusions.items() if count > 1} == set()
    for tx_hash in ok:
        assert inclusions.get(tx_hash, 0) == 1, (tx_hash, history.answers[tx_hash])
    assert definite & committed == set(), {h: history.answers[h] for h in definite & committed}
    assert {SUITE.hash(raw).hex() for raw in foreign + reused} <= definite
    assert definite == {SUITE.hash(raw).hex() for raw in foreign + reused}


def _send(http: httpx.Client, history: History, raw: bytes, node: NodeLayout, mode: str) -> None:
    tx_hash = SUITE.hash(raw).hex()
    try:
        reply = http.post(f"{node.api_url}/v1/txs", json={"tx": raw.hex(), "mode": mode})
    except httpx.HTTPError as exc:
        history.record(tx_hash, Answer(node.name, mode, 0, type(exc).__name__))
        return
    body = reply.json()
    code = str(body.get("status") if reply.status_code == 200 else body.get("code"))
    if reply.status_code == 200:
        assert body["hash"] == tx_hash, body
    history.record(tx_hash, Answer(node.name, mode, reply.status_code, code))


def _resend_until_committed(
    http: httpx.Client,
    history: History,
    nodes: Sequence[NodeLayout],
    transfers: dict[int, list[bytes]],
) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    waiting = [raw for raws in transfers.values() for raw in raws]
    while waiting:
        assert time.monotonic() < deadline, f"{len(waiting)} transfers never committed"
        waiting = [raw for raw in waiting if not _is_committed(http, nodes[0], raw)]
        for raw in waiting:  # in nonce order per sender: nonce gaps close as we go
            _send(http, history, raw, nodes[0], "async")
        time.sleep(0.3)


def _is_committed(http: httpx.Client, node: NodeLayout, raw: bytes) -> bool:
    reply = http.get(f"{node.api_url}/v1/txs/{SUITE.hash(raw).hex()}")
    return reply.status_code == 200


def _count_inclusions(http: httpx.Client, node: NodeLayout, heights: range) -> Counter[str]:
    """How many times each transaction hash appears in the node's committed blocks."""
    counts: Counter[str] = Counter()
    for start in range(heights.start, heights.stop, RPC_BATCH):
        chunk = range(start, min(start + RPC_BATCH, heights.stop))
        for record in fetch_block_records(http, node, chunk):
            counts.update(record["tx_hashes"])
    return counts
