"""Incoming credit transfers: pacs.008.001.08 and pacs.009.001.08 -> `PaymentInstruction`s.

Owns the reading of the two messages, in this order: parse safely (no DOCTYPE or entities),
pick the message by its root namespace, validate against the official XSD, read each
`CdtTrfTxInf` into a plain value, then check the group header against the transactions (so a
bad amount is reported as such, not as a wrong control sum).

Beyond the XSD, finchain requires what its settlement rules need (DOMAIN.md §0, §1): a UETR,
the BICs of both settling banks, a settlement date, and an amount that is exact in the
currency's minor units. Each refusal is an `InvalidTransaction` with an `iso20022/...` code and
the element path in `details["path"]`.

Priority (`PaymentInstruction.priority`): URGENT can only come from the transaction's
`SttlmPrty` = URGT (Priority3Code, the settlement priority of the XSD); `SttlmPrty` HIGH/NORM
map to HIGH/NORMAL. Without `SttlmPrty`, `PmtTpInf/InstrPrty` HIGH/NORM (transaction, then
group level) map to HIGH/NORMAL; without either the priority is NORMAL. `SvcLvl` and
`ClrChanl` are not interpreted.

Pure: no I/O, clock or shared state beyond the cached schemas; safe from any thread.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from finchain.errors import InternalError, InvalidTransaction
from finchain.iso20022.amounts import parse_amount
from finchain.iso20022.errors import ERR_BAD_GROUP_HEADER, ERR_MISSING_FIELD
from finchain.iso20022.records import PaymentInstruction, PaymentKind, Priority
from finchain.iso20022.schemas import find_kind, namespace_of, parse_xml, validate_input

_ACCEPTED: tuple[PaymentKind, ...] = ("pacs.008", "pacs.009")
_ROOT_ELEMENT: dict[PaymentKind, str] = {"pacs.008": "FIToFICstmrCdtTrf", "pacs.009": "FICdtTrf"}
_SETTLEMENT_PRIORITY: dict[str, Priority] = {"URGT": "URGENT", "HIGH": "HIGH", "NORM": "NORMAL"}
_INSTRUCTION_PRIORITY: dict[str, Priority] = {"HIGH": "HIGH", "NORM": "NORMAL"}


def parse_payment_instructions(xml: bytes) -> list[PaymentInstruction]:
    """Every credit transfer of a pacs.008.001.08 or pacs.009.001.08 message, in order."""
    root = parse_xml(xml)
    kind = find_kind(root, _ACCEPTED)
    validate_input(root, kind)
    reader = _Reader(namespace_of(kind), f"/Document/{_ROOT_ELEMENT[kind]}")
    message = reader.get(root, _ROOT_ELEMENT[kind])
    group = reader.get(message, "GrpHdr")
    transactions = reader.find_all(message, "CdtTrfTxInf")
    instructions = [
        _read_instruction(kind, group, transaction, reader.at(f"CdtTrfTxInf[{index}]"))
        for index, transaction in enumerate(transactions, start=1)
    ]
    _validate_group_header(group, transactions, reader)
    return instructions


def _validate_group_header(group: Element, transactions: list[Element], reader: _Reader) -> None:
    """`NbOfTxs`, and `CtrlSum`/`TtlIntrBkSttlmAmt` if given, must match the transactions."""
    declared = int(reader.require(group, "NbOfTxs"))
    if declared != len(transactions):
        raise InvalidTransaction(
            ERR_BAD_GROUP_HEADER,
            f"GrpHdr/NbOfTxs says {declared} transactions but the message has {len(transactions)}",
            path=reader.path("GrpHdr/NbOfTxs"),
            declared=declared,
            actual=len(transactions),
        )
    amounts = [reader.get(transaction, "IntrBkSttlmAmt") for transaction in transactions]
    with decimal.localcontext(prec=1000):  # exact: sums of <= 18-digit decimals, never floats
        total = sum((decimal.Decimal(_text_of(amount)) for amount in amounts), decimal.Decimal(0))
        control_sum = reader.text(group, "CtrlSum")
        if control_sum is not None and decimal.Decimal(control_sum) != total:
            raise InvalidTransaction(
                ERR_BAD_GROUP_HEADER,
                f"GrpHdr/CtrlSum {control_sum} differs from the sum of amounts {total}",
                path=reader.path("GrpHdr/CtrlSum"),
            )
        declared_total = reader.find(group, "TtlIntrBkSttlmAmt")
        if declared_total is None:
            return
        currencies = {amount.get("Ccy") for amount in amounts}
        if currencies != {declared_total.get("Ccy")} or (
            decimal.Decimal(_text_of(declared_total)) != total
        ):
            raise InvalidTransaction(
                ERR_BAD_GROUP_HEADER,
                f"GrpHdr/TtlIntrBkSttlmAmt {_text_of(declared_total)} "
                f"{declared_total.get('Ccy')} differs from the transactions' total {total} "
                f"in {sorted(str(currency) for currency in currencies)}",
                path=reader.path("GrpHdr/TtlIntrBkSttlmAmt"),
            )


def _read_instruction(
    kind: PaymentKind, group: Element, transaction: Element, reader: _Reader
) -> PaymentInstruction:
    amount = reader.get(transaction, "IntrBkSttlmAmt")
    currency = amount.get("Ccy", "")
    debtor_name_path = "Dbtr/Nm" if kind == "pacs.008" else "Dbtr/FinInstnId/Nm"
    creditor_name_path = "Cdtr/Nm" if kind == "pacs.008" else "Cdtr/FinInstnId/Nm"
    return PaymentInstruction(
        kind=kind,
        msg_id=reader.require(group, "MsgId"),
        creation_time=reader.require(group, "CreDtTm"),
        settlement_method=reader.require(group, "SttlmInf/SttlmMtd"),
        instr_id=reader.text(transaction, "PmtId/InstrId"),
        end_to_end_id=reader.require(transaction, "PmtId/EndToEndId"),
        uetr=reader.require(transaction, "PmtId/UETR"),
        amount=parse_amount(_text_of(amount), currency),
        currency=currency,
        settlement_date=_read_settlement_date(group, transaction, reader),
        priority=_read_priority(group, transaction, reader),
        debtor_agent_bic=_read_agent_bic(kind, transaction, "Dbtr", reader),
        creditor_agent_bic=_read_agent_bic(kind, transaction, "Cdtr", reader),
        debtor_name=reader.text(transaction, debtor_name_path),
        debtor_account=_read_account(transaction, "DbtrAcct", reader),
        creditor_name=reader.text(transaction, creditor_name_path),
        creditor_account=_read_account(transaction, "CdtrAcct", reader),
        charge_bearer=reader.text(transaction, "ChrgBr"),
    )


def _read_settlement_date(group: Element, transaction: Element, reader: _Reader) -> str:
    date = reader.text(transaction, "IntrBkSttlmDt") or reader.text(group, "IntrBkSttlmDt")
    if date is None:
        raise InvalidTransaction(
            ERR_MISSING_FIELD,
            f"{reader.path('IntrBkSttlmDt')} (or GrpHdr/IntrBkSttlmDt) is required by finchain",
            path=reader.path("IntrBkSttlmDt"),
            field="IntrBkSttlmDt",
        )
    return date


def _read_priority(group: Element, transaction: Element, reader: _Reader) -> Priority:
    settlement_priority = reader.text(transaction, "SttlmPrty")
    if settlement_priority is not None:
        return _SETTLEMENT_PRIORITY[settlement_priority]
    instruction_priority = reader.text(transaction, "PmtTpInf/InstrPrty") or reader.text(
        group, "PmtTpInf/InstrPrty"
    )
    return _INSTRUCTION_PRIORITY.get(instruction_priority or "NORM", "NORMAL")


def _read_agent_bic(kind: PaymentKind, transaction: Element, party: str, reader: _Reader) -> str:
    agent_bic = reader.text(transaction, f"{party}Agt/FinInstnId/BICFI")
    if agent_bic is None and kind == "pacs.009":
        agent_bic = reader.text(transaction, f"{party}/FinInstnId/BICFI")
    if agent_bic is None:
        path = reader.path(f"{party}Agt/FinInstnId/BICFI")
        raise InvalidTransaction(
            ERR_MISSING_FIELD,
            f"{path} is required by finchain: banks are identified by BIC",
            path=path,
            field="BICFI",
        )
    return agent_bic


def _read_account(transaction: Element, account: str, reader: _Reader) -> str | None:
    return reader.text(transaction, f"{account}/Id/IBAN") or reader.text(
        transaction, f"{account}/Id/Othr/Id"
    )


def _text_of(element: Element) -> str:
    return (element.text or "").strip()


@dataclass(frozen=True, slots=True)
class _Reader:
    """Namespace-qualified lookups below one element, and the document path of that element."""

    namespace: str
    base_path: str

    def at(self, step: str) -> _Reader:
        return _Reader(self.namespace, f"{self.base_path}/{step}")

    def path(self, relative: str) -> str:
        return f"{self.base_path}/{relative}"

    def find(self, element: Element, relative: str) -> Element | None:
        return element.find("/".join(f"{{{self.namespace}}}{step}" for step in relative.split("/")))

    def find_all(self, element: Element, relative: str) -> list[Element]:
        return element.findall(f"{{{self.namespace}}}{relative}")

    def get(self, element: Element, relative: str) -> Element:
        found = self.find(element, relative)
        if found is None:  # the XSD requires it: reaching here is a finchain bug
            raise InternalError(f"{self.path(relative)} missing after schema validation")
        return found

    def text(self, element: Element, relative: str) -> str | None:
        found = self.find(element, relative)
        return None if found is None else found.text

    def require(self, element: Element, relative: str) -> str:
        value = self.text(element, relative)
        if value is None:
            raise InvalidTransaction(
                ERR_MISSING_FIELD,
                f"{self.path(relative)} is required by finchain",
                path=self.path(relative),
                field=relative.rsplit("/", 1)[-1],
            )
        return value
