"""Validator-set changes on real CometBFT: an admin's `validators/SetPower` transaction, inside
the bootstrap window its genesis configures (`validators.bootstrap_height`), becomes ABCI
ValidatorUpdates, and CometBFT's own validator set follows two heights later. (After the window
only a governance vote changes the set: `test_governance_validators.py`.)

A 2-validator network (power 10 each, so both must sign): removing node1 leaves node0 signing
alone, and the chain goes on, with node1 following as a full node that agrees on every app hash;
adding node1 back with power 5 makes CometBFT report both again. Also at the ABCI boundary: the
InitChain validators are recorded, the app_state's bootstrap height with them, and FinalizeBlock
returns the update with the Ed25519 key.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from finchain.crypto import PrivateKey, get_suite
from finchain.engine.abci import AbciHandlers
from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci
from finchain.engine.abci.proto.tendermint.crypto import keys_pb2
from finchain.model import Transaction, sign_transaction
from finchain.modules.validators import SetPower
from finchain.node import testnet
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.node import build_application
from finchain.node.testnet_config import NodeLayout, TestnetLayout, find_free_base_port
from finchain.sdk import Client, Wallet
from finchain.store import Database
from tests.e2e.cometbft.support import comet_validators, consensus_key, validator_address
from tests.helpers import CHAIN_ID, GENESIS_TIME_MS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

SUITE = get_suite("intl")
KEY_A = bytes([0xA1]) * 32
NEW_KEY = bytes([0xC3]) * 32
BOOTSTRAP_HEIGHT = 10_000  # far beyond the heights these tests reach
BOOTSTRAP_SECTION = {"bootstrap_height": BOOTSTRAP_HEIGHT}  # the set itself comes from InitChain


def test_abci_init_chain_records_validators_and_finalize_returns_updates(tmp_path: Path) -> None:
    keys: dict[str, PrivateKey] = {org: SUITE.generate_private_key() for org, _, _ in DEV_ORGS}
    orgs = {org: SUITE.address(key.public_key) for org, key in keys.items()}
    genesis = make_dev_genesis(CHAIN_ID, "intl", orgs, {}, GENESIS_TIME_MS)
    genesis = genesis.with_section("validators", BOOTSTRAP_SECTION)
    db = Database(tmp_path / "db")
    try:
        app = build_application(db)
        handlers = AbciHandlers(app)
        init = abci.RequestInitChain(
            chain_id=CHAIN_ID,
            app_state_bytes=genesis.encode(),
            initial_height=1,
            validators=[abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=KEY_A), power=10)],
        )
        handlers.handle(abci.Request(init_chain=init))
        assert app.query("validators", {}).value == [{"pub_key": KEY_A.hex(), "power": 10}]

        tx = Transaction(CHAIN_ID, orgs["pboc"], 0, 0, (SetPower(NEW_KEY, 4),), "", 0)
        raw = sign_transaction(tx, keys["pboc"], SUITE).raw
        request = abci.RequestFinalizeBlock(txs=[raw], height=1, hash=b"\x01" * 32)
        response = handlers.handle(abci.Request(finalize_block=request)).finalize_block
        assert [r.code for r in response.tx_results] == [0]
        assert list(response.validator_updates) == [
            abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=NEW_KEY), power=4)
        ]
        handlers.handle(abci.Request(commit=abci.RequestCommit()))
    finally:
        db.close()


def test_invalid_init_chain_with_a_non_ed25519_validator_key(tmp_path: Path) -> None:
    keys = {org: SUITE.generate_private_key() for org, _, _ in DEV_ORGS}
    orgs = {org: SUITE.address(key.public_key) for org, key in keys.items()}
    genesis = make_dev_genesis(CHAIN_ID, "intl", orgs, {}, GENESIS_TIME_MS)
    db = Database(tmp_path / "db")
    try:
        handlers = AbciHandlers(build_application(db))
        init = abci.RequestInitChain(
            chain_id=CHAIN_ID,
            app_state_bytes=genesis.encode(),
            validators=[
                abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(secp256k1=b"\x02" * 33), power=1)
            ],
        )
        response = handlers.handle(abci.Request(init_chain=init))
        assert "Ed25519" in response.exception.error
        assert not handlers.app.is_initialised
    finally:
        db.close()


def test_admin_removes_and_re_adds_a_validator_within_the_bootstrap_window(
    testnet_dir: Path,
) -> None:
    generated = testnet.generate(testnet_dir, 2, base_port=find_free_base_port(2))
    _set_bootstrap_height(generated)
    layout = testnet.up(testnet_dir, 2)
    node0, node1 = layout.nodes
    admin = Wallet(SUITE, testnet.load_test_keys(testnet_dir)["pboc"], "pboc")
    node1_key = consensus_key(node1)

    with Client(node0.api_url) as client:
        assert {v["pub_key"] for v in client.get_validators()} == {
            consensus_key(node0).hex(),
            node1_key.hex(),
        }
        # Remove node1: node0 alone signs from two heights after the removal on.
        removal = client.validators.set_power(admin, node1_key, 0)
        assert [e.type for e in removal.receipt.events] == ["validators.power_changed"]
        effective = removal.receipt.height + 2
        testnet.wait_for_blocks(layout, effective + 3, timeout_s=30)
        assert comet_validators(node0, effective + 1) == {validator_address(node0): 10}
        assert [v["power"] for v in client.get_validators()] == [10]

        # node1 still follows as a full node and agrees on the app hash.
        height = effective + 2
        assert _app_hash(node0, height) == _app_hash(node1, height)

        # Add node1 back with power 5: both must sign again, and blocks still commit.
        addition = client.validators.set_power(admin, base64.b64encode(node1_key).decode(), 5)
        effective = addition.receipt.height + 2
        testnet.wait_for_blocks(layout, effective + 3, timeout_s=30)
        expected = {validator_address(node0): 10, validator_address(node1): 5}
        assert comet_validators(node1, effective + 1) == expected


def _set_bootstrap_height(layout: TestnetLayout) -> None:
    """Give every node's CometBFT genesis (the same document) the bootstrap window."""
    for node in layout.nodes:
        path = Path(node.cometbft_home) / "config" / "genesis.json"
        genesis = json.loads(path.read_text())
        genesis["app_state"]["validators"] = BOOTSTRAP_SECTION
        path.write_text(json.dumps(genesis, indent=2) + "\n")


def _app_hash(node: NodeLayout, height: int) -> str:
    header = testnet.rpc_call(node.rpc_url, "block", {"height": str(height)})
    return str(header["block"]["header"]["app_hash"])
