"""The ISO 20022 edge of clearing at the API: XML in -> unsigned payment messages, chain state
out -> pacs.002 status reports and camt.053 end-of-day statements.

pacs.008/pacs.009 in: every `CdtTrfTxInf` becomes one `clearing/SubmitPayment@1` message. The
debtor agent's BIC must be the reading bank's own (BIC directory, `clearing/RegisterBic@1`), the
creditor agent's BIC must be listed. The node never signs: the bank signs and submits the
messages (keys stay with the bank; the SDK does both steps), so an instruction the chain then
refuses is answered by that transaction's error, and one it accepts by its pacs.002.

pacs.002 out: SETTLED -> ACSC, QUEUED/ON_HOLD -> PDNG, REJECTED at cut-off -> RJCT with the
payment's reason (proprietary), CANCELLED -> RJCT with ISO reason DS02 (order cancelled).
camt.053 out: for a closed business day (`clearing.cut_off`), the day's settled payments,
pledges and redemptions of one participant, read from the blocks between the previous cut-off
and this one (in transaction order; end-of-block settlements after their block's
transactions), with the opening balance from the previous day's record and the closing one
from this day's: they must reconcile or the node answers 500.

Message ids and creation times come from the chain (block time, hashes), so the same request at
the same height gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from finchain.errors import InvalidTransaction, register_error
from finchain.iso20022 import (
    PaymentInstruction,
    StatementEntry,
    TransactionStatus,
    build_statement,
    build_status_report,
)
from finchain.model import Event
from finchain.store import Database

ERR_UNKNOWN_BIC = register_error(
    "clearing_api", 1, "unknown_bic", "an agent BIC of the message is not in the BIC directory"
)
ERR_NOT_YOUR_BIC = register_error(
    "clearing_api", 2, "not_your_bic", "the debtor agent of the message is not the reading bank"
)
SUBMIT_PAYMENT = "clearing/SubmitPayment@1"
_TX_STATUS = {"SETTLED": "ACSC", "QUEUED": "PDNG", "ON_HOLD": "PDNG"}
ORDER_CANCELLED = "DS02"
_MOVEMENTS = ("clearing.payment_settled", "clearing.pledged", "clearing.redeemed")


def map_instructions(
    instructions: list[PaymentInstruction], directory: dict[str, str], reader_org: str | None
) -> list[dict[str, Any]]:
    """`{"type", "value"}` SubmitPayment messages (amounts as decimal strings, like TxJson)."""
    messages = []
    for index, instruction in enumerate(instructions, start=1):
        path = f"CdtTrfTxInf[{index}]"
        debtor = _participant(directory, instruction.debtor_agent_bic, f"{path}/DbtrAgt")
        receiver = _participant(directory, instruction.creditor_agent_bic, f"{path}/CdtrAgt")
        if debtor != reader_org:
            raise InvalidTransaction(
                ERR_NOT_YOUR_BIC,
                f"debtor agent {instruction.debtor_agent_bic} is {debtor}, not {reader_org}",
                path=f"{path}/DbtrAgt",
            )
        value = {
            "receiver": receiver,
            "currency": instruction.currency,
            "amount": str(instruction.amount),
            "priority": instruction.priority,
            "msg_id": instruction.msg_id,
            "end_to_end_id": instruction.end_to_end_id,
            "uetr": instruction.uetr,
        }
        messages.append({"type": SUBMIT_PAYMENT, "value": value})
    return messages


def status_report(payment: dict[str, Any], original_kind: str, height: int, time_ms: int) -> bytes:
    """A pacs.002.001.10 with the payment's status as of the latest block."""
    status = payment["status"]
    common = {"end_to_end_id": payment["end_to_end_id"], "uetr": payment["uetr"]}
    if status in _TX_STATUS:
        tx_status = TransactionStatus(status=_TX_STATUS[status], **common)  # type: ignore[arg-type]
    elif status == "CANCELLED":
        tx_status = TransactionStatus(status="RJCT", reason_code=ORDER_CANCELLED, **common)
    else:
        reason = str(payment["reason"])[:35] or status
        tx_status = TransactionStatus(status="RJCT", reason_proprietary=reason, **common)
    msg_id = _message_id("SR", payment["uetr"], status, str(height))
    return build_status_report(
        payment["msg_id"],
        "pacs.009" if original_kind == "pacs.009" else "pacs.008",
        [tx_status],
        msg_id=msg_id,
        created_at=_utc(time_ms),
    )


@dataclass(frozen=True, slots=True)
class DayBounds:
    """Where a business day starts (after the previous cut-off) and ends (its cut-off), as
    (height, position in block); end-of-block events have the position after every tx."""

    start: tuple[int, int]
    end: tuple[int, int]
    from_time_ms: int
    to_time_ms: int


def statement(
    db: Database,
    participant: str,
    currency: str,
    day: int,
    bounds: DayBounds,
    opening: int,
    closing: int,
    find_end_to_end_id: Callable[[str], str | None],
) -> bytes:
    """The camt.053.001.08 of `participant`'s account for closed business day `day`."""
    entries = [
        _entry(event, participant, position, time_ms, find_end_to_end_id)
        for position, time_ms, event in _day_events(db, bounds)
        if _moves(event, participant, currency)
    ]
    statement_id = _message_id("ST", participant, currency, str(day))
    return build_statement(
        participant,
        currency,
        statement_id,
        created_at=_utc(bounds.to_time_ms),
        from_time=_utc(bounds.from_time_ms),
        to_time=_utc(bounds.to_time_ms),
        opening_balance=opening,
        closing_balance=closing,
        entries=entries,
    )


def _day_events(db: Database, bounds: DayBounds) -> Iterator[tuple[tuple[int, int], int, Event]]:
    for height in range(max(bounds.start[0], 1), bounds.end[0] + 1):
        block = db.load_block(height)
        if block is None:
            continue
        time_ms = block.header.time_ms
        located = [((height, r.index), r.events) for r in db.load_receipts(height) if r.ok]
        located.append(((height, len(block.tx_hashes)), block.events))
        for position, events in located:
            if bounds.start < position <= bounds.end:
                for event in events:
                    if event.type in _MOVEMENTS:
                        yield position, time_ms, event


def _moves(event: Event, participant: str, currency: str) -> bool:
    attributes = dict(event.attributes)
    if attributes.get("currency") != currency:
        return False
    if event.type == "clearing.payment_settled":
        return participant in (attributes["sender"], attributes["receiver"])
    return attributes.get("participant") == participant


def _entry(
    event: Event,
    participant: str,
    position: tuple[int, int],
    time_ms: int,
    find_end_to_end_id: Callable[[str], str | None],
) -> StatementEntry:
    attributes = dict(event.attributes)
    uetr = attributes.get("uetr")
    if event.type == "clearing.payment_settled":
        direction = "DBIT" if attributes["sender"] == participant else "CRDT"
    else:
        direction = "CRDT" if event.type == "clearing.pledged" else "DBIT"
    return StatementEntry(
        entry_reference=f"{position[0]}-{position[1]}-{uetr[:8] if uetr else event.type[9:]}",
        amount=int(attributes["amount"]),
        credit_debit=direction,  # type: ignore[arg-type]
        booking_date=_utc(time_ms).date(),
        end_to_end_id=None if uetr is None else find_end_to_end_id(uetr),
        uetr=uetr,
    )


def _participant(directory: dict[str, str], bic: str, path: str) -> str:
    participant = directory.get(bic)
    if participant is None:
        raise InvalidTransaction(ERR_UNKNOWN_BIC, f"no participant has BIC {bic}", path=path)
    return participant


def _message_id(kind: str, *parts: str) -> str:
    """`FC` + kind + 31 hex digits of a hash of `parts`: 35 characters (ISO Max35Text)."""
    return f"FC{kind}" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:31]


def _utc(time_ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(time_ms // 1000, tz=dt.UTC)
