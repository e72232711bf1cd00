"""pacs.008 / pacs.009 in: samples parse exactly; every kind of bad input gets its stable code."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from finchain.errors import InvalidTransaction
from finchain.iso20022 import PaymentInstruction, parse_payment_instructions
from finchain.iso20022.schemas import XSD_DIR

SAMPLES = Path(__file__).parent / "samples"
PACS008 = (SAMPLES / "pacs008_two_transactions.xml").read_bytes()
PACS009 = (SAMPLES / "pacs009_interbank.xml").read_bytes()
UETR_1 = "8a562c67-ca16-48ba-b074-65581be6f011"


def variant(source: bytes, old: str, new: str) -> bytes:
    """`source` with the first `old` replaced; fails loudly if the sample no longer has it."""
    assert old.encode() in source, old
    return source.replace(old.encode(), new.encode(), 1)


def rejection(xml: bytes) -> InvalidTransaction:
    with pytest.raises(InvalidTransaction) as info:
        parse_payment_instructions(xml)
    return info.value


def test_pacs008_sample_parses_two_transactions_exactly() -> None:
    first, second = parse_payment_instructions(PACS008)
    assert first == PaymentInstruction(
        kind="pacs.008",
        msg_id="ICBK20240315-0001",
        creation_time="2024-03-15T09:30:00+08:00",
        settlement_method="CLRG",
        instr_id="INSTR-1",
        end_to_end_id="E2E-INVOICE-42",
        uetr=UETR_1,
        amount=12345,
        currency="CNY",
        settlement_date="2024-03-15",
        priority="HIGH",
        debtor_agent_bic="ICBKCNBJ",
        creditor_agent_bic="BKCHCNBJXXX",
        debtor_name="Shanghai Tea Trading Co.",
        debtor_account="6222020200001234567",
        creditor_name="Beijing Porcelain Ltd.",
        creditor_account="6216610100009876543",
        charge_bearer="SLEV",
    )
    assert (second.end_to_end_id, second.amount, second.currency) == ("E2E-SALARY-7", 100000, "CNY")
    assert second.settlement_date == "2024-03-16"  # the transaction's date beats the group's
    assert second.priority == "URGENT"  # SttlmPrty URGT
    assert second.instr_id is None and second.debtor_account is None
    assert second.creditor_account == "DE89370400440532013000"  # IBAN


def test_pacs009_sample_parses_bank_parties() -> None:
    first, second = parse_payment_instructions(PACS009)
    assert first.kind == second.kind == "pacs.009"
    assert (first.amount, first.currency) == (25_000_000_000, "USD")
    assert (first.debtor_agent_bic, first.creditor_agent_bic) == ("BKCHCNBJ", "CITIUS33")
    assert (first.debtor_name, first.creditor_name) == ("Bank of China", "Citibank N.A.")
    assert first.priority == "NORMAL"  # group-level InstrPrty NORM
    assert first.charge_bearer is None
    assert (second.amount, second.currency) == (5_000_000, "JPY")
    assert second.creditor_agent_bic == "BOTKJPJT"  # CdtrAgt wins over Cdtr
    assert second.debtor_agent_bic == "BKCHCNBJ"  # no DbtrAgt: the debtor bank itself
    assert second.debtor_account == "NOSTRO-JPY-001"
    assert second.priority == "HIGH"  # transaction InstrPrty beats the group's


def test_priority_defaults_to_normal() -> None:
    xml = variant(PACS008, "<PmtTpInf>\n        <InstrPrty>HIGH</InstrPrty>\n      </PmtTpInf>", "")
    assert parse_payment_instructions(xml)[0].priority == "NORMAL"


def test_trailing_zeros_beyond_currency_decimals_are_accepted() -> None:
    xml = variant(PACS008, ">123.45<", ">123.4500<")
    assert parse_payment_instructions(xml)[0].amount == 12345


@pytest.mark.parametrize(
    ("old", "new", "path_part"),
    [
        ("<EndToEndId>E2E-INVOICE-42</EndToEndId>", "", "PmtId"),
        ('<IntrBkSttlmAmt Ccy="CNY">123.45', '<IntrBkSttlmAmt Ccy="cny">123.45', "IntrBkSttlmAmt"),
        ('<IntrBkSttlmAmt Ccy="CNY">123.45', '<IntrBkSttlmAmt Ccy="CNYX">123.45', "IntrBkSttlmAmt"),
        (UETR_1, UETR_1.upper(), "UETR"),  # the XSD's UUIDv4 pattern is lower case only
        ("<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>NONE</ChrgBr>", "ChrgBr"),
        ("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>two</NbOfTxs>", "NbOfTxs"),
    ],
    ids=[
        "missing_end_to_end_id",
        "lower_case_currency",
        "long_currency",
        "upper_uetr",
        "chrgbr",
        "nb_of_txs_text",
    ],
)
def test_invalid_schema(old: str, new: str, path_part: str) -> None:
    error = rejection(variant(PACS008, old, new))
    assert str(error.code) == "iso20022/schema_invalid"
    assert path_part in error.details["path"]
    assert error.details["path"].startswith("/Document/FIToFICstmrCdtTrf/")
    assert error.details["path"] in error.message and error.details["reason"]
    assert error.details["message_version"] == "pacs.008.001.08"


def test_invalid_schema_wrong_element_order() -> None:
    moved = variant(PACS008, "<ChrgBr>SLEV</ChrgBr>", "")
    xml = variant(
        moved,
        '<IntrBkSttlmAmt Ccy="CNY">123.45',
        '<ChrgBr>SLEV</ChrgBr><IntrBkSttlmAmt Ccy="CNY">123.45',
    )
    error = rejection(xml)
    assert str(error.code) == "iso20022/schema_invalid"
    assert "CdtTrfTxInf" in error.details["path"]


def test_invalid_missing_uetr() -> None:
    # Surprise: UETR is optional in the pacs.008.001.08 XSD (mandatory only from .09 on, or by
    # CBPR+ rules), so this is finchain's own rule with its own code, not a schema failure.
    xml = variant(PACS008, f"<UETR>{UETR_1}</UETR>", "")
    assert xmlschema.XMLSchema(str(XSD_DIR / "pacs.008.001.08.xsd")).is_valid(xml)
    error = rejection(xml)
    assert str(error.code) == "iso20022/missing_field"
    assert error.details["path"] == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/PmtId/UETR"


def test_invalid_missing_agent_bic() -> None:
    xml = variant(PACS008, "<BICFI>ABOCCNBJ</BICFI>", "<Nm>Agricultural Bank of China</Nm>")
    error = rejection(xml)
    assert str(error.code) == "iso20022/missing_field"
    assert error.details["path"].endswith("CdtTrfTxInf[2]/CdtrAgt/FinInstnId/BICFI")


def test_invalid_missing_settlement_date() -> None:
    xml = PACS009.replace(b"<IntrBkSttlmDt>2024-03-15</IntrBkSttlmDt>", b"")
    assert str(rejection(xml).code) == "iso20022/missing_field"


@pytest.mark.parametrize(
    ("old", "new"), [("<NbOfTxs>2<", "<NbOfTxs>3<"), ("<NbOfTxs>2<", "<NbOfTxs>1<")]
)
def test_invalid_nb_of_txs_mismatch(old: str, new: str) -> None:
    error = rejection(variant(PACS008, old, new))
    assert str(error.code) == "iso20022/bad_group_header"
    assert error.details["actual"] == 2
    assert error.details["path"].endswith("GrpHdr/NbOfTxs")


def test_invalid_control_sum_mismatch() -> None:
    error = rejection(variant(PACS008, "<CtrlSum>1123.45<", "<CtrlSum>1123.46<"))
    assert str(error.code) == "iso20022/bad_group_header"


def test_invalid_total_amount_mismatch() -> None:
    xml = variant(PACS008, '<TtlIntrBkSttlmAmt Ccy="CNY">', '<TtlIntrBkSttlmAmt Ccy="USD">')
    assert str(rejection(xml).code) == "iso20022/bad_group_header"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (">250000000.00<", ">250000000.001<"),
        (">5000000<", ">5000000.5<"),
        (">250000000.00<", ">0.00<"),
    ],
    ids=["usd_three_decimals", "jpy_fraction", "zero"],
)
def test_invalid_amount(old: str, new: str) -> None:
    error = rejection(variant(PACS009, old, new))
    assert str(error.code) == "iso20022/bad_amount"


def test_invalid_too_many_fraction_digits_in_pacs008() -> None:
    xml = variant(PACS008, ">123.45<", ">123.456<")  # a bad amount, not a wrong control sum
    assert str(rejection(xml).code) == "iso20022/bad_amount"


def test_invalid_unsupported_currency() -> None:
    error = rejection(variant(PACS009, 'Ccy="USD"', 'Ccy="XAU"'))
    assert str(error.code) == "iso20022/unsupported_currency"


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
        "urn:example:not-iso",
    ],
)
def test_invalid_unknown_namespace(namespace: str) -> None:
    error = rejection(variant(PACS008, "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08", namespace))
    assert str(error.code) == "iso20022/unsupported_message"
    assert error.details["namespace"] == namespace


def test_invalid_no_namespace() -> None:
    xml = variant(PACS008, ' xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"', "")
    assert str(rejection(xml).code) == "iso20022/unsupported_message"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></FIToFICstmrCdtTrf></Document>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&lol3;</Document>"""
PLAIN_DOCTYPE = PACS008.replace(b"?>\n", b"?>\n<!DOCTYPE Document>\n", 1)


@pytest.mark.parametrize(
    "xml", [XXE, BILLION_LAUGHS, PLAIN_DOCTYPE], ids=["xxe", "laughs", "doctype"]
)
def test_invalid_doctype_and_entities(xml: bytes) -> None:
    assert b"<!DOCTYPE" in xml
    error = rejection(xml)
    assert str(error.code) == "iso20022/malformed_xml"


@pytest.mark.parametrize(
    "xml", [b"", b"not xml", PACS008[:-40]], ids=["empty", "text", "truncated"]
)
def test_invalid_malformed_xml(xml: bytes) -> None:
    assert str(rejection(xml).code) == "iso20022/malformed_xml"
