"""A real node for SDK and CLI tests: a home with a dev genesis, served on a free 127.0.0.1 port.

The organisation keys are generated here (wallets); `write_keys` also stores them in HOME/keys
(fast scrypt, test password) for the CLI tests.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from finchain.node.config import NodeConfig, save_node_config
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.node import Node
from finchain.sdk import Keyring, Wallet

CHAIN_ID = "finchain-sdk-test"
TEST_PASSWORD = "test-password"
FAST_SCRYPT_N = 2**4


@dataclass
class RunningNode:
    home: Path
    node: Node
    suite_name: str
    wallets: dict[str, Wallet]

    @property
    def url(self) -> str:
        return self.node.url

    def address(self, name: str) -> str:
        return self.wallets[name].address_hex


def write_home(home: Path, suite_name: str, *, keys: bool = False) -> dict[str, Wallet]:
    """genesis.json (dev genesis, fresh keys) and node.json (port 0) in `home`."""
    wallets = {org: Wallet.generate(suite_name, name=org) for org, _, _ in DEV_ORGS}
    org_accounts = {org: bytes(w.address) for org, w in wallets.items()}
    genesis = make_dev_genesis(
        CHAIN_ID, suite_name, org_accounts, genesis_time_ms=time.time_ns() // 1_000_000
    )
    home.mkdir(parents=True, exist_ok=True)
    (home / "genesis.json").write_text(json.dumps(genesis.to_json()), encoding="utf-8")
    save_node_config(home, dataclasses.replace(NodeConfig(), api_port=0))
    if keys:
        keyring = Keyring(home / "keys", scrypt_n=FAST_SCRYPT_N)
        for name, wallet in wallets.items():
            keyring.add(name, wallet.private_key, wallet.suite, TEST_PASSWORD)
    return wallets


@contextmanager
def run_node(home: Path, suite_name: str, *, keys: bool = False) -> Iterator[RunningNode]:
    """Write a home, start its node in the background, stop it afterwards."""
    wallets = write_home(home, suite_name, keys=keys)
    node = Node.open(home)
    node.start_background()
    try:
        yield RunningNode(home, node, suite_name, wallets)
    finally:
        node.stop()
