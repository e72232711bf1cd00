"""The finchain Python SDK: keys and wallets, build/sign/submit, wait for commit, typed module
calls, queries, event streams, and exact money formatting.

    from finchain.sdk import Client, Wallet, parse_amount

    wallet = Wallet.from_keystore("bank-a", password, keys_dir=home / "keys")
    with Client("http://127.0.0.1:8600") as client:
        client.bank.transfer(wallet, "0x…", "CNY", parse_amount("25.00", 2))

Public API = what this package exports (`__all__`); the exception tree is drawn in
`finchain.sdk.errors`. Layering: the SDK speaks HTTP to a node and never imports the node, api,
engine, app or store packages; it signs with `finchain.model` and the modules' message classes.
"""

from __future__ import annotations

from finchain.sdk.amounts import format_amount, parse_amount
from finchain.sdk.async_client import AsyncClient, Subscription
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
    make_issue,
    make_redeem,
    make_set_validator_power,
    make_transfer,
    to_address,
)
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
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import DEFAULT_URL, SubmitMode, raise_if_failed

__all__ = [
    "DEFAULT_URL",
    "AccountView",
    "AmountError",
    "AssetView",
    "AsyncClient",
    "ChainIdentity",
    "ChainStatus",
    "Client",
    "EventView",
    "FinchainApiError",
    "KeyInfo",
    "Keyring",
    "KeystoreError",
    "MemberView",
    "NodeUnavailable",
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
    "make_issue",
    "make_redeem",
    "make_set_validator_power",
    "make_transfer",
    "parse_amount",
    "raise_if_failed",
    "save_key_file",
    "to_address",
]
