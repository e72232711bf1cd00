"""The asyncio client (httpx.AsyncClient) and the WebSocket event stream of `/v1/ws`.

Same surface as `Client`, with `await`; plus `subscribe()`:

    async with AsyncClient(url) as client:
        async with client.subscribe(("blocks", "events")) as stream:
            async for message in stream:          # {"type": "block", ...} / {"type": "event", ...}
                ...

With `reader=wallet`, requests (but `GET /v1/status`) and subscriptions are signed reads by that
member account (`read_signing`), as for `Client`.

Concurrency: one AsyncClient per event loop. A Subscription (`subscription.py`) owns one
WebSocket connection; entering it (`async with`) opens the connection, so messages sent after
that are not missed.
Must never: retry a submission on its own (resubmission is idempotent; the caller decides).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx

from finchain.crypto import get_suite
from finchain.model import SignedTransaction
from finchain.sdk.clearing import AsyncClearingCalls
from finchain.sdk.client import DEFAULT_POLL_INTERVAL_S, DEFAULT_TIMEOUT_S, ChainIdentity
from finchain.sdk.contracts import AsyncContractCalls
from finchain.sdk.errors import FinchainApiError, NodeUnavailable, SuiteMismatch, TxWaitTimeout
from finchain.sdk.governance import AsyncGovernanceCalls
from finchain.sdk.messages import (
    make_add_account,
    make_issue,
    make_redeem,
    make_set_validator_power,
    make_transfer,
)
from finchain.sdk.read_signing import (
    ReadAuth,
    compute_read_target,
    is_signed_request,
    now_ms,
    sign_read_headers,
)
from finchain.sdk.results import (
    AccountView,
    AssetView,
    ChainStatus,
    MemberView,
    TxInfo,
    TxResult,
    parse_balances,
)
from finchain.sdk.subscription import Subscription
from finchain.sdk.supervision import AsyncSupervisionCalls
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
    compute_ws_url,
    decode_batch_results,
    decode_error,
    encode_tx_hex,
    format_hash,
    normalise_url,
    raise_if_failed,
)

DEFAULT_TOPICS = ("blocks", "events")


class AsyncClient:
    """Talks to one node from asyncio code. Use `async with`, or `await aclose()`."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        reader: Wallet | None = None,
        legal_basis: str = "",
    ) -> None:
        self.url = normalise_url(url)
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.url, timeout=timeout, headers=headers, transport=transport
        )
        self._identity: ChainIdentity | None = None
        self.reader = reader
        self.legal_basis = legal_basis  # cited by every signed read (a regulator must give one)
        self.bank = AsyncBankCalls(self)
        self.clearing = AsyncClearingCalls(self)
        self.governance = AsyncGovernanceCalls(self)
        self.supervision = AsyncSupervisionCalls(self)
        self.contracts = AsyncContractCalls(self)
        self.members = AsyncMembersCalls(self)
        self.validators = AsyncValidatorsCalls(self)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ---- chain ----------------------------------------------------------------------------

    async def status(self) -> ChainStatus:
        status = ChainStatus.from_json(await self._request("GET", "/v1/status"))
        self._identity = ChainIdentity(status.chain_id, status.crypto_suite)
        return status

    async def get_chain_identity(self) -> ChainIdentity:
        """The chain id and crypto suite, fetched once from `/v1/status` and cached."""
        if self._identity is None:
            await self.status()
        assert self._identity is not None
        return self._identity

    async def get_params(self, height: int | None = None) -> dict[str, Any]:
        return dict(await self._request("GET", "/v1/params", params=compute_height_params(height)))

    async def get_error_codes(self) -> Any:
        return await self._request("GET", "/v1/errors")

    # ---- transactions ---------------------------------------------------------------------

    async def build_and_sign(
        self,
        wallet: Wallet,
        *msgs: Any,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
        nonce: int | None = None,
    ) -> SignedTransaction:
        """Sign `msgs` from `wallet` for this chain, with its next local nonce by default."""
        identity = await self.get_chain_identity()
        if wallet.suite_name != identity.crypto_suite:
            raise SuiteMismatch(wallet.suite_name, identity.crypto_suite)
        if nonce is None:
            if wallet.next_nonce is None:
                account = await self.get_account(wallet.address)
                wallet.ensure_nonce(account.pending_nonce)  # unless another task synced first
            nonce = wallet.claim_nonce()
        return wallet.sign(
            identity.chain_id,
            msgs,
            nonce=nonce,
            fee=fee,
            memo=memo,
            valid_until_height=valid_until_height,
        )

    async def submit(self, tx: TxInput, mode: SubmitMode = "commit") -> TxResult:
        """Submit one signed transaction; a failed receipt is returned, a rejection raised."""
        data = await self._request("POST", "/v1/txs", json=build_submit_body(tx, mode))
        return TxResult.from_json(data)

    async def submit_batch(
        self, txs: Sequence[TxInput], mode: SubmitMode = "commit"
    ) -> list[TxResult]:
        body = build_batch_body(txs, mode)
        data = await self._request("POST", "/v1/txs/batch", json=body)
        return decode_batch_results(data, [await self._compute_hash(t) for t in txs])

    async def sign_and_submit(
        self,
        wallet: Wallet,
        *msgs: Any,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
        mode: SubmitMode = "commit",
        check: bool = True,
    ) -> TxResult:
        """build_and_sign + submit; with `check`, a failed receipt raises TransactionFailed."""
        signed = await self.build_and_sign(
            wallet, *msgs, fee=fee, memo=memo, valid_until_height=valid_until_height
        )
        try:
            result = await self.submit(signed, mode)
        except (FinchainApiError, NodeUnavailable):
            wallet.resync()
            raise
        return raise_if_failed(result) if check else result

    async def get_tx(self, tx_hash: str | bytes) -> TxInfo:
        return TxInfo.from_json(await self._request("GET", f"/v1/txs/{format_hash(tx_hash)}"))

    async def find_tx(self, tx_hash: str | bytes) -> TxInfo | None:
        try:
            return await self.get_tx(tx_hash)
        except FinchainApiError as err:
            if err.status == 404:
                return None
            raise

    async def wait_for_tx(
        self,
        tx_hash: str | bytes,
        timeout: float = 30.0,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
    ) -> TxInfo:
        """Poll `GET /v1/txs/{hash}` until the transaction is committed; TxWaitTimeout if not."""
        deadline = time.monotonic() + timeout
        while True:
            info = await self.find_tx(tx_hash)
            if info is not None:
                return info
            if time.monotonic() >= deadline:
                raise TxWaitTimeout(format_hash(tx_hash), timeout)
            await asyncio.sleep(poll_interval)

    # ---- blocks and state -----------------------------------------------------------------

    async def get_block(self, height: BlockRef = "latest") -> dict[str, Any]:
        return dict(await self._request("GET", compute_block_path(height)))

    async def get_account(self, address: AddressInput, height: int | None = None) -> AccountView:
        path = f"/v1/accounts/{coerce_address(address)}"
        data = await self._request("GET", path, params=compute_height_params(height))
        return AccountView.from_json(data)

    async def get_balances(
        self, address: AddressInput, height: int | None = None
    ) -> dict[str, int]:
        path = f"/v1/accounts/{coerce_address(address)}/balances"
        data = await self._request("GET", path, params=compute_height_params(height))
        return parse_balances(data)

    async def get_account_txs(self, address: AddressInput, limit: int = 100) -> list[str]:
        path = f"/v1/accounts/{coerce_address(address)}/txs"
        data = await self._request("GET", path, params={"limit": limit})
        return [str(h) for h in data.get("tx_hashes", [])]

    async def get_members(self, height: int | None = None) -> list[MemberView]:
        data = await self._request("GET", "/v1/members", params=compute_height_params(height))
        return [MemberView.from_json(m) for m in data]

    async def get_member(self, member_id: str, height: int | None = None) -> MemberView:
        path = f"/v1/members/{member_id}"
        data = await self._request("GET", path, params=compute_height_params(height))
        return MemberView.from_json(data)

    async def get_validators(self, height: int | None = None) -> list[dict[str, Any]]:
        """The validator set the application records: `[{"pub_key": hex, "power": n}]`."""
        data = await self._request("GET", "/v1/validators", params=compute_height_params(height))
        return [dict(v) for v in data]

    async def get_audit_reads(self) -> list[dict[str, Any]]:
        """Supervisory reads (signed read): see `Client.get_audit_reads`."""
        return [dict(e) for e in await self._request("GET", "/v1/audit/reads")]

    async def get_assets(self, height: int | None = None) -> list[AssetView]:
        data = await self._request("GET", "/v1/assets", params=compute_height_params(height))
        return [AssetView.from_json(a) for a in data]

    async def get_asset(self, symbol: str, height: int | None = None) -> AssetView:
        path = f"/v1/assets/{symbol}"
        data = await self._request("GET", path, params=compute_height_params(height))
        return AssetView.from_json(data)

    # ---- events ---------------------------------------------------------------------------

    def subscribe(self, topics: Sequence[str] = DEFAULT_TOPICS) -> Subscription:
        """A stream of `/v1/ws` messages as dicts; `async with` it to connect before acting.
        With a reader, the handshake is signed and the node cuts messages for its organisation."""
        sign = None if self.reader is None else self._sign_handshake
        url = compute_ws_url(self.url, topics)
        return Subscription(url, open_timeout=self._timeout, sign_handshake=sign)

    # ---- transport ------------------------------------------------------------------------

    async def request(
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
        auth = await self._make_read_auth(method, path, reader)
        try:
            response = await self._http.request(
                method, path, params=params, json=json, content=content, headers=headers, auth=auth
            )
        except httpx.TimeoutException as exc:
            raise NodeUnavailable(self.url, f"no answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise NodeUnavailable(self.url, str(exc) or type(exc).__name__) from exc
        if response.status_code >= 400:
            raise decode_error(response.status_code, response.content)
        return response

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        return (await self.request(method, path, params=params, json=json)).json()

    async def _make_read_auth(
        self, method: str, path: str, reader: Wallet | None
    ) -> ReadAuth | None:
        signer = reader if reader is not None else self.reader
        if signer is None or not is_signed_request(method, path):
            return None
        chain_id = await self._get_reader_chain_id(signer)
        return ReadAuth(signer, chain_id, self.legal_basis)

    async def _sign_handshake(self, target: str) -> dict[str, str]:
        """Headers signing the `/v1/ws` handshake (a GET of `target`) by the client's reader."""
        assert self.reader is not None
        chain_id = await self._get_reader_chain_id(self.reader)
        return sign_read_headers(
            self.reader,
            chain_id,
            "GET",
            compute_read_target(target),
            b"",
            now_ms(),
            self.legal_basis,
        )

    async def _get_reader_chain_id(self, reader: Wallet) -> str:
        identity = await self.get_chain_identity()
        if reader.suite_name != identity.crypto_suite:
            raise SuiteMismatch(reader.suite_name, identity.crypto_suite)
        return identity.chain_id

    async def _compute_hash(self, tx: TxInput) -> str:
        if isinstance(tx, SignedTransaction):
            return tx.hash.hex()
        suite = get_suite((await self.get_chain_identity()).crypto_suite)
        return suite.hash(bytes.fromhex(encode_tx_hex(tx))).hex()


class AsyncBankCalls:
    """`client.bank.*` for AsyncClient: committed and checked (TransactionFailed)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def transfer(
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
        return await self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)

    async def issue(
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
        return await self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)

    async def redeem(
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
        return await self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)


class AsyncMembersCalls:
    """`client.members.*` for AsyncClient."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def add_account(
        self,
        wallet: Wallet,
        address: AddressInput,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> TxResult:
        msg = make_add_account(address)
        return await self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)


class AsyncValidatorsCalls:
    """`client.validators.*`: validator-set changes (admin members only)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def set_power(
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
        return await self._client.sign_and_submit(wallet, msg, fee=fee, memo=memo, mode=mode)
