"""The finchain Python SDK: keys and wallets, build/sign/submit, wait for commit, typed module
calls, queries, event streams, and exact money formatting.

    from finchain.sdk import Client, Wallet, parse_amount

    wallet = Wallet.from_keystore("bank-a", password, keys_dir=home / "keys")
    with Client("http://127.0.0.1:8600") as client:
        client.bank.transfer(wallet, "0x…", "CNY", parse_amount("25.00", 2))

    with Client(url, reader=wallet) as client:     # signed reads, e.g. of clearing data
        client.clearing.queue("CNY")

Public API = what this package exports (`__all__`); the exception tree is drawn in
`finchain.sdk.errors`. Layering: the SDK speaks HTTP to a node and never imports the node, api,
engine, app or store packages; it signs with `finchain.model` and the modules' message classes.
"""

from __future__ import annotations

from finchain.sdk.amounts import format_amount, parse_amount
from finchain.sdk.async_client import AsyncClient
from finchain.sdk.clearing import AsyncClearingCalls, ClearingCalls
from finchain.sdk.client import ChainIdentity, Client
from finchain.sdk.errors import (
    AmountError,
    FinchainApiError,
    NodeUnavailable,
    SdkError,
    SuiteMismatch,
    TransactionFailed,
    TxWaitTimeout,
)
from finchain.sdk.keystore import (
    KeyInfo,
    Keyring,
    KeystoreError,
    load_key_file,
    save_key_file,
)
from finchain.sdk.messages import (
    make_add_account,
    make_cancel_payment,
    make_clearing_redeem,
    make_cut_off,
    make_hold_payment,
    make_issue,
    make_mapped_payments,
    make_open_account,
    make_pledge,
    make_redeem,
    make_register_bic,
    make_release_payment,
    make_run_lsm,
    make_set_suspended,
    make_set_urgent_reserve,
    make_set_validator_power,
    make_submit_payment,
    make_transfer,
    new_uetr,
    to_address,
)
from finchain.sdk.read_signing import ReadAuth, sign_read_headers
from finchain.sdk.results import (
    AccountView,
    AssetView,
    ChainStatus,
    EventView,
    MemberView,
    ReceiptView,
    TxInfo,
    TxResult,
)
from finchain.sdk.subscription import Subscription
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import DEFAULT_URL, SubmitMode, raise_if_failed

__all__ = [
    "DEFAULT_URL",
    "AccountView",
    "AmountError",
    "AssetView",
    "AsyncClearingCalls",
    "AsyncClient",
    "ChainIdentity",
    "ChainStatus",
    "ClearingCalls",
    "Client",
    "EventView",
    "FinchainApiError",
    "KeyInfo",
    "Keyring",
    "KeystoreError",
    "MemberView",
    "NodeUnavailable",
    "ReadAuth",
    "ReceiptView",
    "SdkError",
    "SubmitMode",
    "Subscription",
    "SuiteMismatch",
    "TransactionFailed",
    "TxInfo",
    "TxResult",
    "TxWaitTimeout",
    "Wallet",
    "format_amount",
    "load_key_file",
    "make_add_account",
    "make_cancel_payment",
    "make_clearing_redeem",
    "make_cut_off",
    "make_hold_payment",
    "make_issue",
    "make_mapped_payments",
    "make_open_account",
    "make_pledge",
    "make_redeem",
    "make_register_bic",
    "make_release_payment",
    "make_run_lsm",
    "make_set_suspended",
    "make_set_urgent_reserve",
    "make_set_validator_power",
    "make_submit_payment",
    "make_transfer",
    "new_uetr",
    "parse_amount",
    "raise_if_failed",
    "save_key_file",
    "sign_read_headers",
    "to_address",
]
