"""A chain runs end to end in process: issue, transfer, restart, same app hash (both suites)."""

from __future__ import annotations

from finchain.app import Application
from finchain.modules.bank import Issue, Transfer
from finchain.node.wiring import MODULES
from finchain.store import Database
from tests.helpers import Chain


def test_issue_transfer_and_restart(chain: Chain) -> None:
    a, b = chain.address("bank-a"), chain.address("bank-b")
    receipts = chain.execute(
        chain.sign("pboc", Issue(a, "CNY", 100_000)),
        chain.sign("bank-a", Transfer(b, "CNY", 2_500)),
    )
    assert [r.code for r in receipts] == ["ok", "ok"]
    account = chain.app.query("account", {"address": "0x" + b.hex()}).value
    assert account["balances"] == {"CNY": "2500"}
    assert chain.app.check_invariants() == []
    height, app_hash = chain.app.height, chain.app.app_hash
    chain.db.close()
    chain.db = Database(chain.path)
    restarted = Application(chain.db, MODULES)
    assert (restarted.height, restarted.app_hash) == (height, app_hash)
