"""What one reader may see of transactions, blocks and events (modules' privacy rules applied).

Every member node holds the ledger in clear; the API is where a reader's view is cut. For each
message and event a module declares its parties (`modules/clearing/privacy.py`): `None` is
public, otherwise only those organisations and the supervisory roles may read it. Anything else
is replaced by `{"type", "value": {}, "redacted": true}` (messages) or
`{"type", "attributes": {}, "redacted": true}` (events); a transaction with a redacted message
also loses its memo and raw bytes. Each function also returns the owners of every private item
it shows, so the caller can audit what a supervisory reader saw of others' data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from finchain.api.auth import Viewer
from finchain.model import BlockRecord, Event, Receipt, SignedTransaction
from finchain.modules.clearing import privacy as clearing_privacy

OrgOf = Callable[[bytes], str | None]


@dataclass(slots=True)
class View:
    """A rendering cut for one reader, with the owners of each private item it shows (for the
    audit of supervisory reads)."""

    json: dict[str, Any]
    owners: list[frozenset[str]] = field(default_factory=list)


def message_parties(msg: Any, signer_org: str | None) -> frozenset[str] | None:
    if msg.TYPE.startswith("clearing/"):
        return clearing_privacy.message_parties(msg, signer_org)
    return None


def event_parties(event: Event) -> frozenset[str] | None:
    if event.type.startswith("clearing."):
        return clearing_privacy.event_parties(event)
    return None


def cut_tx(tx_json: dict[str, Any], stx: SignedTransaction, org_of: OrgOf, viewer: Viewer) -> View:
    """A rendered TxJson (`render_signed_tx`) as `viewer` may see it."""
    signer_org = org_of(stx.tx.sender)
    view = View(dict(tx_json))
    msgs = []
    redacted = False
    for rendered, msg in zip(tx_json["msgs"], stx.tx.msgs, strict=True):
        parties = message_parties(msg, signer_org)
        if viewer.scope.may_read(parties):
            if parties is not None:
                view.owners.append(parties)
            msgs.append(rendered)
        else:
            redacted = True
            msgs.append({"type": rendered["type"], "value": {}, "redacted": True})
    view.json["msgs"] = msgs
    if redacted:
        view.json["memo"] = ""
    return view


def cut_events(events: list[Event] | tuple[Event, ...], viewer: Viewer) -> View:
    """`{"events": [...]}` with each event kept or redacted."""
    view = View({"events": []})
    for event in events:
        parties = event_parties(event)
        if viewer.scope.may_read(parties):
            view.json["events"].append(event.to_json())
            if parties is not None:
                view.owners.append(parties)
        else:
            view.json["events"].append({"type": event.type, "attributes": {}, "redacted": True})
    return view


def cut_receipt(receipt: Receipt, viewer: Viewer) -> View:
    """A Receipt JSON with its events cut for `viewer`."""
    events = cut_events(receipt.events, viewer)
    return View({**receipt.to_json(), **events.json}, events.owners)


def cut_block(block: BlockRecord, receipts: Sequence[Receipt], viewer: Viewer) -> View:
    """A Block JSON (with receipts) whose transaction and block events are cut for `viewer`."""
    own = cut_events(block.events, viewer)
    cut_receipts = [cut_receipt(r, viewer) for r in receipts]
    owners = own.owners + [o for r in cut_receipts for o in r.owners]
    rendered = {**block.to_json(), **own.json, "receipts": [r.json for r in cut_receipts]}
    return View(rendered, owners)


def is_redacted(view: View) -> bool:
    """Whether anything in a cut transaction or receipt was withheld."""
    items = [*view.json.get("msgs", []), *view.json.get("events", [])]
    return any(item.get("redacted") for item in items)
