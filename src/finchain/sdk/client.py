"""The synchronous client of a finchain node's v1 API (httpx.Client), with typed module calls.

    with Client("http://127.0.0.1:8600") as client:
        result = client.bank.transfer(wallet, "0x…", "CNY", 2500)   # raises if it failed
        print(result.hash, result.receipt.height)

Module calls: `client.bank`, `client.clearing` (clearing.py), `client.governance`
(governance.py), `client.supervision` (supervision.py), `client.contracts` (contracts.py),
`client.members`, `client.validators`.

The chain id and crypto suite are read from `/v1/status` once and cached; `build_and_sign`
refuses a wallet of another suite. A wallet's nonce comes from the node's `pending_nonce` the
first time it signs and is then counted locally, so many transactions can be in flight.
With `reader=wallet`, every request but `GET /v1/status` is a signed read by that member account
(`read_signing`): the node then shows it what its organisation may see (clearing reads need it).

Concurrency: one Client may be shared by threads (httpx.Client is thread-safe).
Must never: retry a submission on its own (the caller decides; resubmission is idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from finchain.crypto import get_suite
from finchain.model import SignedTransaction
from finchain.sdk.clearing import ClearingCalls
from finchain.sdk.contracts import ContractCalls
from finchain.sdk.errors import (
    FinchainApiError,
    NodeUnavailable,
    SuiteMismatch,
    TxWaitTimeout,
)
from finchain.sdk.governance import GovernanceCalls
from finchain.sdk.messages import (
    make_add_account,
    make_issue,
    make_redeem,
    make_set_validator_power,
    make_transfer,
)
from finchain.sdk.read_signing import ReadAuth, is_signed_request
from finchain.sdk.results import (
    AccountView,
    AssetView,
    ChainStatus,
    MemberView,
    TxInfo,
    TxResult,
    parse_balances,
)
from finchain.sdk.supervision import SupervisionCalls
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import (
    DEFAULT_URL,
    AddressInput,
    BlockRef,
    SubmitMode,
    TxInput,
    build_batch_body,
    build_submit_body,
    coerce_address,
    compute_block_path,
    compute_height_params,
    decode_batch_results,
    decode_error,
    encode_tx_hex,
    format_hash,
    normalise_url,
    raise_if_failed,
)

DEFAULT_TIMEOUT_S = 60.0  # above the node's 30 s commit wait, so its 504 reaches the caller
DEFAULT_POLL_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class ChainIdentity:
    """What a client must know to sign for a chain."""

    chain_id: str
    crypto_suite: str


class Client:
    """Talks to one node. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        reader: Wallet | None = None,
        legal_basis: str = "",
    ) -> None:
        self.url = normalise_url(url)
        self._http = httpx.Client(
            base_url=self.url, timeout=timeout, headers=headers, transport=transport
        )
        self._identity: ChainIdentity | None = None
        self.reader = reader
        self.legal_basis = legal_basis  # cited by every signed read (a regulator must give one)
        self.bank = BankCalls(self)
        self.clearing = ClearingCalls(self)
        self.governance = GovernanceCalls(self)
        self.supervision = SupervisionCalls(self)
        self.contracts = ContractCalls(self)
        self.members = MembersCalls(self)
        self.validators = ValidatorsCalls(self)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ---- chain ----------------------------------------------------------------------------

    def status(self) -> ChainStatus:
        status = ChainStatus.from_json(self._request("GET", "/v1/status"))
        self._identity = ChainIdentity(status.chain_id, status.crypto_suite)
        return status

    def get_chain_identity(self) -> ChainIdentity:
        """The chain id and crypto suite, fetched once from `/v1/status` and cached."""
        if self._identity is None:
            self.status()
        assert self._identity is not None
        return self._identity

    def get_params(self, height: int | None = None) -> dict[str, Any]:
        return dict(self._request("GET", "/v1/params", params=compute_height_params(height)))

    def get_error_codes(self) -> Any:
        """Every stable error code the node knows, with its description."""
        return self._request("GET", "/v1/errors")

    # ---- transactions ---------------------------------------------------------------------

    def build_and_sign(
        self,
        wallet: Wallet,
        *msgs: Any,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
        nonce: int | None = None,
    ) -> SignedTransaction:
        """Sign `msgs` from `wallet` for this chain, with its next local nonce by default."""
        identity = self.get_chain_identity()
        if wallet.suite_name != identity.crypto_suite:
            raise SuiteMismatch(wallet.suite_name, identity.crypto_suite)
        if nonce is None:
            if wallet.next_nonce is None:
                wallet.ensure_nonce(self.get_account(wallet.address).pending_nonce)
            nonce = wallet.claim_nonce()
        return wallet.sign(
            identity.chain_id,
            msgs,
            nonce=nonce,
            fee=fee,
            memo=memo,
            valid_until_height=valid_until_height,
        )

    def submit(self, tx: TxInput, mode: SubmitMode = "commit") -> TxResult:
        """Submit one signed transaction. A committed-but-failed receipt is returned, not raised;
        a transaction rejected before entering a block raises FinchainApiError."""
        return TxResult.from_json(
            self._request("POST", "/v1/txs", json=build_submit_body(tx, mode))
        )

    def submit_batch(self, txs: Sequence[TxInput], mode: SubmitMode = "commit") -> list[TxResult]:
        """Submit up to 10,000 transactions at once; rejected items get status `rejected`."""
        body = build_batch_body(txs, mode)
        data = self._request("POST", "/v1/txs/batch", json=body)
        return decode_batch_results(data, [self._compute_hash(t) for t in txs])

    def sign_and_submit(
        self,
        wallet: Wallet,
        *msgs: Any,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
        mode: SubmitMode = "commit",
        check: bool = True,
    ) -> TxResult:
        """build_and_sign + submit. With `check`, a failed receipt raises TransactionFailed.

        If the node does not take the transaction, the wallet is resynced so the nonce is reused.
        """
        signed = self.build_and_sign(
            wallet, *msgs, fee=fee, memo=memo, valid_until_height=valid_until_height
        )
        try:
            result = self.submit(signed, mode)
        except (FinchainApiError, NodeUnavailable):
            wallet.resync()
            raise
        return raise_if_failed(result) if check else result

    def get_tx(self, tx_hash: str | bytes) -> TxInfo:
        """A committed transaction; FinchainApiError `api/not_found` if not (yet) committed."""
        return TxInfo.from_json(self._request("GET", f"/v1/txs/{format_hash(tx_hash)}"))

    def find_tx(self, tx_hash: str | bytes) -> TxInfo | None:
        try:
            return self.get_tx(tx_hash)
        except FinchainApiError as err:
            if err.status == 404:
                return None
            raise

    def wait_for_tx(
        self,
        tx_hash: str | bytes,
        timeout: float = 30.0,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
    ) -> TxInfo:
        """Poll `GET /v1/txs/{hash}` until the transaction is committed; TxWaitTimeout if not."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.find_tx(tx_hash)
            if info is not None:
                return info
            if time.monotonic() >= deadline:
                raise TxWaitTimeout(format_hash(tx_hash), timeout)
            time.sleep(poll_interval)

    # ---- blocks and state -----------------------------------------------------------------

    def get_block(self, height: BlockRef = "latest") -> dict[str, Any]:
        """A block with its receipts (JSON as in docs/api.md)."""
        return dict(self._request("GET", compute_block_path(height)))

    def get_account(self, address: AddressInput, height: int | None = None) -> AccountView:
        path = f"/v1/accounts/{coerce_address(address)}"
        return AccountView.from_json(
            self._request("GET", path, params=compute_height_params(height))
        )

    def get_balances(self, address: AddressInput, height: int | None = None) -> dict[str, int]:
        path = f"/v1/accounts/{coerce_address(address)}/balances"
        return parse_balances(self._request("GET", path, params=compute_height_params(height)))

    def get_account_txs(self, address: AddressInput, limit: int = 100) -> list[str]:
        """Hashes of the account's transactions, newest first."""
        path = f"/v1/accounts/{coerce_address(address)}/txs"
        data = self._request("GET", path, params={"limit": limit})
        return [str(h) for h in data.get("tx_hashes", [])]

    def get_members(self, height: int | None = None) -> list[MemberView]:
        data = self._request("GET", "/v1/members", params=compute_height_params(height))
        return [MemberView.from_json(m) for m in data]

    def get_member(self, member_id: str, height: int | None = None) -> MemberView:
        path = f"/v1/members/{member_id}"
        return MemberView.from_json(
            self._request("GET", path, params=compute_height_params(height))
        )

    def get_validators(self, height: int | None = None) -> list[dict[str, Any]]:
        """The validator set the application records: `[{"pub_key": hex, "power": n}]`."""
        data = self._request("GET", "/v1/validators", params=compute_height_params(height))
        return [dict(v) for v in data]

    def get_audit_reads(self) -> list[dict[str, Any]]:
        """Supervisory reads (signed read): a regulator's or the central bank's own, in full;
        for another member, the reads of its data (who, when, legal basis)."""
        return [dict(e) for e in self._request("GET", "/v1/audit/reads")]

    def get_assets(self, height: int | None = None) -> list[AssetView]:
        data = self._request("GET", "/v1/assets", params=compute_height_params(height))
        return [AssetView.from_json(a) for a in data]

    def get_asset(self, symbol: str, height: int | None = None) -> AssetView:
        path = f"/v1/assets/{symbol}"
        return AssetView.from_json(self._request("GET", path, params=compute_height_params(height)))

    # ---- transport ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        reader: Wallet | None = None,
    ) -> httpx.Response:
        """Send one API request; an error answer raises FinchainApiError. It is signed as a read
        by `reader`, else by the client's reader, unless it is `GET /v1/status`."""
        auth = self._make_read_auth(method, path, reader)
        try:
            response = self._http.request(
                method, path, params=params, json=json, content=content, headers=headers, auth=auth
            )
        except httpx.TimeoutException as exc:
            raise NodeUnavailable(self.url, f"no answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise NodeUnavailable(self.url, str(exc) or type(exc).__name__) from exc
        if response.status_code >= 400:
            raise decode_error(response.status_code, response.content)
        return response

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        return self.request(method, path, params=params, json=json).json()

    def _make_read_auth(self, method: str, path: str, reader: Wallet | None) -> ReadAuth | None:
        signer = reader if reader is not None else self.reader
        if signer is None or not is_signed_request(method, path):
            return None
        identity = self.get_chain_identity()
        if signer.suite_name != identity.crypto_suite:
            raise SuiteMismatch(signer.suite_name, identity.crypto_suite)
        return ReadAuth(signer, identity.chain_id, self.legal_basis)

    def _compute_hash(self, tx: TxInput) -> str:
        if isinstance(tx, SignedTransaction):
            return tx.hash.hex()
        suite = get_suite(self.get_chain_identity().crypto_suite)
        return suite.hash(bytes.fromhex(encode_tx_hex(tx))).hex()


class BankCalls:
    """`client.bank.*`: issue, transfer and redeem, committed and checked (TransactionFailed)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def transfer(
        self,
        wallet: Wallet,
        to: AddressInput,
        asset: str,
        amount: int,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_transfer(to, asset, amount)
        return self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)

    def issue(
        self,
        wallet: Wallet,
        to: AddressInput,
        asset: str,
        amount: int,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_issue(to, asset, amount)
        return self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)

    def redeem(
        self,
        wallet: Wallet,
        asset: str,
        amount: int,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_redeem(asset, amount)
        return self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)


class MembersCalls:
    """`client.members.*`: membership transactions."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def add_account(
        self,
        wallet: Wallet,
        address: AddressInput,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_add_account(address)
        return self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)


class ValidatorsCalls:
    """`client.validators.*`: validator-set changes (admin members only)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def set_power(
        self,
        wallet: Wallet,
        pub_key: bytes | str,
        power: int,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> TxResult:
        """Add (power > 0), re-weight or remove (power 0) the validator with this Ed25519 key;
        CometBFT applies it two heights after the block that commits it."""
        msg = make_set_validator_power(pub_key, power)
        return self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)
