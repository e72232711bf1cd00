"""Supervisory reports on a real chain: exact contents, REG-3 (a report is a deterministic
function of the ledger at a stated height: the same hash after replay from genesis, a different
one at another height), the report API's access rules, and the submit/review round trip.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from finchain.api import ApiSettings, NodeServices, create_api
from finchain.app import Application
from finchain.model.read_auth import (
    PUBLIC_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    read_signing_payload,
)
from finchain.modules.bank import Transfer
from finchain.modules.clearing.messages import OpenAccount, Pledge, SubmitPayment
from finchain.modules.supervision.messages import ReviewReport, SubmitReport
from finchain.reports import Report, generate_report
from finchain.store import Database
from tests.app.support import assert_replay_reproduces
from tests.helpers import CHAIN_ID, Chain, make_chain

UETR = "0a1b2c3d-0000-4000-8000-00000000000a"
LIMIT = {"CNY": 50_000}  # 500.00 yuan: the test's large-value threshold


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """user0, user1 (accounts of bank-a) hold CNY; bank-a and bank-b settle in clearing."""
    c = make_chain(tmp_path / "chain", "intl", extra_accounts=2)
    c.execute(
        c.sign("user0", Transfer(c.address("bank-b"), "CNY", 70_000)),
        c.sign("user1", Transfer(c.address("bank-c"), "CNY", 20_000)),
    )
    c.execute(
        *(c.sign("pboc", OpenAccount(b, "CNY")) for b in ("bank-a", "bank-b")),
        c.sign("pboc", Pledge("bank-a", "CNY", 90_000)),
    )
    c.execute(c.sign("bank-a", SubmitPayment("bank-b", "CNY", 60_000, "NORMAL", "M", "E", UETR)))
    yield c
    c.close()


def report(chain: Chain, report_type: str, height: int, org: str | None = None) -> Report:
    view = chain.app.view_at(height)
    return generate_report(view, chain.db, CHAIN_ID, height, report_type, org, LIMIT)


def test_reports_say_who_holds_and_moved_what(chain: Chain) -> None:
    height = chain.app.height
    balances = report(chain, "balances", height)
    assert ("bank-b", "CNY", "bank", "70000") in balances.rows
    assert ("bank-c", "CNY", "bank", "20000") in balances.rows
    assert ("bank-a", "CNY", "settlement", "30000") in balances.rows
    assert ("bank-b", "CNY", "settlement", "60000") in balances.rows
    flows = {row[0]: row[2:] for row in report(chain, "flows", height).rows}
    # bank-a's users paid out 90,000 fen of money and 60,000 by clearing; bank-b received both.
    assert flows["bank-a"] == ("0", "150000", "0", "3")
    assert flows["bank-b"] == ("130000", "0", "2", "0")
    large = report(chain, "large_value_transfers", height)
    assert [(r[2], r[3], r[4], r[6], r[7]) for r in large.rows] == [
        ("transfer", "bank-a", "bank-b", "70000", ""),
        ("clearing", "bank-a", "bank-b", "60000", UETR),
    ]
    assert large.params == {"org": "*", "thresholds": LIMIT}
    csv_text = large.to_csv()
    assert csv_text.splitlines()[0].endswith(f"height={height} sha256={large.hash}")
    assert csv_text.splitlines()[1] == "height,tx_hash,kind,from_org,to_org,asset,amount,reference"
    scoped = report(chain, "balances", height, org="bank-c")
    assert scoped.rows == (("bank-c", "CNY", "bank", "20000"),)


def test_reg3_a_report_recomputed_after_replay_has_the_same_hash(
    chain: Chain, tmp_path: Path
) -> None:
    height = chain.app.height
    originals = {t: report(chain, t, height).hash for t in ("balances", "flows")}
    originals["lvt"] = report(chain, "large_value_transfers", height).hash
    earlier = report(chain, "balances", height - 1).hash
    assert earlier != originals["balances"]  # the clearing payment moved settlement balances

    def recompute(replica: Application, replica_db: Database) -> None:
        view = replica.view_at(height)
        for report_type in ("balances", "flows"):
            again = generate_report(view, replica_db, CHAIN_ID, height, report_type)
            assert again.hash == originals[report_type]
        lvt = generate_report(
            view, replica_db, CHAIN_ID, height, "large_value_transfers", None, LIMIT
        )
        assert lvt.hash == originals["lvt"]

    assert_replay_reproduces(chain.db, tmp_path / "replica", then=recompute)


def signed_get(
    client: TestClient, chain: Chain, name: str, target: str, basis: str = ""
) -> httpx.Response:
    timestamp = int(time.time() * 1000)
    payload = read_signing_payload(CHAIN_ID, "GET", target, timestamp, b"", basis)
    headers = {
        PUBLIC_KEY_HEADER: chain.keys[name].public_key.hex(),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: chain.keys[name].sign(payload).hex(),
    }
    if basis:
        headers["x-finchain-legal-basis"] = basis
    return client.get(target, headers=headers)


def test_a_bank_reports_its_own_data_and_the_regulator_reviews_it(chain: Chain) -> None:
    """The submission round trip: bank-b generates its large-value report through the API,
    submits the hash on chain; the regulator recomputes the same report on its node and
    acknowledges it."""
    api = create_api(NodeServices(chain.app, chain.engine, chain.db), ApiSettings())
    height = chain.app.height
    target = f"/v1/reports/large_value_transfers?height={height}&threshold=CNY:50000"
    with TestClient(api, raise_server_exceptions=False) as client:
        own = signed_get(client, chain, "bank-b", target)
        assert own.status_code == 200
        body = own.json()
        assert body["params"]["org"] == "bank-b" and body["height"] == height
        other = signed_get(client, chain, "bank-b", target + "&org=bank-c")
        assert other.status_code == 404
        anonymous = client.get(target)
        assert anonymous.status_code == 401
        chain.execute(
            chain.sign(
                "bank-b", SubmitReport("large_value_transfers", height, bytes.fromhex(body["hash"]))
            )
        )
        basis = "AML Law art. 35"
        review = signed_get(client, chain, "regulator", target + "&org=bank-b", basis)
        assert review.json()["hash"] == body["hash"]
        no_basis = signed_get(client, chain, "regulator", target + "&org=bank-b")
        assert no_basis.status_code == 403
        csv = signed_get(client, chain, "bank-b", target + "&format=csv")
        assert csv.text.startswith("# finchain report large_value_transfers")
    [submitted] = chain.app.query("supervision/reports", {}).value
    assert submitted["report_hash"] == body["hash"]
    chain.execute(chain.sign("regulator", ReviewReport(0, "ACKNOWLEDGED", "recomputed: equal")))
    [reviewed] = chain.app.query("supervision/reports", {}).value
    assert reviewed["status"] == "ACKNOWLEDGED"
