"""The chain-level API calls, written once (`_core.api_call`), and what every client holds.

`ChainApi` is the body of both `Client` and `AsyncClient`: status and chain identity, signing
and submission, transactions, blocks, accounts, members, validators, assets and the raw
`request`. `ModuleApi` is the base of a module's call group (`client.clearing`, ...); `BankApi`,
`MembersApi` and `ValidatorsApi` are the small groups of this file.

The chain id and crypto suite are read from `/v1/status` once and cached; `build_and_sign`
refuses a wallet of another suite. A wallet's nonce comes from the node's `pending_nonce` the
first time it signs and is then counted locally, so many transactions can be in flight.
With a `reader`, every request but `GET /v1/status` is a signed read by that member account
(`read_signing`): the node then shows it what its organisation may see.

Must never: retry a submission on its own (the caller decides; resubmission is idempotent), or
perform I/O itself (the transports of `_transport.py` do).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from finchain.crypto import get_suite
from finchain.model import SignedTransaction
from finchain.sdk._core import Call, ReadSigner, Request, Runner, Sleep, api_call, module_calls
from finchain.sdk._groups import (
    AsyncBankCalls,
    AsyncMembersCalls,
    AsyncValidatorsCalls,
    BankCalls,
    MembersCalls,
    ValidatorsCalls,
)
from finchain.sdk.clearing import AsyncClearingCalls, ClearingCalls
from finchain.sdk.contracts import AsyncContractCalls, ContractCalls
from finchain.sdk.errors import FinchainApiError, NodeUnavailable, SuiteMismatch, TxWaitTimeout
from finchain.sdk.governance import AsyncGovernanceCalls, GovernanceCalls
from finchain.sdk.read_signing import STATUS_PATH, is_signed_request
from finchain.sdk.results import (
    AccountView,
    AssetView,
    ChainStatus,
    MemberView,
    TxInfo,
    TxResult,
    parse_balances,
)
from finchain.sdk.supervision import AsyncSupervisionCalls, SupervisionCalls
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

if TYPE_CHECKING:
    import httpx
    from httpx import Response as Reply  # the type only: see _core

DriverFactory = Callable[..., Any]

DEFAULT_TIMEOUT_S = 60.0  # above the node's 30 s commit wait, so its 504 reaches the caller
DEFAULT_POLL_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class ChainIdentity:
    """What a client must know to sign for a chain."""

    chain_id: str
    crypto_suite: str


class ChainApi(Runner):
    """The calls of `Client` and `AsyncClient` (one runs them to values, the other to
    awaitables) and their module call groups."""

    _open_driver: ClassVar[DriverFactory]  # each client's transport (`_transport`)

    bank = module_calls(BankCalls, AsyncBankCalls)
    clearing = module_calls(ClearingCalls, AsyncClearingCalls)
    governance = module_calls(GovernanceCalls, AsyncGovernanceCalls)
    supervision = module_calls(SupervisionCalls, AsyncSupervisionCalls)
    contracts = module_calls(ContractCalls, AsyncContractCalls)
    members = module_calls(MembersCalls, AsyncMembersCalls)
    validators = module_calls(ValidatorsCalls, AsyncValidatorsCalls)

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        reader: Wallet | None = None,
        legal_basis: str = "",
    ) -> None:
        """`transport` replaces httpx's network transport (an `httpx.BaseTransport` for Client,
        an `httpx.AsyncBaseTransport` for AsyncClient), e.g. `httpx.MockTransport` in tests."""
        self.url = normalise_url(url)
        self.reader = reader
        self.legal_basis = legal_basis  # cited by every signed read (a regulator must give one)
        self._timeout = timeout
        self._identity: ChainIdentity | None = None
        self._driver = type(self)._open_driver(self.url, timeout, headers, transport)

    # ---- chain ----------------------------------------------------------------------------

    @api_call
    def status(self) -> Call[ChainStatus]:
        status = ChainStatus.from_json((yield from self.get_json.steps(STATUS_PATH)))
        self._identity = ChainIdentity(status.chain_id, status.crypto_suite)
        return status

    @api_call
    def get_chain_identity(self) -> Call[ChainIdentity]:
        """The chain id and crypto suite, fetched once from `/v1/status` and cached."""
        if self._identity is None:
            yield from self.status.steps()
        assert self._identity is not None
        return self._identity

    @api_call
    def get_params(self, height: int | None = None) -> Call[dict[str, Any]]:
        return dict((yield from self.get_json.steps("/v1/params", compute_height_params(height))))

    @api_call
    def get_error_codes(self) -> Call[Any]:
        """Every stable error code the node knows, with its description."""
        return (yield from self.get_json.steps("/v1/errors"))

    # ---- transactions ---------------------------------------------------------------------

    @api_call
    def build_and_sign(
        self,
        wallet: Wallet,
        *msgs: Any,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
        nonce: int | None = None,
    ) -> Call[SignedTransaction]:
        """Sign `msgs` from `wallet` for this chain, with its next local nonce by default."""
        identity = yield from self.get_chain_identity.steps()
        if wallet.suite_name != identity.crypto_suite:
            raise SuiteMismatch(wallet.suite_name, identity.crypto_suite)
        if nonce is None:
            if wallet.next_nonce is None:
                account = yield from self.get_account.steps(wallet.address)
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

    @api_call
    def submit(self, tx: TxInput, mode: SubmitMode = "commit") -> Call[TxResult]:
        """Submit one signed transaction. A committed-but-failed receipt is returned, not raised;
        a transaction rejected before entering a block raises FinchainApiError."""
        body = build_submit_body(tx, mode)
        return TxResult.from_json((yield from self.post_json.steps("/v1/txs", body)))

    @api_call
    def submit_batch(
        self, txs: Sequence[TxInput], mode: SubmitMode = "commit"
    ) -> Call[list[TxResult]]:
        """Submit up to 10,000 transactions at once; rejected items get status `rejected`."""
        body = build_batch_body(txs, mode)
        data = yield from self.post_json.steps("/v1/txs/batch", body)
        hashes = []
        for tx in txs:
            hashes.append((yield from self._compute_hash(tx)))
        return decode_batch_results(data, hashes)

    @api_call
    def sign_and_submit(
        self,
        wallet: Wallet,
        *msgs: Any,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
        mode: SubmitMode = "commit",
        check: bool = True,
    ) -> Call[TxResult]:
        """build_and_sign + submit. With `check`, a failed receipt raises TransactionFailed.

        If the node does not take the transaction, the wallet is resynced so the nonce is reused.
        """
        signed = yield from self.build_and_sign.steps(
            wallet, *msgs, fee=fee, memo=memo, valid_until_height=valid_until_height
        )
        try:
            result = yield from self.submit.steps(signed, mode)
        except (FinchainApiError, NodeUnavailable):
            wallet.resync()
            raise
        return raise_if_failed(result) if check else result

    @api_call
    def get_tx(self, tx_hash: str | bytes) -> Call[TxInfo]:
        """A committed transaction; FinchainApiError `api/not_found` if not (yet) committed."""
        return TxInfo.from_json((yield from self.get_json.steps(f"/v1/txs/{format_hash(tx_hash)}")))

    @api_call
    def find_tx(self, tx_hash: str | bytes) -> Call[TxInfo | None]:
        try:
            return (yield from self.get_tx.steps(tx_hash))
        except FinchainApiError as err:
            if err.status == 404:
                return None
            raise

    @api_call
    def wait_for_tx(
        self,
        tx_hash: str | bytes,
        timeout: float = 30.0,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
    ) -> Call[TxInfo]:
        """Poll `GET /v1/txs/{hash}` until the transaction is committed; TxWaitTimeout if not."""
        deadline = time.monotonic() + timeout
        while True:
            info = yield from self.find_tx.steps(tx_hash)
            if info is not None:
                return info
            if time.monotonic() >= deadline:
                raise TxWaitTimeout(format_hash(tx_hash), timeout)
            yield Sleep(poll_interval)

    # ---- blocks and state -----------------------------------------------------------------

    @api_call
    def get_block(self, height: BlockRef = "latest") -> Call[dict[str, Any]]:
        """A block with its receipts (JSON as in docs/api.md)."""
        return dict((yield from self.get_json.steps(compute_block_path(height))))

    @api_call
    def get_account(self, address: AddressInput, height: int | None = None) -> Call[AccountView]:
        path = f"/v1/accounts/{coerce_address(address)}"
        data = yield from self.get_json.steps(path, compute_height_params(height))
        return AccountView.from_json(data)

    @api_call
    def get_balances(
        self, address: AddressInput, height: int | None = None
    ) -> Call[dict[str, int]]:
        path = f"/v1/accounts/{coerce_address(address)}/balances"
        return parse_balances((yield from self.get_json.steps(path, compute_height_params(height))))

    @api_call
    def get_account_txs(self, address: AddressInput, limit: int = 100) -> Call[list[str]]:
        """Hashes of the account's transactions, newest first."""
        path = f"/v1/accounts/{coerce_address(address)}/txs"
        data = yield from self.get_json.steps(path, {"limit": limit})
        return [str(h) for h in data.get("tx_hashes", [])]

    @api_call
    def get_members(self, height: int | None = None) -> Call[list[MemberView]]:
        data = yield from self.get_json.steps("/v1/members", compute_height_params(height))
        return [MemberView.from_json(m) for m in data]

    @api_call
    def get_member(self, member_id: str, height: int | None = None) -> Call[MemberView]:
        path = f"/v1/members/{member_id}"
        data = yield from self.get_json.steps(path, compute_height_params(height))
        return MemberView.from_json(data)

    @api_call
    def get_validators(self, height: int | None = None) -> Call[list[dict[str, Any]]]:
        """The validator set the application records: `[{"pub_key": hex, "power": n}]`."""
        data = yield from self.get_json.steps("/v1/validators", compute_height_params(height))
        return [dict(v) for v in data]

    @api_call
    def get_audit_reads(self) -> Call[list[dict[str, Any]]]:
        """Supervisory reads (signed read): a regulator's or the central bank's own, in full;
        for another member, the reads of its data (who, when, legal basis)."""
        return [dict(e) for e in (yield from self.get_json.steps("/v1/audit/reads"))]

    @api_call
    def get_assets(self, height: int | None = None) -> Call[list[AssetView]]:
        data = yield from self.get_json.steps("/v1/assets", compute_height_params(height))
        return [AssetView.from_json(a) for a in data]

    @api_call
    def get_asset(self, symbol: str, height: int | None = None) -> Call[AssetView]:
        path = f"/v1/assets/{symbol}"
        return AssetView.from_json(
            (yield from self.get_json.steps(path, compute_height_params(height)))
        )

    # ---- requests -------------------------------------------------------------------------

    @api_call
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
    ) -> Call[Reply]:
        """Send one API request (the httpx.Response); an error answer raises FinchainApiError.
        It is signed as a read by `reader`, else by the client's reader, unless it is
        `GET /v1/status`."""
        signer = yield from self._find_read_signer(method, path, reader)
        reply: Reply = yield Request(method, path, params, json, content, headers, signer)
        if reply.status_code >= 400:
            raise decode_error(reply.status_code, reply.content)
        return reply

    @api_call
    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Call[Any]:
        """`GET path` (signed as `request` is): the decoded JSON answer."""
        return (yield from self.request.steps("GET", path, params=params)).json()

    @api_call
    def post_json(self, path: str, body: Any) -> Call[Any]:
        """`POST path` with a JSON body: the decoded JSON answer."""
        return (yield from self.request.steps("POST", path, json=body)).json()

    def _find_read_signer(
        self, method: str, path: str, reader: Wallet | None
    ) -> Call[ReadSigner | None]:
        signer = reader if reader is not None else self.reader
        if signer is None or not is_signed_request(method, path):
            return None
        chain_id = yield from self._get_reader_chain_id(signer)
        return ReadSigner(signer, chain_id, self.legal_basis)

    def _get_reader_chain_id(self, reader: Wallet) -> Call[str]:
        identity = yield from self.get_chain_identity.steps()
        if reader.suite_name != identity.crypto_suite:
            raise SuiteMismatch(reader.suite_name, identity.crypto_suite)
        return identity.chain_id

    def _compute_hash(self, tx: TxInput) -> Call[str]:
        if isinstance(tx, SignedTransaction):
            return tx.hash.hex()
        suite = get_suite((yield from self.get_chain_identity.steps()).crypto_suite)
        return suite.hash(bytes.fromhex(encode_tx_hex(tx))).hex()
