"""The SDK's exceptions: every failure a client program may want to tell apart.

    FinchainError                     (finchain.errors)
     └── SdkError
          ├── NodeUnavailable         the node could not be reached (refused, timed out, closed)
          ├── FinchainApiError        the node answered 4xx/5xx with {code, message, details}
          ├── TransactionFailed       committed, but the receipt code is not `ok` (typed helpers)
          ├── TxWaitTimeout           `wait_for_tx` gave up before the transaction committed
          ├── ProposalWaitTimeout     `governance.wait_for_close` gave up before the vote closed
          ├── SuiteMismatch           the wallet signs with another suite than the chain's
          ├── ContractArgsError       arguments do not fit a contract function's ABI
          │                           (also a TypeError; nothing was sent)
          └── AmountError             an amount text is not a valid number of minor units
                                      (also a ValueError)
     KeystoreError                    (finchain.keys) a key file cannot be read or written

Must never: hide the node's stable error code; a caller matches on `code`, not on messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from finchain.errors import FinchainError

if TYPE_CHECKING:
    from finchain.sdk.results import ReceiptView


class SdkError(FinchainError):
    """Base of every error the SDK raises on purpose."""


class NodeUnavailable(SdkError):
    """The node could not be reached: nothing listens on the URL, or it did not answer in time."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"node at {url} is unavailable: {reason}")
        self.url = url
        self.reason = reason
        self.code = "sdk/node_unavailable"
        self.message = f"node at {url} is unavailable: {reason}"


class FinchainApiError(SdkError):
    """The node rejected a request: HTTP `status`, stable `code` (`bank/insufficient_funds`)."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return (
            f"FinchainApiError(status={self.status}, code={self.code!r}, message={self.message!r})"
        )


class TransactionFailed(SdkError):
    """A transaction was committed but failed: its nonce and fee were consumed, nothing else."""

    def __init__(self, tx_hash: str, receipt: ReceiptView) -> None:
        super().__init__(f"{receipt.code}: {receipt.log} (tx {tx_hash})")
        self.tx_hash = tx_hash
        self.receipt = receipt
        self.code = receipt.code
        self.message = receipt.log


class TxWaitTimeout(SdkError):
    """`wait_for_tx` did not see the transaction committed in time (it may still commit)."""

    def __init__(self, tx_hash: str, timeout: float) -> None:
        super().__init__(f"transaction {tx_hash} not committed after {timeout:g} s")
        self.tx_hash = tx_hash
        self.timeout = timeout
        self.code = "sdk/timeout"
        self.message = f"transaction {tx_hash} not committed after {timeout:g} s"


class SuiteMismatch(SdkError):
    """Refused client-side: the wallet's crypto suite is not the chain's, the node would reject."""

    def __init__(self, wallet_suite: str, chain_suite: str) -> None:
        message = f"wallet uses the {wallet_suite!r} suite but the chain uses {chain_suite!r}"
        super().__init__(message)
        self.wallet_suite = wallet_suite
        self.chain_suite = chain_suite
        self.code = "sdk/suite_mismatch"
        self.message = message


class ContractArgsError(SdkError, TypeError):
    """Refused client-side: a typed contract call's arguments do not fit the function's ABI
    (count, or a parameter's type); the message names the function and the parameter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "sdk/bad_contract_args"
        self.message = message


class AmountError(SdkError, ValueError):
    """An amount text is malformed, negative, or has more fractional digits than allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "sdk/bad_amount"
        self.message = message


class ProposalWaitTimeout(SdkError):
    """`wait_for_close` gave up while the proposal was still DRAFT or VOTING (it may close
    later: a vote closes with the block at `voting_end_height`, whenever that block is made)."""

    def __init__(self, proposal: Mapping[str, Any], height: int, timeout: float) -> None:
        self.proposal_id = int(proposal["id"])
        self.status = str(proposal["status"])
        self.voting_end_height = int(proposal.get("voting_end_height") or 0)
        self.height = height
        self.timeout = timeout
        self.code = "sdk/timeout"
        self.message = describe_wait_timeout(self.proposal_id, self.status, self.voting_end_height)
        self.message += f" (node at height {height}, waited {timeout:g} s)"
        super().__init__(self.message)


def describe_wait_timeout(proposal_id: int, status: str, voting_end_height: int) -> str:
    if status == "DRAFT":
        return f"proposal {proposal_id} is still DRAFT: its proposer has not opened the vote"
    return (
        f"proposal {proposal_id} is still {status}: its vote closes at the end of block "
        f"{voting_end_height} (a solo node makes blocks only for transactions unless "
        "solo_empty_block_interval_s is set)"
    )
