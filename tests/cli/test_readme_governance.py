"""The README's governance and supervision walkthrough, executed as written
(`tests/cli/readme_runner.py`): a member admitted by vote (GOV-1: executed with its threshold),
a freeze by directive honoured by the ante (SUP-1), and a large-value report whose hash the
regulator recomputes (REG-3) with its reads logged (REG-2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from finchain.api.audit import verify_audit_log
from finchain.sdk import Client, FinchainApiError, Wallet
from finchain.sdk.messages import make_transfer
from tests.cli.readme_runner import get_node_url, run_section

SECTION = "Governance and supervision walkthrough: a new bank by vote, a freeze, a verified report"
PASSWORD = "consortium-password"


def test_readme_governance_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with run_section(SECTION, tmp_path, monkeypatch) as run:
        home = run.home
        assert home is not None
        show = next(out for cmd, out in run.outputs.items() if cmd.startswith("finchain gov show"))
        assert "EXECUTED" in show
        with Client(get_node_url(home)) as client:
            [proposal] = client.governance.proposals()
            assert proposal["status"] == "EXECUTED"
            assert proposal["tally"] == {"yes": 3, "no": 1, "abstain": 0, "total": 5}
            assert list(client.get_member("bank-d").roles) == ["bank"]
            [directive] = client.supervision.directives()
            assert (directive["status"], directive["kind"]) == ("LIFTED", "freeze_account")
            [report] = client.supervision.reports()
            assert (report["status"], report["submitter"], report["report_height"]) == (
                "ACKNOWLEDGED",
                "bank-d",
                10,
            )
            bank_d = Wallet.from_keystore("bank-d", PASSWORD, keys_dir=home / "keys")
            regulator = Wallet.from_keystore("regulator", PASSWORD, keys_dir=home / "keys")
            # The directive's effect, checked directly: while frozen the account sends nothing.
            frozen = client.supervision.freeze_account(regulator, bank_d.address_hex, "test")
            with pytest.raises(FinchainApiError) as refused:
                client.sign_and_submit(bank_d, make_transfer(bank_d.address_hex, "CNY", 1))
            assert refused.value.code == "tx/account_frozen"
            client.supervision.lift_directive(regulator, frozen.directive_id, "test done")
        verify = next(out for cmd, out in run.outputs.items() if " reg verify " in cmd)
        assert "hash matches" in verify
    csv_lines = (tmp_path / "bank-d-lvt.csv").read_text().splitlines()
    assert csv_lines[0].startswith("# finchain report large_value_transfers")
    assert "height=10 " in csv_lines[0]
    assert any(",bank-d,bank-a,CNY,300000000," in line for line in csv_lines[2:])
    assert verify_audit_log(home / "audit" / "reads.jsonl") >= 1
