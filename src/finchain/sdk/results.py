"""Typed, immutable views of the API's JSON answers (docs/api.md), built by `from_json`.

Amounts become ints (the API sends them as decimal strings), hashes stay lowercase hex without
`0x`, addresses stay `0x…` strings. Unknown extra fields are ignored so newer nodes stay readable.

Must never: do I/O; these are plain values shared by the sync and async clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finchain.sdk.errors import FinchainApiError

CODE_OK = "ok"
STATUS_COMMITTED = "committed"
STATUS_PENDING = "pending"
STATUS_REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class EventView:
    """A module event such as `bank.transfer`, with its string attributes."""

    type: str
    attributes: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> EventView:
        attributes = data.get("attributes") or {}
        return EventView(str(data["type"]), {str(k): str(v) for k, v in attributes.items()})


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """The outcome of a committed transaction; `code` is `ok` or a stable error code."""

    code: str
    log: str
    height: int
    index: int
    gas_used: int
    events: tuple[EventView, ...] = ()
    tx_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.code == CODE_OK

    def find_event(self, event_type: str) -> EventView | None:
        """The first event of `event_type`, or None."""
        return next((e for e in self.events if e.type == event_type), None)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ReceiptView:
        return ReceiptView(
            code=str(data["code"]),
            log=str(data.get("log", "")),
            height=int(data["height"]),
            index=int(data["index"]),
            gas_used=int(data.get("gas_used", 0)),
            events=tuple(EventView.from_json(e) for e in data.get("events", ())),
            tx_hash=str(data.get("tx_hash", "")),
        )


@dataclass(frozen=True, slots=True)
class TxResult:
    """What a submission returned: `committed` (with receipt), `pending`, or `rejected`.

    `rejected` only appears in batch results, with the node's error in `error`; a single
    rejected submission raises FinchainApiError instead.
    """

    hash: str
    status: str
    receipt: ReceiptView | None = None
    error: FinchainApiError | None = None

    @property
    def ok(self) -> bool:
        """Committed with code `ok`."""
        return self.status == STATUS_COMMITTED and self.receipt is not None and self.receipt.ok

    @property
    def height(self) -> int | None:
        return None if self.receipt is None else self.receipt.height

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> TxResult:
        receipt = data.get("receipt")
        return TxResult(
            hash=str(data["hash"]),
            status=str(data["status"]),
            receipt=None if receipt is None else ReceiptView.from_json(receipt),
        )


@dataclass(frozen=True, slots=True)
class TxInfo:
    """A committed transaction: where it is, its decoded body (`tx`, TxJson) and its receipt."""

    hash: str
    height: int
    index: int
    tx: Mapping[str, Any]
    raw: str
    receipt: ReceiptView

    @property
    def ok(self) -> bool:
        return self.receipt.ok

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> TxInfo:
        return TxInfo(
            hash=str(data["hash"]),
            height=int(data["height"]),
            index=int(data["index"]),
            tx=dict(data.get("tx") or {}),
            raw=str(data.get("raw", "")),
            receipt=ReceiptView.from_json(data["receipt"]),
        )


@dataclass(frozen=True, slots=True)
class ChainStatus:
    chain_id: str
    crypto_suite: str
    height: int
    app_hash: str
    block_time_ms: int
    mempool_size: int
    engine: str
    version: str

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ChainStatus:
        return ChainStatus(
            chain_id=str(data["chain_id"]),
            crypto_suite=str(data["crypto_suite"]),
            height=int(data["height"]),
            app_hash=str(data.get("app_hash", "")),
            block_time_ms=int(data.get("block_time_ms") or 0),
            mempool_size=int(data.get("mempool_size") or 0),
            engine=str(data.get("engine", "")),
            version=str(data.get("version", "")),
        )


@dataclass(frozen=True, slots=True)
class AccountView:
    """An account at a committed height; `pending_nonce` also counts mempool transactions."""

    address: str
    nonce: int
    pending_nonce: int
    org: str | None
    balances: Mapping[str, int]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> AccountView:
        nonce = int(data.get("nonce", 0))
        org = data.get("org")
        return AccountView(
            address=str(data["address"]),
            nonce=nonce,
            pending_nonce=int(data.get("pending_nonce", nonce)),
            org=None if org is None else str(org),
            balances=parse_balances(data.get("balances") or {}),
        )


@dataclass(frozen=True, slots=True)
class AssetView:
    symbol: str
    decimals: int
    issuer: str
    name: str
    supply: int

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> AssetView:
        return AssetView(
            symbol=str(data["symbol"]),
            decimals=int(data["decimals"]),
            issuer=str(data.get("issuer", "")),
            name=str(data.get("name", "")),
            supply=int(data.get("supply", 0)),
        )


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member organisation: id, display name, roles and account addresses."""

    id: str
    name: str
    roles: tuple[str, ...]
    accounts: tuple[str, ...]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> MemberView:
        return MemberView(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            roles=tuple(str(r) for r in data.get("roles", ())),
            accounts=tuple(str(a) for a in data.get("accounts", ())),
        )


def parse_balances(data: Mapping[str, Any]) -> dict[str, int]:
    """`{asset: "123"}` -> `{asset: 123}`."""
    return {str(asset): int(amount) for asset, amount in data.items()}
