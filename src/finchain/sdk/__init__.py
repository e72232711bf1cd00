"""The finchain Python SDK: keys and wallets, build/sign/submit, wait for commit, typed module
calls, queries, event streams, and exact money formatting.

    from finchain.sdk import Client, Wallet, parse_amount

    wallet = Wallet.from_keystore("bank-a", password, keys_dir=home / "keys")
    with Client("http://127.0.0.1:8600") as client:
        client.bank.transfer(wallet, "0x…", "CNY", parse_amount("25.00", 2))

    with Client(url, reader=wallet) as client:     # signed reads, e.g. of clearing data
        client.clearing.queue("CNY")

    with Client(url) as client:                    # governance: propose, open, vote, wait
        proposed = client.governance.propose(pboc, make_add_org(...), "admit Bank D")

    with Client(url) as client:                    # smart contracts, typed from the ABI
        token = client.contracts.at(client.contracts.deploy(bank_a, source, "TOK", 100).address)
        token.call.transfer(bank_a, "0x…", 10)
        token.query.balance_of("0x…")

    with Client(url, reader=regulator, legal_basis="AML Law art. 37") as client:
        client.supervision.freeze_account(regulator, "0x…", "AML Law art. 37")
        client.supervision.verify_report(0)        # a member's submitted report, recomputed

    make_pledge(...) == build_message("clearing/Pledge@1", participant="bank-a", ...)

Public API = what this package exports (`__all__`); the exception tree is drawn in
`finchain.sdk.errors`. Each API call is written once, in a sans-I/O core (`_core`, `_chain` and
the modules' `*Api` classes), and `Client` / `AsyncClient` only run it over httpx. Message
builders are generated from the message registry (`messages.build_message`). Layering: the SDK
speaks HTTP to a node and never imports the node, api, engine, app, store, state, cli or bench
packages (an import-linter contract); it signs with `finchain.model`, keys from `finchain.keys`
and the modules' message classes.
"""

from __future__ import annotations

from finchain.keys import (
    KeyInfo,
    Keyring,
    KeystoreError,
    load_key_file,
    save_key_file,
)
from finchain.sdk.amounts import format_amount, parse_amount
from finchain.sdk.async_client import AsyncClient
from finchain.sdk.clearing import AsyncClearingCalls, ClearingCalls
from finchain.sdk.client import ChainIdentity, Client
from finchain.sdk.contracts import (
    AsyncContractCalls,
    CallResult,
    ContractCalls,
    ContractEvent,
    ContractHandle,
    ContractQueryResult,
    Deployed,
)
from finchain.sdk.errors import (
    AmountError,
    ContractArgsError,
    FinchainApiError,
    NodeUnavailable,
    ProposalWaitTimeout,
    SdkError,
    SuiteMismatch,
    TransactionFailed,
    TxWaitTimeout,
)
from finchain.sdk.governance import (
    AsyncGovernanceCalls,
    GovernanceCalls,
    ProposeResult,
    find_proposal_id,
)
from finchain.sdk.messages import (
    MessageBuilder,
    build_message,
    make_add_account,
    make_add_org,
    make_call,
    make_cancel_payment,
    make_clearing_redeem,
    make_contract_params,
    make_contract_upgrade,
    make_cut_off,
    make_deploy,
    make_grant_role,
    make_hold_payment,
    make_issue,
    make_issue_directive,
    make_lift_directive,
    make_mapped_payments,
    make_open_account,
    make_open_voting,
    make_pledge,
    make_propose,
    make_redeem,
    make_register_bic,
    make_release_payment,
    make_remove_org,
    make_review_report,
    make_revoke_role,
    make_run_lsm,
    make_set_auto_process,
    make_set_chain_params,
    make_set_governance_params,
    make_set_scope,
    make_set_suspended,
    make_set_threshold,
    make_set_urgent_reserve,
    make_set_validator_power,
    make_set_weight,
    make_submit_payment,
    make_submit_report,
    make_transfer,
    make_vote,
    message_builder,
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
from finchain.sdk.supervision import (
    AsyncSupervisionCalls,
    DirectiveResult,
    ReportVerification,
    SubmitReportResult,
    SupervisionCalls,
)
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import DEFAULT_URL, SubmitMode, raise_if_failed

__all__ = [
    "DEFAULT_URL",
    "AccountView",
    "AmountError",
    "AssetView",
    "AsyncClearingCalls",
    "AsyncClient",
    "AsyncContractCalls",
    "AsyncGovernanceCalls",
    "AsyncSupervisionCalls",
    "CallResult",
    "ChainIdentity",
    "ChainStatus",
    "ClearingCalls",
    "Client",
    "ContractArgsError",
    "ContractCalls",
    "ContractEvent",
    "ContractHandle",
    "ContractQueryResult",
    "Deployed",
    "DirectiveResult",
    "EventView",
    "FinchainApiError",
    "GovernanceCalls",
    "KeyInfo",
    "Keyring",
    "KeystoreError",
    "MemberView",
    "MessageBuilder",
    "NodeUnavailable",
    "ProposalWaitTimeout",
    "ProposeResult",
    "ReadAuth",
    "ReceiptView",
    "ReportVerification",
    "SdkError",
    "SubmitMode",
    "SubmitReportResult",
    "Subscription",
    "SuiteMismatch",
    "SupervisionCalls",
    "TransactionFailed",
    "TxInfo",
    "TxResult",
    "TxWaitTimeout",
    "Wallet",
    "build_message",
    "find_proposal_id",
    "format_amount",
    "load_key_file",
    "make_add_account",
    "make_add_org",
    "make_call",
    "make_cancel_payment",
    "make_clearing_redeem",
    "make_contract_params",
    "make_contract_upgrade",
    "make_cut_off",
    "make_deploy",
    "make_grant_role",
    "make_hold_payment",
    "make_issue",
    "make_issue_directive",
    "make_lift_directive",
    "make_mapped_payments",
    "make_open_account",
    "make_open_voting",
    "make_pledge",
    "make_propose",
    "make_redeem",
    "make_register_bic",
    "make_release_payment",
    "make_remove_org",
    "make_review_report",
    "make_revoke_role",
    "make_run_lsm",
    "make_set_auto_process",
    "make_set_chain_params",
    "make_set_governance_params",
    "make_set_scope",
    "make_set_suspended",
    "make_set_threshold",
    "make_set_urgent_reserve",
    "make_set_validator_power",
    "make_set_weight",
    "make_submit_payment",
    "make_submit_report",
    "make_transfer",
    "make_vote",
    "message_builder",
    "new_uetr",
    "parse_amount",
    "raise_if_failed",
    "save_key_file",
    "sign_read_headers",
    "to_address",
]
