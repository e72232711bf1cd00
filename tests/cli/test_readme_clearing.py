"""The README's clearing walkthrough, executed as written (`tests/cli/readme_runner.py`): three
banks in gridlock, resolved by one netting cycle (CLR-5), each bank seeing only its own part,
the regulator's reads audited (G-5), and an XSD-valid camt.053 and pacs.002 at the end."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from finchain.api.audit import verify_audit_log
from finchain.iso20022.schemas import XSD_DIR
from finchain.sdk import Client, Wallet
from tests.cli.readme_runner import get_node_url, run_section

PAYMENTS = {
    "0a1b2c3d-0000-4000-8000-00000000000a": ("bank-a", "bank-b", "10000"),
    "0a1b2c3d-0000-4000-8000-00000000000b": ("bank-b", "bank-c", "10500"),
    "0a1b2c3d-0000-4000-8000-00000000000c": ("bank-c", "bank-a", "9500"),
}


def test_readme_clearing_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with run_section(
        "Clearing walkthrough: three banks in gridlock, resolved by netting", tmp_path, monkeypatch
    ) as run:
        home = run.home
        assert home is not None
        queues = {reader_of(cmd): out for cmd, out in run.outputs.items() if " queue " in cmd}
        assert "QUEUED" in queues["bank-b"]  # the receiver sees the queued payment
        assert "QUEUED" not in queues["bank-c"]  # a bank that is not a party sees nothing
        regulator = Wallet.from_keystore("regulator", "clearing-password", keys_dir=home / "keys")
        bank_c = Wallet.from_keystore("bank-c", "clearing-password", keys_dir=home / "keys")
        url = get_node_url(home)
        basis = "PBOC Law art. 32: payment system oversight"
        with (
            Client(url, reader=regulator, legal_basis=basis) as as_regulator,
            Client(url, reader=bank_c) as as_c,
        ):
            cycles = as_regulator.clearing.cycles()
            [netting] = [c for c in cycles if c["settled"]]
            assert sorted(netting["settled"]) == sorted(PAYMENTS)
            assert netting["net_changes"] == {"bank-a": "-500", "bank-b": "-500", "bank-c": "1000"}
            assert [c["deadlock"] for c in cycles] == [True, True, False]
            balances = {
                a["participant"]: a["balance"] for a in as_regulator.clearing.accounts("CNY")
            }
            assert balances == {"bank-a": "500", "bank-b": "500", "bank-c": "2000"}
            for uetr, (sender, receiver, amount) in PAYMENTS.items():
                payment = as_regulator.clearing.payment(uetr)
                assert (payment["sender"], payment["receiver"], payment["amount"]) == (
                    sender,
                    receiver,
                    amount,
                )
                assert payment["status"] == "SETTLED"
            [seen_by_c] = [c for c in as_c.clearing.cycles() if c["settled"]]
            assert seen_by_c["net_changes"] == {"bank-c": "1000"}
            assert sorted(seen_by_c["settled"]) == sorted(list(PAYMENTS)[1:])
            reads_of_c = as_c.get_audit_reads()  # the regulator's reads that covered bank-c
    # After the walkthrough: the files it wrote validate, and the audit log is intact.
    camt = xmlschema.XMLSchema(str(XSD_DIR / "camt.053.001.08.xsd"))
    statement = camt.to_dict(str(tmp_path / "bank-a-day0.xml"), decimal_type=str)
    balances = [b["Amt"]["$"] for b in statement["BkToCstmrStmt"]["Stmt"][0]["Bal"]]
    assert balances == ["0.00", "5.00"]
    pacs002 = xmlschema.XMLSchema(str(XSD_DIR / "pacs.002.001.10.xsd"))
    report = pacs002.to_dict(str(tmp_path / "a-001-pacs002.xml"))
    assert report["FIToFIPmtStsRpt"]["TxInfAndSts"][0]["TxSts"] == "ACSC"
    assert verify_audit_log(home / "audit" / "reads.jsonl") >= 3
    assert reads_of_c and {e["legal_basis"] for e in reads_of_c} == {basis}


def reader_of(command: str) -> str:
    words = command.split()
    return words[words.index("--as") + 1]
