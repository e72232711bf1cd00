"""`client.bank`, `client.members` and `client.validators`: the core modules' transactions.

Each group is written once (`_core.api_call`); `BankCalls` runs it for `Client`, `AsyncBankCalls`
awaits it for `AsyncClient` (likewise members and validators). Every call signs with the wallet
given, waits for commit by default and raises TransactionFailed for a failed receipt.

Must never: sign on anyone's behalf.
"""

from __future__ import annotations

from finchain.sdk._core import AsyncRunner, Call, ModuleApi, SyncRunner, api_call
from finchain.sdk.messages import (
    make_add_account,
    make_issue,
    make_redeem,
    make_set_validator_power,
    make_transfer,
)
from finchain.sdk.results import TxResult
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import AddressInput, SubmitMode


class BankApi(ModuleApi):
    """`client.bank.*`: issue, transfer and redeem, committed and checked (TransactionFailed)."""

    @api_call
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
    ) -> Call[TxResult]:
        msg = make_transfer(to, asset, amount)
        return (yield from self._submit(wallet, msg, fee=fee, memo=memo, mode=mode))

    @api_call
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
    ) -> Call[TxResult]:
        msg = make_issue(to, asset, amount)
        return (yield from self._submit(wallet, msg, fee=fee, memo=memo, mode=mode))

    @api_call
    def redeem(
        self,
        wallet: Wallet,
        asset: str,
        amount: int,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        msg = make_redeem(asset, amount)
        return (yield from self._submit(wallet, msg, fee=fee, memo=memo, mode=mode))


class BankCalls(SyncRunner, BankApi):
    """`client.bank.*` for `Client`."""


class AsyncBankCalls(AsyncRunner, BankApi):
    """`client.bank.*` for `AsyncClient` (awaited)."""


class MembersApi(ModuleApi):
    """`client.members.*`: membership transactions."""

    @api_call
    def add_account(
        self,
        wallet: Wallet,
        address: AddressInput,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        msg = make_add_account(address)
        return (yield from self._submit(wallet, msg, fee=fee, memo=memo, mode=mode))


class MembersCalls(SyncRunner, MembersApi):
    """`client.members.*` for `Client`."""


class AsyncMembersCalls(AsyncRunner, MembersApi):
    """`client.members.*` for `AsyncClient` (awaited)."""


class ValidatorsApi(ModuleApi):
    """`client.validators.*`: validator-set changes (an admin member within the genesis bootstrap
    window; after it, propose them with governance)."""

    @api_call
    def set_power(
        self,
        wallet: Wallet,
        pub_key: bytes | str,
        power: int,
        *,
        fee: int = 0,
        memo: str = "",
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        """Add (power > 0), re-weight or remove (power 0) the validator with this Ed25519 key;
        CometBFT applies it two heights after the block that commits it."""
        msg = make_set_validator_power(pub_key, power)
        return (yield from self._submit(wallet, msg, fee=fee, memo=memo, mode=mode))


class ValidatorsCalls(SyncRunner, ValidatorsApi):
    """`client.validators.*` for `Client`."""


class AsyncValidatorsCalls(AsyncRunner, ValidatorsApi):
    """`client.validators.*` for `AsyncClient` (awaited)."""
