"""`client.clearing`: the clearing module's transactions, reads and ISO 20022 edge.

    with Client(url, reader=bank_a) as client:
        uetr = new_uetr()
        client.clearing.submit_payment(
            bank_a, "bank-b", "CNY", 2500, msg_id="M1", end_to_end_id="E1", uetr=uetr
        )
        client.clearing.payment(uetr)    # {"status": "SETTLED", "amount": "2500", ...}

Transactions sign and submit like `client.bank.transfer` (TransactionFailed on a failed receipt);
amounts are ints in minor units. Reads need the client's `reader` (a member account): the node
answers 401 to anonymous clearing reads except `directory()`, and 404 for a payment the reader
may not see. JSON answers come back as plain dicts and lists, amounts as decimal strings; the
ISO 20022 reports as XML bytes.

`submit_iso20022` posts a pacs.008/pacs.009 signed by the submitting wallet itself (the node
checks the debtor agent is its bank), signs one SubmitPayment per instruction with consecutive
nonces and submits them in one batch; each result says how its payment went.

Must never: sign for the bank on the node's behalf (the node only maps XML to messages).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from finchain.sdk._core import AsyncRunner, Call, ModuleApi, SyncRunner, api_call
from finchain.sdk.errors import FinchainApiError, NodeUnavailable
from finchain.sdk.messages import (
    make_cancel_payment,
    make_clearing_redeem,
    make_cut_off,
    make_hold_payment,
    make_mapped_payments,
    make_open_account,
    make_pledge,
    make_register_bic,
    make_release_payment,
    make_run_lsm,
    make_set_suspended,
    make_set_urgent_reserve,
    make_submit_payment,
)
from finchain.sdk.results import STATUS_REJECTED, TxResult
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import SubmitMode

CLEARING_PATH = "/v1/clearing"
ISO20022_PAYMENTS_PATH = f"{CLEARING_PATH}/iso20022/payments"
XML_HEADERS = {"content-type": "application/xml"}
ORIGINAL_MESSAGES = ("pacs.008", "pacs.009")


def compute_payment_path(uetr: str) -> str:
    return f"{CLEARING_PATH}/payments/{quote(uetr, safe='')}"


def compute_statement_path(participant: str) -> str:
    return f"{CLEARING_PATH}/statements/{quote(participant, safe='')}"


def validate_original(original: str) -> None:
    if original not in ORIGINAL_MESSAGES:
        raise ValueError(f"original must be one of {ORIGINAL_MESSAGES}, got {original!r}")


def is_any_rejected(results: list[TxResult]) -> bool:
    return any(r.status == STATUS_REJECTED for r in results)


class ClearingApi(ModuleApi):
    """`client.clearing.*`, written once (`_core`): `ClearingCalls` runs it, `AsyncClearingCalls`
    awaits it."""

    # ---- transactions: central bank ----------------------------------------------------------

    @api_call
    def open_account(
        self, wallet: Wallet, participant: str, currency: str, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        return (
            yield from self._submit(wallet, make_open_account(participant, currency), mode=mode)
        )

    @api_call
    def register_bic(
        self, wallet: Wallet, participant: str, bic: str, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        return (yield from self._submit(wallet, make_register_bic(participant, bic), mode=mode))

    @api_call
    def pledge(
        self,
        wallet: Wallet,
        participant: str,
        currency: str,
        amount: int,
        *,
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        msg = make_pledge(participant, currency, amount)
        return (yield from self._submit(wallet, msg, mode=mode))

    @api_call
    def redeem(
        self,
        wallet: Wallet,
        participant: str,
        currency: str,
        amount: int,
        *,
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        msg = make_clearing_redeem(participant, currency, amount)
        return (yield from self._submit(wallet, msg, mode=mode))

    @api_call
    def set_suspended(
        self, wallet: Wallet, participant: str, suspended: bool, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        """Central bank or regulator."""
        msg = make_set_suspended(participant, suspended)
        return (yield from self._submit(wallet, msg, mode=mode))

    @api_call
    def run_lsm(
        self, wallet: Wallet, currency: str, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        return (yield from self._submit(wallet, make_run_lsm(currency), mode=mode))

    @api_call
    def cut_off(
        self, wallet: Wallet, currency: str, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        return (yield from self._submit(wallet, make_cut_off(currency), mode=mode))

    # ---- transactions: participant banks -----------------------------------------------------

    @api_call
    def set_urgent_reserve(
        self, wallet: Wallet, currency: str, amount: int, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        msg = make_set_urgent_reserve(currency, amount)
        return (yield from self._submit(wallet, msg, mode=mode))

    @api_call
    def submit_payment(
        self,
        wallet: Wallet,
        receiver: str,
        currency: str,
        amount: int,
        *,
        priority: str = "NORMAL",
        msg_id: str,
        end_to_end_id: str,
        uetr: str | None = None,
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        """Pay `receiver` (org id); settles gross at once or is QUEUED (see the receipt's
        `clearing.payment_settled` / `clearing.payment_queued` event, with the `uetr`)."""
        msg = make_submit_payment(
            receiver,
            currency,
            amount,
            priority=priority,
            msg_id=msg_id,
            end_to_end_id=end_to_end_id,
            uetr=uetr,
        )
        return (yield from self._submit(wallet, msg, mode=mode))

    @api_call
    def hold(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> Call[TxResult]:
        return (yield from self._submit(wallet, make_hold_payment(uetr), mode=mode))

    @api_call
    def release(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> Call[TxResult]:
        return (yield from self._submit(wallet, make_release_payment(uetr), mode=mode))

    @api_call
    def cancel(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> Call[TxResult]:
        return (yield from self._submit(wallet, make_cancel_payment(uetr), mode=mode))

    @api_call
    def submit_iso20022(
        self, wallet: Wallet, xml: bytes, mode: SubmitMode = "commit"
    ) -> Call[list[TxResult]]:
        """Map a pacs.008/pacs.009 at the node (read signed by `wallet`), then sign and submit
        one SubmitPayment per instruction; failed receipts are returned, not raised."""
        reply = yield from self._client.request.steps(
            "POST", ISO20022_PAYMENTS_PATH, content=xml, headers=XML_HEADERS, reader=wallet
        )
        payments = make_mapped_payments(reply.json())
        if not payments:
            return []
        txs = []
        for payment in payments:
            txs.append((yield from self._client.build_and_sign.steps(wallet, payment)))
        try:
            results = yield from self._client.submit_batch.steps(txs, mode)
        except (FinchainApiError, NodeUnavailable):
            wallet.resync()
            raise
        if is_any_rejected(results):
            wallet.resync()  # a rejected nonce leaves a gap: ask the node next time
        return results

    # ---- reads -------------------------------------------------------------------------------

    @api_call
    def accounts(self, currency: str) -> Call[list[dict[str, Any]]]:
        """Settlement accounts: the reader's own, or all for the central bank and regulator."""
        return (yield from self._get_list(f"{CLEARING_PATH}/accounts", {"currency": currency}))

    @api_call
    def payment(self, uetr: str) -> Call[dict[str, Any]]:
        """A payment the reader sends or receives (FinchainApiError 404 otherwise)."""
        return dict((yield from self._client.get_json.steps(compute_payment_path(uetr))))

    @api_call
    def queue(self, currency: str) -> Call[list[dict[str, Any]]]:
        """Queued and held payments the reader may see, in queue order."""
        return (yield from self._get_list(f"{CLEARING_PATH}/queue", {"currency": currency}))

    @api_call
    def cycles(self) -> Call[list[dict[str, Any]]]:
        """Netting cycles; a bank sees its own net result of each."""
        return (yield from self._get_list(f"{CLEARING_PATH}/cycles"))

    @api_call
    def days(self, currency: str) -> Call[list[dict[str, Any]]]:
        """Closed business days (cut-offs); a bank sees its own closing balance."""
        return (yield from self._get_list(f"{CLEARING_PATH}/days", {"currency": currency}))

    @api_call
    def directory(self) -> Call[list[dict[str, Any]]]:
        """The BIC directory `[{"bic", "participant"}]` (public within the consortium)."""
        return (yield from self._get_list(f"{CLEARING_PATH}/directory"))

    @api_call
    def status_report(self, uetr: str, original: str = "pacs.008") -> Call[bytes]:
        """The payment's pacs.002.001.10 status report (XML)."""
        validate_original(original)
        path = f"{compute_payment_path(uetr)}/pacs002"
        reply = yield from self._client.request.steps("GET", path, params={"original": original})
        return reply.content

    @api_call
    def statement(self, participant: str, currency: str, day: int) -> Call[bytes]:
        """The camt.053.001.08 end-of-day statement of a closed business day (XML)."""
        params = {"currency": currency, "day": day}
        path = compute_statement_path(participant)
        return (yield from self._client.request.steps("GET", path, params=params)).content

    def _get_list(
        self, path: str, params: dict[str, Any] | None = None
    ) -> Call[list[dict[str, Any]]]:
        return [dict(item) for item in (yield from self._client.get_json.steps(path, params))]


class ClearingCalls(SyncRunner, ClearingApi):
    """`client.clearing.*` for `Client`."""


class AsyncClearingCalls(AsyncRunner, ClearingApi):
    """`client.clearing.*` for `AsyncClient` (same calls, awaited)."""
