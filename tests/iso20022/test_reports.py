"""pacs.002 and camt.053 out: every emitted message validates and carries the exact values."""

from __future__ import annotations

import datetime as dt
import filecmp
import functools
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from finchain.errors import InternalError
from finchain.iso20022 import (
    CURRENCY_DECIMALS,
    StatementEntry,
    TransactionStatus,
    build_statement,
    build_status_report,
    format_amount,
)
from finchain.iso20022.schemas import XSD_DIR

CREATED_AT = dt.datetime(2024, 3, 15, 18, 0, tzinfo=dt.UTC)
DAY_START = dt.datetime(2024, 3, 15, 0, 0, tzinfo=dt.UTC)
DAY_END = dt.datetime(2024, 3, 15, 23, 59, 59, tzinfo=dt.UTC)
UETR_1 = "8a562c67-ca16-48ba-b074-65581be6f011"
UETR_2 = "2f1e7c3a-5b4d-4c8e-9a0b-1c2d3e4f5a6b"
SHARED_XSD = Path(__file__).resolve().parents[3] / "shared" / "data" / "iso20022" / "xsd"


@functools.cache
def official_schema(kind_version: str) -> xmlschema.XMLSchema:
    """A schema built here from the file, independent of the codec's own cached instance."""
    return xmlschema.XMLSchema(str(XSD_DIR / f"{kind_version}.xsd"))


def decode(kind_version: str, xml: bytes) -> dict[str, Any]:
    """Validate `xml` against the official XSD (raises if invalid) and decode it."""
    schema = official_schema(kind_version)
    schema.validate(xml)
    decoded = schema.to_dict(xml, decimal_type=str)
    assert isinstance(decoded, dict)
    return decoded


ALL_STATUSES = [
    TransactionStatus("E2E-1", "ACTC"),
    TransactionStatus("E2E-2", "ACCP", uetr=UETR_1, instr_id="INSTR-2"),
    TransactionStatus("E2E-3", "ACSP", uetr=UETR_2),
    TransactionStatus("E2E-4", "ACSC", uetr=UETR_1),
    TransactionStatus("E2E-5", "PDNG", additional_info="queued behind older URGENT payments"),
    TransactionStatus("E2E-6", "RJCT", reason_code="AM04"),
    TransactionStatus(
        "E2E-7",
        "RJCT",
        reason_proprietary="clearing/unsettled_at_eod",
        additional_info="unsettled at end of day",
    ),
]


def test_status_report_validates_and_carries_every_status() -> None:
    xml = build_status_report(
        "ICBK20240315-0001", "pacs.008", ALL_STATUSES, msg_id="FC-STS-1", created_at=CREATED_AT
    )
    report = decode("pacs.002.001.10", xml)["FIToFIPmtStsRpt"]
    assert report["GrpHdr"] == {"MsgId": "FC-STS-1", "CreDtTm": "2024-03-15T18:00:00+00:00"}
    assert report["OrgnlGrpInfAndSts"] == [
        {"OrgnlMsgId": "ICBK20240315-0001", "OrgnlMsgNmId": "pacs.008.001.08"}
    ]
    transactions = report["TxInfAndSts"]
    assert [t["TxSts"] for t in transactions] == [s.status for s in ALL_STATUSES]
    assert [t["OrgnlEndToEndId"] for t in transactions] == [s.end_to_end_id for s in ALL_STATUSES]
    assert [t.get("OrgnlUETR") for t in transactions] == [s.uetr for s in ALL_STATUSES]
    assert transactions[1]["OrgnlInstrId"] == "INSTR-2"
    assert transactions[5]["StsRsnInf"] == [{"Rsn": {"Cd": "AM04"}}]
    assert transactions[6]["StsRsnInf"] == [
        {"Rsn": {"Prtry": "clearing/unsettled_at_eod"}, "AddtlInf": ["unsettled at end of day"]}
    ]
    assert "StsRsnInf" not in transactions[3]


def test_status_report_is_deterministic() -> None:
    def build() -> bytes:
        return build_status_report(
            "M-9", "pacs.009", ALL_STATUSES, msg_id="S-9", created_at=CREATED_AT
        )

    assert build() == build()
    assert b"pacs.009.001.08" in build()


def test_invalid_status_values_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        TransactionStatus("E2E-1", "RJCT")
    with pytest.raises(ValueError, match="unknown TxSts"):
        TransactionStatus("E2E-1", "DONE")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        TransactionStatus("E2E-1", "RJCT", reason_code="AM04", reason_proprietary="x")
    with pytest.raises(ValueError, match="at least one"):
        build_status_report("M", "pacs.008", [], msg_id="S", created_at=CREATED_AT)


def test_schema_invalid_output_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match="MsgId"):
        build_status_report(
            "M", "pacs.008", ALL_STATUSES[:1], msg_id="X" * 36, created_at=CREATED_AT
        )


ENTRIES = [
    StatementEntry("FC-1-0", 12345, "CRDT", dt.date(2024, 3, 15), "E2E-INVOICE-42", UETR_1),
    StatementEntry("FC-1-1", 500000, "DBIT", dt.date(2024, 3, 15), "E2E-SALARY-7"),
    StatementEntry("FC-1-2", 1, "CRDT", dt.date(2024, 3, 15)),
]


def test_statement_validates_and_carries_balances_and_entries() -> None:
    xml = build_statement(
        "6222020200001234567",
        "CNY",
        "STMT-20240315-ICBK",
        CREATED_AT,
        DAY_START,
        DAY_END,
        opening_balance=100000,
        closing_balance=100000 + 12345 - 500000 + 1,
        entries=ENTRIES,
    )
    message = decode("camt.053.001.08", xml)["BkToCstmrStmt"]
    assert message["GrpHdr"]["MsgId"] == "STMT-20240315-ICBK"
    (statement,) = message["Stmt"]
    assert statement["Acct"] == {"Id": {"Othr": {"Id": "6222020200001234567"}}, "Ccy": "CNY"}
    assert statement["FrToDt"] == {
        "FrDtTm": "2024-03-15T00:00:00+00:00",
        "ToDtTm": "2024-03-15T23:59:59+00:00",
    }
    opening, closing = statement["Bal"]
    assert opening["Tp"]["CdOrPrtry"]["Cd"] == "OPBD"
    assert (opening["Amt"], opening["CdtDbtInd"]) == ({"$": "1000.00", "@Ccy": "CNY"}, "CRDT")
    assert closing["Tp"]["CdOrPrtry"]["Cd"] == "CLBD"
    assert (closing["Amt"], closing["CdtDbtInd"]) == ({"$": "3876.54", "@Ccy": "CNY"}, "DBIT")
    assert closing["Dt"] == {"Dt": "2024-03-15"}
    entries = statement["Ntry"]
    assert [e["NtryRef"] for e in entries] == ["FC-1-0", "FC-1-1", "FC-1-2"]
    assert [e["Amt"]["$"] for e in entries] == ["123.45", "5000.00", "0.01"]
    assert [e["CdtDbtInd"] for e in entries] == ["CRDT", "DBIT", "CRDT"]
    assert entries[0]["BookgDt"] == {"Dt": "2024-03-15"}
    assert entries[0]["NtryDtls"][0]["TxDtls"][0]["Refs"] == {
        "EndToEndId": "E2E-INVOICE-42",
        "UETR": UETR_1,
    }
    assert entries[1]["NtryDtls"][0]["TxDtls"][0]["Refs"] == {"EndToEndId": "E2E-SALARY-7"}
    assert "NtryDtls" not in entries[2]


def test_invalid_statement_that_does_not_reconcile() -> None:
    with pytest.raises(ValueError, match="does not reconcile"):
        build_statement("A", "CNY", "S", CREATED_AT, DAY_START, DAY_END, 0, 1, ENTRIES)


@settings(max_examples=25, deadline=None)
@given(
    currency=st.sampled_from(sorted(CURRENCY_DECIMALS)),
    opening=st.integers(-(10**15), 10**15),
    movements=st.lists(st.integers(-(10**15), 10**15).filter(bool), max_size=4),
)
def test_statement_amounts_round_trip(currency: str, opening: int, movements: list[int]) -> None:
    entries = [
        StatementEntry(f"E{i}", abs(m), "CRDT" if m > 0 else "DBIT", dt.date(2024, 3, 15))
        for i, m in enumerate(movements)
    ]
    closing = opening + sum(movements)
    xml = build_statement(
        "ACC-1", currency, "S-1", CREATED_AT, DAY_START, DAY_END, opening, closing, entries
    )
    (statement,) = decode("camt.053.001.08", xml)["BkToCstmrStmt"]["Stmt"]
    for balance, expected in zip(statement["Bal"], [opening, closing], strict=True):
        assert balance["Amt"] == {"$": format_amount(abs(expected), currency), "@Ccy": currency}
        assert balance["CdtDbtInd"] == ("CRDT" if expected >= 0 else "DBIT")
    texts = [entry["Amt"]["$"] for entry in statement.get("Ntry", [])]
    assert texts == [format_amount(abs(m), currency) for m in movements]


@pytest.mark.skipif(not SHARED_XSD.is_dir(), reason="shared/ data not present")
def test_bundled_xsds_are_unmodified_copies() -> None:
    bundled = sorted(XSD_DIR.glob("*.xsd"))
    assert len(bundled) == 4
    for path in bundled:
        (original,) = SHARED_XSD.rglob(path.name)
        assert filecmp.cmp(path, original, shallow=False), path.name
