"""`client.governance`: proposals adopted by a weighted vote of the member organisations.

    with Client(url) as client:
        action = make_add_org("bank-d", "Bank D", ["bank"], bank_d.address)
        proposed = client.governance.propose(pboc, action, "admit Bank D")
        client.governance.open_voting(pboc, proposed.proposal_id)
        for wallet in (pboc, bank_a, bank_b):
            client.governance.vote(wallet, proposed.proposal_id, "yes")
        client.governance.wait_for_close(proposed.proposal_id, timeout=60)["status"]  # EXECUTED

The rules are the module's (`finchain.modules.governance`, docs/governance.md): an admin member
proposes (DRAFT), the proposer opens the vote (VOTING until the opening block's height + the
voting period), every member organisation with voting weight votes once (a later vote replaces
its earlier one), and the vote closes at the end of block `voting_end_height`: EXPIRED (no vote),
REJECTED, or PASSED and then EXECUTED (or FAILED with the action's error code).

`propose` always waits for commit and returns a `ProposeResult`: the proposal id (from the
receipt's `governance.proposal_submitted` event), its threshold and the `TxResult`. Sign a
`make_propose(...)` message with `client.sign_and_submit(..., mode="async")` to not wait; the id
is then in the receipt once it commits. Transactions raise like every typed call:
FinchainApiError when the node refuses one (`governance/unauthorized`,
`governance/illegal_transition`, ...), TransactionFailed for a failed receipt. Reads are public
(no reader needed) and come back as the API's JSON (plain dicts).

When a vote closes: blocks move it, not time. A CometBFT network makes blocks continuously; the
solo engine (`finchain dev`, a node with engine "solo") makes a block only when transactions
arrive, unless `solo_empty_block_interval_s` in node.json is above 0 (default 0). On a quiet
solo node `wait_for_close` therefore waits until other transactions make the remaining blocks,
or gives up with `ProposalWaitTimeout` (the proposal then closes with later blocks).

Must never: vote or open on anyone's behalf; every transaction is signed by the wallet given.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finchain.sdk._core import AsyncRunner, Call, ModuleApi, Sleep, SyncRunner, api_call
from finchain.sdk.errors import ProposalWaitTimeout, SdkError
from finchain.sdk.messages import make_open_voting, make_propose, make_vote
from finchain.sdk.results import ReceiptView, TxResult
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import SubmitMode, compute_height_params

GOVERNANCE_PATH = "/v1/governance"
PROPOSAL_SUBMITTED_EVENT = "governance.proposal_submitted"
OPEN_STATUSES = frozenset({"DRAFT", "VOTING"})
DEFAULT_CLOSE_TIMEOUT_S = 60.0
DEFAULT_CLOSE_POLL_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class ProposeResult:
    """A committed proposal: its id (for `open_voting`, `vote`, `proposal`), the threshold it
    needs (fixed at submission) and the transaction's result."""

    proposal_id: int
    threshold: str
    tx: TxResult


def compute_proposal_path(proposal_id: int) -> str:
    return f"{GOVERNANCE_PATH}/proposals/{int(proposal_id)}"


def is_closed(proposal: Mapping[str, Any]) -> bool:
    """Whether the vote is over: EXPIRED, REJECTED, PASSED, EXECUTED or FAILED."""
    return proposal["status"] not in OPEN_STATUSES


def find_proposal_id(receipt: ReceiptView | None) -> int | None:
    """The id in a receipt's `governance.proposal_submitted` event, or None."""
    event = None if receipt is None else receipt.find_event(PROPOSAL_SUBMITTED_EVENT)
    return None if event is None else int(event.attributes["id"])


def make_propose_result(result: TxResult) -> ProposeResult:
    """The id and threshold from a committed Propose's event."""
    event = None if result.receipt is None else result.receipt.find_event(PROPOSAL_SUBMITTED_EVENT)
    if event is None:
        raise SdkError(f"transaction {result.hash} has no {PROPOSAL_SUBMITTED_EVENT} event")
    return ProposeResult(int(event.attributes["id"]), event.attributes.get("threshold", ""), result)


class GovernanceApi(ModuleApi):
    """`client.governance.*`, written once (`_core`): `GovernanceCalls` runs it,
    `AsyncGovernanceCalls` awaits it."""

    # ---- transactions ------------------------------------------------------------------------

    @api_call
    def propose(
        self, wallet: Wallet, action: Any, title: str, *, memo: str = ""
    ) -> Call[ProposeResult]:
        """An admin member proposes `action` (a governable message: `make_add_org`,
        `make_set_validator_power`, ...); waits for commit. The proposal is DRAFT."""
        msg = make_propose(action, title)
        return make_propose_result((yield from self._submit(wallet, msg, memo=memo)))

    @api_call
    def open_voting(
        self, wallet: Wallet, proposal_id: int, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        """The proposer opens the vote (`governance.voting_opened` has `voting_end_height`)."""
        return (yield from self._submit(wallet, make_open_voting(proposal_id), mode=mode))

    @api_call
    def vote(
        self, wallet: Wallet, proposal_id: int, option: str, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        """Vote `yes`, `no` or `abstain` for the wallet's organisation on a VOTING proposal."""
        return (yield from self._submit(wallet, make_vote(proposal_id, option), mode=mode))

    # ---- reads -------------------------------------------------------------------------------

    @api_call
    def proposals(self, height: int | None = None) -> Call[list[dict[str, Any]]]:
        """Every proposal in id order: `{id, proposer, title, action: {type, value}, threshold,
        status, submit_height, voting_end_height, tally, result, votes}`."""
        path = f"{GOVERNANCE_PATH}/proposals"
        data = yield from self._client.get_json.steps(path, compute_height_params(height))
        return [dict(p) for p in data]

    @api_call
    def proposal(self, proposal_id: int, height: int | None = None) -> Call[dict[str, Any]]:
        """One proposal (FinchainApiError 404 `api/not_found` if there is none)."""
        path = compute_proposal_path(proposal_id)
        return dict((yield from self._client.get_json.steps(path, compute_height_params(height))))

    @api_call
    def params(self, height: int | None = None) -> Call[dict[str, Any]]:
        """`{voting_period_blocks, default_threshold, thresholds: {type: threshold},
        default_weight}`."""
        path = f"{GOVERNANCE_PATH}/params"
        return dict((yield from self._client.get_json.steps(path, compute_height_params(height))))

    @api_call
    def wait_for_close(
        self,
        proposal_id: int,
        timeout: float = DEFAULT_CLOSE_TIMEOUT_S,
        poll_interval: float = DEFAULT_CLOSE_POLL_INTERVAL_S,
    ) -> Call[dict[str, Any]]:
        """Poll until the proposal is no longer DRAFT or VOTING; returns it. Blocks close votes
        (see the module docstring): ProposalWaitTimeout if none closed it in `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            proposal = yield from self.proposal.steps(proposal_id)
            if is_closed(proposal):
                return proposal
            if time.monotonic() >= deadline:
                status = yield from self._client.status.steps()
                raise ProposalWaitTimeout(proposal, status.height, timeout)
            yield Sleep(poll_interval)


class GovernanceCalls(SyncRunner, GovernanceApi):
    """`client.governance.*` for `Client`."""


class AsyncGovernanceCalls(AsyncRunner, GovernanceApi):
    """`client.governance.*` for `AsyncClient` (same calls, awaited)."""
