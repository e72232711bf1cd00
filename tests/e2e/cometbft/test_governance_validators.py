"""Validator-set changes adopted by a governance vote, on a real 4-node CometBFT network.

node0..node2 are the genesis validators (power 10 each); node3 runs from genesis as a full node
(its consensus key is not in genesis.json). Every change goes through `governance/Propose@1`
with a `validators/SetPower@1` action, proposed and opened by pboc and voted `yes` by pboc,
bank-a, bank-b and bank-c: 4 of the dev chain's 5 votes, the `two_thirds` SetPower needs. At the
end of block `voting_end_height` the proposal is EXECUTED, FinalizeBlock returns the update, and
CometBFT applies it at `voting_end_height + 2`; the test checks CometBFT's own `validators` and
`commit` RPC answers, not only the application's records.

1. Adding node3 with power 20 makes it sign blocks: from the effective height on it is in
   CometBFT's validator set and its precommit is in every commit. It must be: the other three
   hold 30 of 50, under two thirds, so no block commits without node3's vote.
2. Removing node2 (power 0) stops its vote counting: it leaves the validator set, commits no
   longer have a slot for it, and with node2 *and* node1 paused (SIGSTOP) node0 and node3 go on
   committing alone with 30 of 40. Had node2's power of 10 still counted, those 30 of 50 would
   be under two thirds and the chain would halt.
3. After SIGCONT, node1 (validator) and node2 (now a full node) catch up, and all four nodes
   hold the same app hash at every height.

The testnet tooling writes every node into genesis as a validator; the test makes node3 a full
node by removing it from the `validators` of each node's genesis.json between
`testnet.generate` and `testnet.up`. The voting period is the genesis default, 10 blocks (about
4 s at this network's pace); `testnet` has no option to set the `governance` genesis section.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from finchain.crypto import get_suite
from finchain.node import testnet
from finchain.node.devgenesis import DEV_ORGS
from finchain.node.testnet_config import NodeLayout, TestnetLayout, find_free_base_port
from finchain.sdk import Client, Wallet, make_set_validator_power
from tests.e2e.cometbft.support import (
    assert_same_app_hashes,
    comet_validators,
    consensus_key,
    get_height,
    validator_address,
    wait_for_height,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")
NODES = 4
GENESIS_POWER = 10  # testnet_config.VALIDATOR_POWER
ADDED_POWER = 20  # node3: the others' 30 of 50 is under two thirds, so node3 must sign
VOTERS = ("pboc", "bank-a", "bank-b", "bank-c")  # 4 of 5 weight: two_thirds
BLOCK_ID_FLAG_COMMIT = 2  # CometBFT's BlockIDFlagCommit: a precommit for the block
UPDATE_DELAY = 2  # an update returned by FinalizeBlock(H) applies at H + 2
BLOCK_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 40.0
PAUSED_BLOCKS = 3  # blocks node0 and node3 must commit alone


def test_governance_adds_and_removes_validators(testnet_dir: Path) -> None:
    started = time.monotonic()
    layout = testnet.generate(testnet_dir, NODES, base_port=find_free_base_port(NODES))
    node0, node1, node2, node3 = layout.nodes
    _make_full_node(layout, node3)
    testnet.up(testnet_dir, NODES)
    addr = {node.name: validator_address(node) for node in layout.nodes}
    keys = testnet.load_test_keys(testnet_dir)
    wallets = [Wallet(SUITE, keys[org], org) for org in VOTERS]

    genesis_set = {addr[n.name]: GENESIS_POWER for n in (node0, node1, node2)}
    assert comet_validators(node0, 1) == genesis_set
    assert get_height(node3) >= 2  # node3 follows the chain without validating

    with Client(node0.api_url) as client:
        # 1. Add node3 with power 20 by a vote.
        action = make_set_validator_power(consensus_key(node3), ADDED_POWER)
        end = _adopt(client, wallets, action, "node3 validates")
        effective = end + UPDATE_DELAY
        wait_for_height(layout.nodes, effective + 3, BLOCK_TIMEOUT_S)
        assert comet_validators(node0, effective - 1) == genesis_set
        added_set = genesis_set | {addr[node3.name]: ADDED_POWER}
        assert comet_validators(node3, effective) == added_set
        assert addr[node3.name] not in _commit_signers(node0, effective - 1)
        for height in range(effective, effective + 3):
            signers = _commit_signers(node1, height)
            assert addr[node3.name] in signers, f"node3 did not sign block {height}"
            _assert_quorum(signers, added_set, height)
        assert _app_validators(client) == {
            consensus_key(n).hex(): p
            for n, p in ((node0, 10), (node1, 10), (node2, 10), (node3, ADDED_POWER))
        }
        print(f"\nnode3 added: validator and signing from height {effective}")

        # 2. Remove node2 by a vote.
        end = _adopt(
            client, wallets, make_set_validator_power(consensus_key(node2), 0), "node2 out"
        )
        effective = end + UPDATE_DELAY
        wait_for_height(layout.nodes, effective + 2, BLOCK_TIMEOUT_S)
        assert comet_validators(node0, effective - 1) == added_set
        reduced_set = {k: v for k, v in added_set.items() if k != addr[node2.name]}
        assert comet_validators(node2, effective) == reduced_set
        for height in range(effective, effective + 2):
            slots = _commit_slots(node0, height)
            assert len(slots) == len(reduced_set) and addr[node2.name] not in slots, slots
        assert set(_app_validators(client)) == {
            consensus_key(n).hex() for n in (node0, node1, node3)
        }

        # node0 + node3 (30 of 40) commit alone: node2's vote is no longer needed, nor node1's.
        paused = (node1, node2)
        try:
            for node in paused:
                testnet.signal_node(testnet_dir, node.name, signal.SIGSTOP)
            live = (node0, node3)
            from_height = max(get_height(node) for node in live) + 3  # past any in-flight vote
            wait_for_height(live, from_height + PAUSED_BLOCKS - 1, BLOCK_TIMEOUT_S)
            for height in range(from_height, from_height + PAUSED_BLOCKS):
                signers = _commit_signers(node0, height)
                assert signers == {addr[node0.name], addr[node3.name]}, (height, signers)
                _assert_quorum(signers, reduced_set, height)
        finally:
            for node in paused:
                testnet.signal_node(testnet_dir, node.name, signal.SIGCONT)
        last = from_height + PAUSED_BLOCKS - 1
        print(f"node2 removed at {effective}; node0 + node3 committed {from_height}..{last} alone")

    # 3. Everyone catches up and agrees.
    head = max(get_height(node) for node in layout.nodes) + 1
    wait_for_height(layout.nodes, head, BLOCK_TIMEOUT_S)
    with httpx.Client(timeout=30) as http:
        assert_same_app_hashes(http, layout.nodes, range(1, head + 1))
    print(f"4 nodes agree up to height {head}; {time.monotonic() - started:.1f}s")


def _make_full_node(layout: TestnetLayout, node: NodeLayout) -> None:
    """Drop `node` from the validators of every node's genesis.json (before the first start):
    it then runs as a full node with a consensus key no validator set contains."""
    address = validator_address(node)
    for each in layout.nodes:
        path = Path(each.cometbft_home) / "config" / "genesis.json"
        genesis = json.loads(path.read_text())
        genesis["validators"] = [v for v in genesis["validators"] if v["address"] != address]
        path.write_text(json.dumps(genesis, indent=2) + "\n")


def _adopt(client: Client, wallets: Sequence[Wallet], action: Any, title: str) -> int:
    """Propose `action` (the first wallet, pboc, proposes and opens), vote yes with every
    wallet, wait for the close; asserts EXECUTED and returns the closing height."""
    proposer = wallets[0]
    proposed = client.governance.propose(proposer, action, title)
    assert proposed.threshold == "two_thirds"
    opened = client.governance.open_voting(proposer, proposed.proposal_id)
    assert opened.receipt is not None
    event = opened.receipt.find_event("governance.voting_opened")
    assert event is not None
    end = int(event.attributes["voting_end_height"])
    votes = [
        client.governance.vote(wallet, proposed.proposal_id, "yes", mode="async")
        for wallet in wallets
    ]
    for vote in votes:
        info = client.wait_for_tx(vote.hash, timeout=BLOCK_TIMEOUT_S)
        assert info.ok and info.height <= end, (info.receipt, end)
    closed = client.governance.wait_for_close(proposed.proposal_id, timeout=CLOSE_TIMEOUT_S)
    assert closed["status"] == "EXECUTED", closed
    assert closed["voting_end_height"] == end
    assert closed["tally"] == {"yes": len(wallets), "no": 0, "abstain": 0, "total": len(DEV_ORGS)}
    return end


def _commit(node: NodeLayout, height: int) -> dict[str, Any]:
    result = testnet.rpc_call(node.rpc_url, "commit", {"height": str(height)})
    return dict(result["signed_header"]["commit"])


def _commit_signers(node: NodeLayout, height: int) -> set[str]:
    """Addresses whose precommit for the block is in CometBFT's commit of `height`."""
    return {
        s["validator_address"]
        for s in _commit(node, height)["signatures"]
        if s["block_id_flag"] == BLOCK_ID_FLAG_COMMIT
    }


def _commit_slots(node: NodeLayout, height: int) -> list[str]:
    """Every address the commit of `height` has a slot for (one per validator of that height;
    absent validators' slots have an empty address)."""
    return [s["validator_address"] for s in _commit(node, height)["signatures"]]


def _assert_quorum(signers: set[str], validators: dict[str, int], height: int) -> None:
    signed = sum(validators[a] for a in signers)
    total = sum(validators.values())
    assert 3 * signed > 2 * total, f"block {height}: {signed} of {total} signed"


def _app_validators(client: Client) -> dict[str, int]:
    return {v["pub_key"]: int(v["power"]) for v in client.get_validators()}
