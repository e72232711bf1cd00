"""Faults on a 4-validator CometBFT testnet (f = 1), each under a steady load of transfers.

Every test starts a fresh network and `TransferLoad` (load.py: user0..user3 send to user4..user7,
sender i always through node i's REST API), injects one fault, and ends by checking the load:
every transfer the API acknowledged (`pending`/`committed`) is in exactly one block on every
node, at the same height, with an `ok` receipt readable through the API; no transfer the API
rejected is in any block; every node holds the same app hash and block hash at every height;
and every user's CNY balance is exactly what the committed transfers make it (so the supply is
unchanged).

- SIGKILL of one validator (app and CometBFT): the other three go on committing transactions;
  restarted by `testnet.start_node`, it blocksyncs and agrees on every app hash within 10 s.
- SIGSTOP of one validator (both processes): the other three go on; after SIGCONT it catches up
  through consensus gossip with its in-memory state and agrees.
- Two of four validators killed: less than 2/3 of the power is left, so the other two commit
  nothing (their height stays fixed for seconds) and still agree with each other; restarted,
  the four resume and agree on every height.
- SIGKILL of only the app, inside a block: CometBFT v0.38 notices the closed ABCI connection,
  logs "... connection terminated. Did the application crash? Please restart CometBFT" and
  ends itself (SIGTERM to its own process; gone within a second); it never reconnects, so both
  are restarted. The Info handshake then replays the block the app had not committed, and the
  app hashes agree at every height.
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from finchain.crypto import format_address, get_suite
from finchain.node import testnet
from finchain.node.testnet_config import (
    DEFAULT_USERS,
    USER_BALANCE,
    NodeLayout,
    TestnetLayout,
    find_free_base_port,
)
from tests.e2e.cometbft.load import LoadReport, Sender, SignedTransfer, TransferLoad
from tests.e2e.cometbft.support import (
    assert_same_app_hashes,
    fetch_block_records,
    get_height,
    wait_for_app_height,
    wait_for_height,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")
VALIDATORS = 4
WARM_UP_ACKS = 40  # acknowledged transfers before a fault: the load is flowing
FAULT_BLOCKS = 4  # blocks the live validators must commit while the victim is out
CATCH_UP_BOUND_S = 10.0  # the bound: restart to agreement
RECOVERY_TIMEOUT_S = 60.0  # a wait that fails the test rather than hanging it
HALT_SETTLE_S = 1.0  # a block whose votes were complete before the kill may still land
HALT_OBSERVE_S = 4.0
COMMIT_TIMEOUT_S = 30.0
NEW_ACKS = 16  # two batches of the load
FREEZE_ATTEMPTS = 30
FREEZE_S = 0.6  # long enough for CometBFT to run into the frozen app
APP_CRASH_NOTICE = "connection terminated. Did the application crash? Please restart CometBFT"


@dataclass(frozen=True, slots=True)
class LoadedTestnet:
    directory: Path
    layout: TestnetLayout
    accounts: Mapping[str, bytes]  # user name -> address
    load: TransferLoad

    @property
    def nodes(self) -> tuple[NodeLayout, ...]:
        return self.layout.nodes


@pytest.fixture
def loaded_testnet(testnet_dir: Path) -> Iterator[LoadedTestnet]:
    """A fresh 4-validator network with the transfer load running (stopped at teardown)."""
    layout = testnet.up(testnet_dir, VALIDATORS, base_port=find_free_base_port(VALIDATORS))
    keys = testnet.load_test_keys(testnet_dir)
    accounts = {
        f"user{i}": SUITE.address(keys[f"user{i}"].public_key) for i in range(DEFAULT_USERS)
    }
    senders = [
        Sender(f"user{i}", keys[f"user{i}"], accounts[f"user{i + VALIDATORS}"], node.api_url)
        for i, node in enumerate(layout.nodes)
    ]
    load = TransferLoad(layout.chain_id, senders)
    load.start()
    try:
        yield LoadedTestnet(testnet_dir, layout, accounts, load)
    finally:
        load.stop()


# ---- the faults -----------------------------------------------------------------------------


def test_sigkill_one_validator_others_commit_and_it_catches_up(
    loaded_testnet: LoadedTestnet,
) -> None:
    net = loaded_testnet
    live, victim = net.nodes[:3], net.nodes[3]
    net.load.wait_for_acknowledged(WARM_UP_ACKS, timeout_s=30)

    # CometBFT first: killed second, it could already have stopped itself on seeing its app die.
    killed = testnet.signal_node(net.directory, victim.name, signal.SIGKILL, ("cometbft", "app"))
    assert sorted(r.role for r in killed) == ["app", "cometbft"]
    fault_from = _max_height(live)
    wait_for_height(live, fault_from + FAULT_BLOCKS, timeout_s=RECOVERY_TIMEOUT_S)
    fault_to = _min_height(live)

    restarted_at = time.monotonic()
    testnet.start_node(net.directory, victim.name)
    started_s = time.monotonic() - restarted_at  # mostly the app's Python start-up
    head = _wait_until_caught_up(victim, live, RECOVERY_TIMEOUT_S)
    with httpx.Client(timeout=30) as client:
        assert_same_app_hashes(client, net.nodes, range(1, head + 1))
    agreed_s = time.monotonic() - restarted_at
    timing = f"{agreed_s:.1f}s after the restart ({started_s:.1f}s in start_node)"
    print(f"\nSIGKILL: {victim.name} missed {fault_from}..{fault_to}, agreed up to {head} {timing}")
    assert agreed_s <= CATCH_UP_BOUND_S, f"caught up and agreed only {timing}"

    _wait_for_new_transfers_through(net, [victim])
    report = _stop_load_and_check_every_transfer(net, [victim], range(fault_from, fault_to))
    print(report.summary())


def test_sigstop_sigcont_one_validator(loaded_testnet: LoadedTestnet) -> None:
    net = loaded_testnet
    live, victim = net.nodes[:3], net.nodes[3]
    net.load.wait_for_acknowledged(WARM_UP_ACKS, timeout_s=30)

    stopped = testnet.signal_node(net.directory, victim.name, signal.SIGSTOP)
    try:
        assert sorted(r.role for r in stopped) == ["app", "cometbft"]
        time.sleep(0.1)
        assert all(psutil.Process(r.pid).status() == psutil.STATUS_STOPPED for r in stopped)
        fault_from = _max_height(live)
        wait_for_height(live, fault_from + FAULT_BLOCKS, timeout_s=RECOVERY_TIMEOUT_S)
        fault_to = _min_height(live)
    finally:  # CometBFT first, so the resumed app never broadcasts to a frozen CometBFT
        testnet.signal_node(net.directory, victim.name, signal.SIGCONT, ("cometbft", "app"))
    continued_at = time.monotonic()
    head = _wait_until_caught_up(victim, live, RECOVERY_TIMEOUT_S)
    with httpx.Client(timeout=30) as client:
        assert_same_app_hashes(client, net.nodes, range(1, head + 1))
    print(
        f"\nSIGSTOP: {victim.name} missed heights {fault_from}..{fault_to}; after SIGCONT it "
        f"agreed up to height {head} in {time.monotonic() - continued_at:.1f}s"
    )

    _wait_for_new_transfers_through(net, [victim])
    report = _stop_load_and_check_every_transfer(net, [victim], range(fault_from, fault_to))
    print(report.summary())


def test_two_of_four_stopped_halts_without_divergence(loaded_testnet: LoadedTestnet) -> None:
    """SIGKILL rather than SIGSTOP: a crash is the harder case. The two killed validators come
    back from their WAL and block store (not from intact memory, which the SIGSTOP test already
    covers), both at once, into a network that went through many rounds, but no height, without
    them; and two survivors that cannot commit must not be talked into anything meanwhile."""
    net = loaded_testnet
    live, victims = net.nodes[:2], net.nodes[2:]
    net.load.wait_for_acknowledged(WARM_UP_ACKS, timeout_s=30)

    for victim in victims:
        testnet.signal_node(net.directory, victim.name, signal.SIGKILL, ("cometbft", "app"))
    halted = _wait_until_stalled(live, HALT_SETTLE_S, timeout_s=RECOVERY_TIMEOUT_S)
    acks_at_halt = net.load.acknowledged_count()
    time.sleep(HALT_OBSERVE_S)
    assert [get_height(node) for node in live] == halted, "2 of 4 validators made progress"
    with httpx.Client(timeout=30) as client:
        assert_same_app_hashes(client, live, range(1, min(halted) + 1))
    # The two survivors still admit transfers to their mempools (committed after recovery).
    assert net.load.acknowledged_count() > acks_at_halt

    restarted_at = time.monotonic()
    for victim in victims:
        testnet.start_node(net.directory, victim.name)
    resumed = max(halted) + 3
    wait_for_height(net.nodes, resumed, timeout_s=RECOVERY_TIMEOUT_S)
    print(
        f"\nhalted at heights {halted} for {HALT_SETTLE_S + HALT_OBSERVE_S:.0f}s+; all four "
        f"reached {resumed} {time.monotonic() - restarted_at:.1f}s after the restart"
    )

    _wait_for_new_transfers_through(net, victims)
    report = _stop_load_and_check_every_transfer(net, victims, range(max(halted), resumed))
    print(report.summary())


def test_app_killed_mid_block_replays_on_restart(loaded_testnet: LoadedTestnet) -> None:
    """The app is SIGKILLed while CometBFT waits for it inside a block with transactions: the
    test freezes the app (SIGSTOP) until CometBFT has stored a block the app has not committed
    (block store ahead of the last "committed state" in cometbft.log), then kills it. CometBFT
    ends itself at once (see the module docstring), so `start_node` restarts both; the app comes
    back at the last height it committed, one behind CometBFT's block store (level with it if
    the kill came after its database write), and the ABCI Info handshake replays the stored
    block (or just CometBFT's state) before the node blocksyncs the rest."""
    net = loaded_testnet
    live, victim = net.nodes[:3], net.nodes[3]
    net.load.wait_for_acknowledged(WARM_UP_ACKS, timeout_s=30)

    stored = _freeze_app_inside_a_block(net.directory, victim)
    [killed] = testnet.signal_node(net.directory, victim.name, signal.SIGKILL, ("app",))
    assert killed.role == "app"
    cometbft_exit_s = _wait_until_cometbft_exits(net.directory, victim, timeout_s=10)
    cometbft_log = (net.directory / victim.name / "cometbft.log").read_text(errors="replace")
    assert APP_CRASH_NOTICE in cometbft_log
    fault_from = _max_height(live)
    wait_for_height(live, fault_from + 2, timeout_s=RECOVERY_TIMEOUT_S)  # it misses some

    starts = len(_app_start_heights(net.directory, victim))
    restarted_at = time.monotonic()
    testnet.start_node(net.directory, victim.name)
    app_height = _wait_for_app_start_height(net.directory, victim, after=starts)
    assert stored - 1 <= app_height <= stored, (app_height, stored)
    head = _wait_until_caught_up(victim, live, RECOVERY_TIMEOUT_S)
    with httpx.Client(timeout=30) as client:
        assert_same_app_hashes(client, net.nodes, range(1, head + 1))
    print(
        f"\napp killed inside block {stored}; CometBFT exited {cometbft_exit_s:.2f}s later; "
        f"the app restarted at height {app_height}, replayed and agreed up to {head} in "
        f"{time.monotonic() - restarted_at:.1f}s"
    )

    _wait_for_new_transfers_through(net, [victim])
    report = _stop_load_and_check_every_transfer(net, [victim], range(stored, stored + 1))
    print(report.summary())


# ---- checks after the load --------------------------------------------------------------------


def _stop_load_and_check_every_transfer(
    net: LoadedTestnet, victims: Sequence[NodeLayout], busy_heights: range
) -> LoadReport:
    """Stop the load; then every acknowledged transfer is committed exactly once everywhere, no
    rejected one is, the nodes agree on every block, blocks in `busy_heights` (the fault) hold
    transactions, every victim's API serves every committed transfer's receipt, and balances
    are exactly what the committed transfers make them."""
    report = net.load.stop()
    started = time.monotonic()
    assert report.acknowledged, "the load got nothing acknowledged"
    nodes = net.nodes
    with httpx.Client(timeout=30) as client:
        # Nonces commit in order: each sender's last acknowledged transfer commits last.
        last_by_sender: dict[str, SignedTransfer] = {}
        for transfer in report.acknowledged.values():
            last = last_by_sender.get(transfer.sender)
            if last is None or transfer.nonce > last.nonce:
                last_by_sender[transfer.sender] = transfer
        for node in nodes:
            for transfer in last_by_sender.values():
                _wait_for_receipt(client, node, transfer.tx_hash)

        top = _min_height(nodes)
        wait_for_app_height(nodes, top)
        records = {
            node.name: fetch_block_records(client, node, range(1, top + 1)) for node in nodes
        }
        _assert_records_agree(records)
        inclusions = {name: _tx_heights(node_records) for name, node_records in records.items()}

        problems = []
        for tx_hash in report.acknowledged:  # one height, the same on every node
            heights = {name: tuple(found.get(tx_hash, ())) for name, found in inclusions.items()}
            if len(set(heights.values())) != 1 or len(heights[nodes[0].name]) != 1:
                problems.append(f"acknowledged {tx_hash} is at heights {heights}")
        for tx_hash, code in report.rejected.items():
            if any(tx_hash in found for found in inclusions.values()):
                problems.append(f"rejected ({code}) {tx_hash} was committed")
        for tx_hash in report.unknown:
            if any(len(found.get(tx_hash, [])) > 1 for found in inclusions.values()):
                problems.append(f"{tx_hash} (unanswered) was committed more than once")
        assert not problems, f"{len(problems)} problems, e.g. {problems[:5]}; {report.summary()}"

        busy = [r["num_txs"] for r in records[nodes[0].name] if r["height"] in busy_heights]
        assert sum(busy) > 0, f"no transactions committed at heights {busy_heights}"

        unanswered = {h: t for h, t in report.unknown.items() if h in inclusions[nodes[0].name]}
        committed = {**report.acknowledged, **unanswered}
        height_of = {h: inclusions[nodes[0].name][h][0] for h in committed}
        _assert_receipts_ok(nodes, victims, committed, height_of)
        _assert_balances(client, net, committed.values())
        _assert_rejected_not_found(client, nodes, report.rejected)
    print(f"checked the load's transfers in {time.monotonic() - started:.1f}s")
    return report


def _assert_records_agree(records: dict[str, list[dict[str, Any]]]) -> None:
    for per_height in zip(*records.values(), strict=True):
        height = per_height[0]["height"]
        assert len({r["app_hash"] for r in per_height}) == 1, f"app hashes differ at {height}"
        assert len({r["hash"] for r in per_height}) == 1, f"block hashes differ at {height}"


def _tx_heights(records: list[dict[str, Any]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for record in records:
        for tx_hash in record["tx_hashes"]:
            found[tx_hash].append(record["height"])
    return found


def _assert_receipts_ok(
    nodes: Sequence[NodeLayout],
    victims: Sequence[NodeLayout],
    committed: dict[str, SignedTransfer],
    height_of: dict[str, int],
) -> None:
    """`GET /v1/txs/{hash}` of every committed transfer on every victim and on one of the other
    nodes (in turn; the blocks already showed the height on all): an `ok` receipt at the height
    the blocks show. One client thread per node."""
    others = [node for node in nodes if node not in victims]
    hashes = sorted(committed)
    share = {node.name: hashes for node in victims}
    share.update({node.name: hashes[i :: len(others)] for i, node in enumerate(others)})

    def check(node: NodeLayout) -> list[str]:
        wrong = []
        with httpx.Client(base_url=node.api_url, timeout=30) as client:
            for tx_hash in share[node.name]:
                reply = client.get(f"/v1/txs/{tx_hash}")
                body = reply.json() if reply.status_code == 200 else {}
                receipt = body.get("receipt", {})
                if body.get("height") != height_of[tx_hash] or receipt.get("code") != "ok":
                    wrong.append(f"{node.name} {tx_hash}: {reply.status_code} {body}")
        return wrong

    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        wrong = [w for ws in pool.map(check, nodes) for w in ws]
    assert not wrong, f"{len(wrong)} receipts wrong, e.g. {wrong[:3]}"


def _assert_balances(
    client: httpx.Client, net: LoadedTestnet, committed: Iterable[SignedTransfer]
) -> None:
    expected = dict.fromkeys(net.accounts, USER_BALANCE)
    name_of = {address: name for name, address in net.accounts.items()}
    for transfer in committed:
        expected[transfer.sender] -= transfer.amount
        expected[name_of[transfer.recipient]] += transfer.amount
    for node in net.nodes:
        balances = {
            name: int(
                client.get(f"{node.api_url}/v1/accounts/{format_address(address)}/balances")
                .json()
                .get("CNY", "0")
            )
            for name, address in net.accounts.items()
        }
        assert sum(balances.values()) == DEFAULT_USERS * USER_BALANCE, node.name
        assert balances == expected, f"{node.name}: balances differ from the committed transfers"


def _assert_rejected_not_found(
    client: httpx.Client, nodes: Sequence[NodeLayout], rejected: dict[str, str]
) -> None:
    for i, tx_hash in enumerate(sorted(rejected)):
        node = nodes[i % len(nodes)]
        reply = client.get(f"{node.api_url}/v1/txs/{tx_hash}")
        assert reply.status_code == 404, f"rejected {tx_hash} found on {node.name}: {reply.text}"


# ---- helpers ----------------------------------------------------------------------------------


def _wait_for_new_transfers_through(net: LoadedTestnet, nodes: Sequence[NodeLayout]) -> None:
    """Wait until the sender bound to each of `nodes` gets new transfers acknowledged: the
    recovered nodes take load again (and their senders resynchronise their nonces)."""
    for node in nodes:
        sender = f"user{net.nodes.index(node)}"
        count = net.load.acknowledged_count(sender)
        net.load.wait_for_acknowledged(count + NEW_ACKS, COMMIT_TIMEOUT_S, sender=sender)


def _wait_until_stalled(nodes: Sequence[NodeLayout], quiet_s: float, timeout_s: float) -> list[int]:
    """Wait until `nodes` all sit at one height that did not change for `quiet_s`; returns
    their heights."""
    deadline = time.monotonic() + timeout_s
    previous: list[int] = []
    while True:
        heights = [get_height(node) for node in nodes]
        if heights == previous and len(set(heights)) == 1:
            return heights
        assert time.monotonic() < deadline, f"never stalled: heights {heights}"
        previous = heights
        time.sleep(quiet_s)


def _wait_until_caught_up(node: NodeLayout, others: Sequence[NodeLayout], timeout_s: float) -> int:
    """Wait until `node` has every block the others had a moment before; returns its height."""
    deadline = time.monotonic() + timeout_s
    while True:
        head = _max_height(others)
        try:
            height = get_height(node, timeout_s=2.0)
        except (httpx.HTTPError, testnet.TestnetError):
            height = 0  # still starting
        if height >= head:
            return height
        assert time.monotonic() < deadline, f"{node.name} at {height}, the others at {head}"
        time.sleep(0.1)


def _freeze_app_inside_a_block(directory: Path, node: NodeLayout) -> int:
    """SIGSTOP the node's app, retrying at random moments, until CometBFT has stored a block with
    transactions that the app has not committed; returns its height (the app stays frozen)."""
    log_path = directory / node.name / "cometbft.log"
    for attempt in range(FREEZE_ATTEMPTS):
        testnet.signal_node(directory, node.name, signal.SIGSTOP, ("app",))
        time.sleep(FREEZE_S)
        stored = get_height(node)
        if stored > _last_committed_state(log_path) and _num_txs(node, stored) > 0:
            print(f"\nfroze the app inside block {stored} at attempt {attempt + 1}")
            return stored
        testnet.signal_node(directory, node.name, signal.SIGCONT, ("app",))
        time.sleep(random.uniform(0.05, 0.4))
    raise AssertionError(f"never froze the app inside a block in {FREEZE_ATTEMPTS} attempts")


def _last_committed_state(log_path: Path) -> int:
    """The last height CometBFT logged "committed state" for (state:info in the testnet)."""
    text = log_path.read_text(errors="replace")
    heights = re.findall(r"committed state\s+module=state height=(\d+)", text)
    return int(heights[-1]) if heights else 0


def _num_txs(node: NodeLayout, height: int) -> int:
    block = testnet.rpc_call(node.rpc_url, "block", {"height": str(height)}, timeout_s=2.0)
    return len(block["block"]["data"]["txs"] or [])


def _wait_until_cometbft_exits(directory: Path, node: NodeLayout, timeout_s: float) -> float:
    started = time.monotonic()
    while True:
        [status] = [s for s in testnet.status(directory) if s.name == node.name]
        if not status.cometbft_running:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout_s, "CometBFT outlived its app"
        time.sleep(0.05)


def _app_start_heights(directory: Path, node: NodeLayout) -> list[int]:
    """The committed height the app reported at each start ("engine started" lines)."""
    text = (directory / node.name / "app.log").read_text(errors="replace")
    return [int(h) for h in re.findall(r"engine started engine=cometbft height=(\d+)", text)]


def _wait_for_app_start_height(directory: Path, node: NodeLayout, after: int) -> int:
    """The height of the app's start number `after + 1` (logged just after its port opens)."""
    deadline = time.monotonic() + COMMIT_TIMEOUT_S
    while len(heights := _app_start_heights(directory, node)) <= after:
        assert time.monotonic() < deadline, "the restarted app never logged its start"
        time.sleep(0.05)
    return heights[after]


def _wait_for_receipt(client: httpx.Client, node: NodeLayout, tx_hash: str) -> None:
    deadline = time.monotonic() + COMMIT_TIMEOUT_S
    while True:
        reply = client.get(f"{node.api_url}/v1/txs/{tx_hash}")
        if reply.status_code == 200:
            return
        assert reply.status_code == 404, reply.text
        assert time.monotonic() < deadline, f"{tx_hash} not committed on {node.name}"
        time.sleep(0.1)


def _max_height(nodes: Sequence[NodeLayout]) -> int:
    return max(get_height(node) for node in nodes)


def _min_height(nodes: Sequence[NodeLayout]) -> int:
    return min(get_height(node) for node in nodes)
