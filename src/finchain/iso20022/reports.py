"""Outgoing reports: pacs.002.001.10 payment status and camt.053.001.08 account statement.

Owns the building of both messages from plain values. Every message is validated against its
official XSD before it is returned; a failure is a finchain bug and raises `InternalError`.
Amounts go out as exact decimal text of the integer minor units (`format_amount`).

Must never: read the wall clock or generate ids. The message id and creation time come from the
caller (from the block header), so the same inputs always give the same bytes. Pure; safe from
any thread.
"""

from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

from finchain.iso20022.amounts import format_amount
from finchain.iso20022.records import PaymentKind, StatementEntry, TransactionStatus
from finchain.iso20022.schemas import MESSAGE_VERSIONS, MessageKind, namespace_of, validate_output

ENTRY_STATUS_BOOKED = "BOOK"
BANK_TRANSACTION_DOMAIN = "PMNT"
BANK_TRANSACTION_FAMILY = {"CRDT": "RCDT", "DBIT": "ICDT"}  # received / issued credit transfers
BANK_TRANSACTION_SUB_FAMILY = "OTHR"


def build_status_report(
    original_msg_id: str,
    original_kind: PaymentKind,
    statuses: list[TransactionStatus],
    *,
    msg_id: str,
    created_at: dt.datetime,
) -> bytes:
    """A pacs.002.001.10 reporting `statuses` of the transactions of message `original_msg_id`."""
    if not statuses:
        raise ValueError("a status report needs at least one transaction status")
    xml = _XmlBuilder("pacs.002")
    report = xml.child(xml.root, "FIToFIPmtStsRpt")
    header = xml.child(report, "GrpHdr")
    xml.child(header, "MsgId", msg_id)
    xml.child(header, "CreDtTm", created_at.isoformat())
    original_group = xml.child(report, "OrgnlGrpInfAndSts")
    xml.child(original_group, "OrgnlMsgId", original_msg_id)
    xml.child(original_group, "OrgnlMsgNmId", MESSAGE_VERSIONS[original_kind])
    for status in statuses:
        _add_transaction_status(xml, report, status)
    return xml.finish()


def build_statement(
    account: str,
    currency: str,
    statement_id: str,
    created_at: dt.datetime,
    from_time: dt.datetime,
    to_time: dt.datetime,
    opening_balance: int,
    closing_balance: int,
    entries: list[StatementEntry],
    *,
    msg_id: str | None = None,
) -> bytes:
    """A camt.053.001.08 end-of-day statement of `account` (message id defaults to the
    statement id). Balances are signed minor units; opening + entries must equal closing."""
    movement = sum(entry.signed_amount for entry in entries)
    if opening_balance + movement != closing_balance:
        raise ValueError(
            f"statement {statement_id} does not reconcile: opening {opening_balance} + "
            f"entries {movement} != closing {closing_balance}"
        )
    xml = _XmlBuilder("camt.053")
    message = xml.child(xml.root, "BkToCstmrStmt")
    header = xml.child(message, "GrpHdr")
    xml.child(header, "MsgId", msg_id or statement_id)
    xml.child(header, "CreDtTm", created_at.isoformat())
    statement = xml.child(message, "Stmt")
    xml.child(statement, "Id", statement_id)
    xml.child(statement, "CreDtTm", created_at.isoformat())
    period = xml.child(statement, "FrToDt")
    xml.child(period, "FrDtTm", from_time.isoformat())
    xml.child(period, "ToDtTm", to_time.isoformat())
    account_element = xml.child(statement, "Acct")
    xml.child(xml.child(xml.child(account_element, "Id"), "Othr"), "Id", account)
    xml.child(account_element, "Ccy", currency)
    _add_balance(xml, statement, "OPBD", opening_balance, currency, from_time.date())
    _add_balance(xml, statement, "CLBD", closing_balance, currency, to_time.date())
    for entry in entries:
        _add_entry(xml, statement, entry, currency)
    return xml.finish()


def _add_transaction_status(xml: _XmlBuilder, report: Element, status: TransactionStatus) -> None:
    transaction = xml.child(report, "TxInfAndSts")
    if status.instr_id is not None:
        xml.child(transaction, "OrgnlInstrId", status.instr_id)
    xml.child(transaction, "OrgnlEndToEndId", status.end_to_end_id)
    if status.uetr is not None:
        xml.child(transaction, "OrgnlUETR", status.uetr)
    xml.child(transaction, "TxSts", status.status)
    has_reason = status.reason_code is not None or status.reason_proprietary is not None
    if not has_reason and status.additional_info is None:
        return
    reason_information = xml.child(transaction, "StsRsnInf")
    if status.reason_code is not None:
        xml.child(xml.child(reason_information, "Rsn"), "Cd", status.reason_code)
    elif status.reason_proprietary is not None:
        xml.child(xml.child(reason_information, "Rsn"), "Prtry", status.reason_proprietary)
    if status.additional_info is not None:
        xml.child(reason_information, "AddtlInf", status.additional_info)


def _add_balance(
    xml: _XmlBuilder, statement: Element, code: str, balance: int, currency: str, date: dt.date
) -> None:
    element = xml.child(statement, "Bal")
    xml.child(xml.child(xml.child(element, "Tp"), "CdOrPrtry"), "Cd", code)
    xml.child(element, "Amt", format_amount(abs(balance), currency), Ccy=currency)
    xml.child(element, "CdtDbtInd", "CRDT" if balance >= 0 else "DBIT")
    xml.child(xml.child(element, "Dt"), "Dt", date.isoformat())


def _add_entry(xml: _XmlBuilder, statement: Element, entry: StatementEntry, currency: str) -> None:
    element = xml.child(statement, "Ntry")
    xml.child(element, "NtryRef", entry.entry_reference)
    xml.child(element, "Amt", format_amount(entry.amount, currency), Ccy=currency)
    xml.child(element, "CdtDbtInd", entry.credit_debit)
    xml.child(xml.child(element, "Sts"), "Cd", ENTRY_STATUS_BOOKED)
    xml.child(xml.child(element, "BookgDt"), "Dt", entry.booking_date.isoformat())
    domain = xml.child(xml.child(element, "BkTxCd"), "Domn")
    xml.child(domain, "Cd", BANK_TRANSACTION_DOMAIN)
    family = xml.child(domain, "Fmly")
    xml.child(family, "Cd", BANK_TRANSACTION_FAMILY[entry.credit_debit])
    xml.child(family, "SubFmlyCd", BANK_TRANSACTION_SUB_FAMILY)
    if entry.end_to_end_id is None and entry.uetr is None:
        return
    references = xml.child(xml.child(xml.child(element, "NtryDtls"), "TxDtls"), "Refs")
    if entry.end_to_end_id is not None:
        xml.child(references, "EndToEndId", entry.end_to_end_id)
    if entry.uetr is not None:
        xml.child(references, "UETR", entry.uetr)


class _XmlBuilder:
    """Elements of one message under a `Document` root; `finish` serialises and validates.

    Tags are written unqualified under a default `xmlns` on the root, so the output has no
    prefixes (ElementTree cannot combine a default namespace with unqualified attributes).
    """

    def __init__(self, kind: MessageKind) -> None:
        self.kind = kind
        self.root = Element("Document", xmlns=namespace_of(kind))

    def child(self, parent: Element, tag: str, text: str | None = None, **attrib: str) -> Element:
        element = SubElement(parent, tag, attrib)
        element.text = text
        return element

    def finish(self) -> bytes:
        xml: bytes = tostring(self.root, encoding="UTF-8", xml_declaration=True)
        validate_output(fromstring(xml), self.kind)  # our own bytes: no untrusted input here
        return xml
