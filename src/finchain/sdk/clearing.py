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

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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

if TYPE_CHECKING:
    from finchain.sdk.async_client import AsyncClient
    from finchain.sdk.client import Client

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


class ClearingCalls:
    """`client.clearing.*` for `Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    # ---- transactions: central bank ----------------------------------------------------------

    def open_account(
        self, wallet: Wallet, participant: str, currency: str, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_open_account(participant, currency)
        return self._client.sign_and_submit(wallet, msg, mode=mode)

    def register_bic(
        self, wallet: Wallet, participant: str, bic: str, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_register_bic(participant, bic)
        return self._client.sign_and_submit(wallet, msg, mode=mode)

    def pledge(
        self,
        wallet: Wallet,
        participant: str,
        currency: str,
        amount: int,
        *,
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_pledge(participant, currency, amount)
        return self._client.sign_and_submit(wallet, msg, mode=mode)

    def redeem(
        self,
        wallet: Wallet,
        participant: str,
        currency: str,
        amount: int,
        *,
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_clearing_redeem(participant, currency, amount)
        return self._client.sign_and_submit(wallet, msg, mode=mode)

    def set_suspended(
        self, wallet: Wallet, participant: str, suspended: bool, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        """Central bank or regulator."""
        msg = make_set_suspended(participant, suspended)
        return self._client.sign_and_submit(wallet, msg, mode=mode)

    def run_lsm(self, wallet: Wallet, currency: str, *, mode: SubmitMode = "commit") -> TxResult:
        return self._client.sign_and_submit(wallet, make_run_lsm(currency), mode=mode)

    def cut_off(self, wallet: Wallet, currency: str, *, mode: SubmitMode = "commit") -> TxResult:
        return self._client.sign_and_submit(wallet, make_cut_off(currency), mode=mode)

    # ---- transactions: participant banks -----------------------------------------------------

    def set_urgent_reserve(
        self, wallet: Wallet, currency: str, amount: int, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_set_urgent_reserve(currency, amount)
        return self._client.sign_and_submit(wallet, msg, mode=mode)

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
    ) -> TxResult:
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
        return self._client.sign_and_submit(wallet, msg, mode=mode)

    def hold(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> TxResult:
        return self._client.sign_and_submit(wallet, make_hold_payment(uetr), mode=mode)

    def release(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> TxResult:
        return self._client.sign_and_submit(wallet, make_release_payment(uetr), mode=mode)

    def cancel(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> TxResult:
        return self._client.sign_and_submit(wallet, make_cancel_payment(uetr), mode=mode)

    def submit_iso20022(
        self, wallet: Wallet, xml: bytes, mode: SubmitMode = "commit"
    ) -> list[TxResult]:
        """Map a pacs.008/pacs.009 at the node (read signed by `wallet`), then sign and submit
        one SubmitPayment per instruction; failed receipts are returned, not raised."""
        response = self._client.request(
            "POST", ISO20022_PAYMENTS_PATH, content=xml, headers=XML_HEADERS, reader=wallet
        )
        payments = make_mapped_payments(response.json())
        if not payments:
            return []
        txs = [self._client.build_and_sign(wallet, payment) for payment in payments]
        try:
            results = self._client.submit_batch(txs, mode)
        except (FinchainApiError, NodeUnavailable):
            wallet.resync()
            raise
        if is_any_rejected(results):
            wallet.resync()  # a rejected nonce leaves a gap: ask the node next time
        return results

    # ---- reads -------------------------------------------------------------------------------

    def accounts(self, currency: str) -> list[dict[str, Any]]:
        """Settlement accounts: the reader's own, or all for the central bank and regulator."""
        return self._get_list(f"{CLEARING_PATH}/accounts", {"currency": currency})

    def payment(self, uetr: str) -> dict[str, Any]:
        """A payment the reader sends or receives (FinchainApiError 404 otherwise)."""
        return self._get_object(compute_payment_path(uetr))

    def queue(self, currency: str) -> list[dict[str, Any]]:
        """Queued and held payments the reader may see, in queue order."""
        return self._get_list(f"{CLEARING_PATH}/queue", {"currency": currency})

    def cycles(self) -> list[dict[str, Any]]:
        """Netting cycles; a bank sees its own net result of each."""
        return self._get_list(f"{CLEARING_PATH}/cycles")

    def days(self, currency: str) -> list[dict[str, Any]]:
        """Closed business days (cut-offs); a bank sees its own closing balance."""
        return self._get_list(f"{CLEARING_PATH}/days", {"currency": currency})

    def directory(self) -> list[dict[str, Any]]:
        """The BIC directory `[{"bic", "participant"}]` (public within the consortium)."""
        return self._get_list(f"{CLEARING_PATH}/directory")

    def status_report(self, uetr: str, original: str = "pacs.008") -> bytes:
        """The payment's pacs.002.001.10 status report (XML)."""
        validate_original(original)
        path = f"{compute_payment_path(uetr)}/pacs002"
        return self._client.request("GET", path, params={"original": original}).content

    def statement(self, participant: str, currency: str, day: int) -> bytes:
        """The camt.053.001.08 end-of-day statement of a closed business day (XML)."""
        params = {"currency": currency, "day": day}
        path = compute_statement_path(participant)
        return self._client.request("GET", path, params=params).content

    def _get_list(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [dict(item) for item in self._client.request("GET", path, params=params).json()]

    def _get_object(self, path: str) -> dict[str, Any]:
        return dict(self._client.request("GET", path).json())


class AsyncClearingCalls:
    """`client.clearing.*` for `AsyncClient` (same calls, awaited)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    # ---- transactions: central bank ----------------------------------------------------------

    async def open_account(
        self, wallet: Wallet, participant: str, currency: str, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_open_account(participant, currency)
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def register_bic(
        self, wallet: Wallet, participant: str, bic: str, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_register_bic(participant, bic)
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def pledge(
        self,
        wallet: Wallet,
        participant: str,
        currency: str,
        amount: int,
        *,
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_pledge(participant, currency, amount)
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def redeem(
        self,
        wallet: Wallet,
        participant: str,
        currency: str,
        amount: int,
        *,
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_clearing_redeem(participant, currency, amount)
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def set_suspended(
        self, wallet: Wallet, participant: str, suspended: bool, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_set_suspended(participant, suspended)
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def run_lsm(
        self, wallet: Wallet, currency: str, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        return await self._client.sign_and_submit(wallet, make_run_lsm(currency), mode=mode)

    async def cut_off(
        self, wallet: Wallet, currency: str, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        return await self._client.sign_and_submit(wallet, make_cut_off(currency), mode=mode)

    # ---- transactions: participant banks -----------------------------------------------------

    async def set_urgent_reserve(
        self, wallet: Wallet, currency: str, amount: int, *, mode: SubmitMode = "commit"
    ) -> TxResult:
        msg = make_set_urgent_reserve(currency, amount)
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def submit_payment(
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
    ) -> TxResult:
        msg = make_submit_payment(
            receiver,
            currency,
            amount,
            priority=priority,
            msg_id=msg_id,
            end_to_end_id=end_to_end_id,
            uetr=uetr,
        )
        return await self._client.sign_and_submit(wallet, msg, mode=mode)

    async def hold(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> TxResult:
        return await self._client.sign_and_submit(wallet, make_hold_payment(uetr), mode=mode)

    async def release(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> TxResult:
        return await self._client.sign_and_submit(wallet, make_release_payment(uetr), mode=mode)

    async def cancel(self, wallet: Wallet, uetr: str, *, mode: SubmitMode = "commit") -> TxResult:
        return await self._client.sign_and_submit(wallet, make_cancel_payment(uetr), mode=mode)

    async def submit_iso20022(
        self, wallet: Wallet, xml: bytes, mode: SubmitMode = "commit"
    ) -> list[TxResult]:
        response = await self._client.request(
            "POST", ISO20022_PAYMENTS_PATH, content=xml, headers=XML_HEADERS, reader=wallet
        )
        payments = make_mapped_payments(response.json())
        if not payments:
            return []
        txs = [await self._client.build_and_sign(wallet, payment) for payment in payments]
        try:
            results = await self._client.submit_batch(txs, mode)
        except (FinchainApiError, NodeUnavailable):
            wallet.resync()
            raise
        if is_any_rejected(results):
            wallet.resync()
        return results

    # ---- reads -------------------------------------------------------------------------------

    async def accounts(self, currency: str) -> list[dict[str, Any]]:
        return await self._get_list(f"{CLEARING_PATH}/accounts", {"currency": currency})

    async def payment(self, uetr: str) -> dict[str, Any]:
        return await self._get_object(compute_payment_path(uetr))

    async def queue(self, currency: str) -> list[dict[str, Any]]:
        return await self._get_list(f"{CLEARING_PATH}/queue", {"currency": currency})

    async def cycles(self) -> list[dict[str, Any]]:
        return await self._get_list(f"{CLEARING_PATH}/cycles")

    async def days(self, currency: str) -> list[dict[str, Any]]:
        return await self._get_list(f"{CLEARING_PATH}/days", {"currency": currency})

    async def directory(self) -> list[dict[str, Any]]:
        return await self._get_list(f"{CLEARING_PATH}/directory")

    async def status_report(self, uetr: str, original: str = "pacs.008") -> bytes:
        validate_original(original)
        path = f"{compute_payment_path(uetr)}/pacs002"
        response = await self._client.request("GET", path, params={"original": original})
        return response.content

    async def statement(self, participant: str, currency: str, day: int) -> bytes:
        params = {"currency": currency, "day": day}
        path = compute_statement_path(participant)
        return (await self._client.request("GET", path, params=params)).content

    async def _get_list(
        self, path: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        response = await self._client.request("GET", path, params=params)
        return [dict(item) for item in response.json()]

    async def _get_object(self, path: str) -> dict[str, Any]:
        return dict((await self._client.request("GET", path)).json())
