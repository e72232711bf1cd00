"""Handlers of the governance module, one function per message, in labelled steps; and the
end-of-block close of every vote whose period ends in the block.

Propose (`handle_propose`): the action is tried first (`validate_action_now`), as a passed vote
would run it now, on a throwaway branch of the state as the governance authority; a refusal
refuses the proposal (`governance/action_would_fail`, with the action's code and message), and
nothing the trial wrote or emitted is kept either way.

Close (`process_end_of_block`): the tally counts the current weight of every member
organisation (`total`) and the votes of those that still exist; no vote at all -> EXPIRED;
threshold met -> PASSED, then its action runs on a branch with the governance authority as the
sender -> EXECUTED, or FAILED with the action's error code (the branch is dropped); otherwise
REJECTED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from finchain.errors import InvalidTransaction
from finchain.modules.authority import GOVERNANCE_AUTHORITY
from finchain.modules.context import ExecutionContext
from finchain.modules.governance.errors import (
    ERR_ACTION_WOULD_FAIL,
    ERR_ILLEGAL_TRANSITION,
    ERR_NO_VOTING_WEIGHT,
    ERR_UNAUTHORIZED,
    ERR_UNKNOWN_ORG,
)
from finchain.modules.governance.events import (
    emit_params_set,
    emit_proposal_closed,
    emit_proposal_submitted,
    emit_threshold_set,
    emit_vote_cast,
    emit_voting_opened,
    emit_weight_set,
)
from finchain.modules.governance.expected import ActionExecutor, Membership
from finchain.modules.governance.keeper import (
    DRAFT,
    EXECUTED,
    EXPIRED,
    FAILED,
    PASSED,
    REJECTED,
    VOTING,
    GovernanceKeeper,
    Proposal,
    Tally,
)
from finchain.modules.governance.messages import (
    OpenVoting,
    Propose,
    SetParams,
    SetThreshold,
    SetWeight,
    Vote,
    decode_action,
)
from finchain.modules.governance.params import meets_threshold
from finchain.modules.module import INTERFACE_DISPATCH, Handler, Interfaces
from finchain.state import Overlay, StateReader, StateWriter, run_on_branch

MembershipFactory = Callable[[StateReader], Membership]


def make_handlers(interfaces: Interfaces) -> Mapping[type, Handler]:
    membership: MembershipFactory = interfaces.get("members.membership")
    execute: ActionExecutor = interfaces.get(INTERFACE_DISPATCH)

    def bind(handler: Callable[[ExecutionContext, Any, Membership], None]) -> Handler:
        return lambda ctx, msg: handler(ctx, msg, membership(ctx.state))

    def propose(ctx: ExecutionContext, msg: Propose) -> None:
        handle_propose(ctx, msg, membership(ctx.state), execute)

    return {
        Propose: propose,
        OpenVoting: bind(handle_open_voting),
        Vote: bind(handle_vote),
        SetWeight: bind(handle_set_weight),
        SetParams: bind(handle_set_params),
        SetThreshold: bind(handle_set_threshold),
    }


def handle_propose(
    ctx: ExecutionContext, msg: Propose, members: Membership, execute: ActionExecutor
) -> None:
    keeper = GovernanceKeeper(ctx.state)
    # AUTHORIZE: an admin member (declared on the message, checked by the ante); its
    # organisation proposes
    proposer = members.find_org_of(ctx.sender)
    if proposer is None:
        raise InvalidTransaction(ERR_UNAUTHORIZED, "only member organisations propose")
    # VALIDATE (validate_basic checked the action's form; here, against the state as it is)
    action = decode_action(msg.action)
    validate_action_now(ctx, action, execute)
    # APPLY
    proposal = Proposal(
        proposal_id=keeper.next_proposal_id(),
        proposer=proposer,
        title=msg.title,
        action_type=action.TYPE,
        action=msg.action,
        threshold=keeper.get_params().threshold_for(action.TYPE),
        status=DRAFT,
        submit_height=ctx.height,
    )
    keeper.save_proposal(proposal)
    # EMIT
    emit_proposal_submitted(ctx, proposal)


def handle_open_voting(ctx: ExecutionContext, msg: OpenVoting, members: Membership) -> None:
    keeper = GovernanceKeeper(ctx.state)
    proposal = keeper.get_proposal(msg.proposal_id)
    # AUTHORIZE
    if members.find_org_of(ctx.sender) != proposal.proposer:
        raise InvalidTransaction(ERR_UNAUTHORIZED, "only the proposer opens the vote")
    # VALIDATE
    _require_status(proposal, DRAFT)
    # APPLY (votes in blocks up to and including the end height count)
    end = ctx.height + keeper.get_params().voting_period_blocks
    opened = proposal.with_status(VOTING, voting_end_height=end)
    keeper.save_proposal(opened)
    keeper.schedule_close(opened)
    # EMIT
    emit_voting_opened(ctx, proposal.proposal_id, end)


def handle_vote(ctx: ExecutionContext, msg: Vote, members: Membership) -> None:
    keeper = GovernanceKeeper(ctx.state)
    proposal = keeper.get_proposal(msg.proposal_id)
    # AUTHORIZE
    org = members.find_org_of(ctx.sender)
    if org is None or keeper.get_weight(org) == 0:
        raise InvalidTransaction(ERR_NO_VOTING_WEIGHT, "the sender's organisation cannot vote")
    # VALIDATE
    _require_status(proposal, VOTING)
    # APPLY
    keeper.set_vote(proposal.proposal_id, org, msg.option)
    # EMIT
    emit_vote_cast(ctx, proposal.proposal_id, org, msg.option)


def validate_action_now(ctx: ExecutionContext, action: Any, execute: ActionExecutor) -> None:
    """Refuse a proposal that could not succeed: run `action` as a passed vote would run it now
    (the governance authority as sender, through `app.dispatch`), on a branch of the state that
    is then dropped, with an event list that is dropped too. Deterministic: it reads only the
    state and the block fields of `ctx`. It runs again, for real, when the vote passes; a state
    changed meanwhile can still make it FAIL then."""
    trial = _authority_context(ctx, Overlay(ctx.state))
    try:
        execute(trial, action)
    except InvalidTransaction as err:
        raise InvalidTransaction(
            ERR_ACTION_WOULD_FAIL,
            f"{action.TYPE} would be refused if it ran now ({err.code}: {err.message}); "
            "a proposal is checked against the state when it is proposed",
            action_type=action.TYPE,
            action_code=str(err.code),
            action_message=err.message,
        ) from None


# ---- governed actions of the module itself -----------------------------------------------------


def handle_set_weight(ctx: ExecutionContext, msg: SetWeight, members: Membership) -> None:
    keeper = GovernanceKeeper(ctx.state)
    # VALIDATE
    if not members.org_exists(msg.org_id):
        raise InvalidTransaction(ERR_UNKNOWN_ORG, f"no member {msg.org_id!r}")
    # APPLY
    keeper.set_weight(msg.org_id, msg.weight)
    # EMIT
    emit_weight_set(ctx, msg.org_id, msg.weight)


def handle_set_params(ctx: ExecutionContext, msg: SetParams, members: Membership) -> None:
    keeper = GovernanceKeeper(ctx.state)
    # APPLY (open votes keep their end height and threshold)
    keeper.set_params(
        replace(
            keeper.get_params(),
            voting_period_blocks=msg.voting_period_blocks,
            default_threshold=msg.default_threshold,
            default_weight=msg.default_weight,
        )
    )
    # EMIT
    emit_params_set(ctx, msg.voting_period_blocks, msg.default_threshold, msg.default_weight)


def handle_set_threshold(ctx: ExecutionContext, msg: SetThreshold, members: Membership) -> None:
    keeper = GovernanceKeeper(ctx.state)
    # APPLY
    params = keeper.get_params()
    thresholds = dict(params.action_thresholds) | {msg.action_type: msg.threshold}
    keeper.set_params(replace(params, action_thresholds=tuple(sorted(thresholds.items()))))
    # EMIT
    emit_threshold_set(ctx, msg.action_type, msg.threshold)


# ---- end of block -------------------------------------------------------------------------------


def process_end_of_block(ctx: ExecutionContext, interfaces: Interfaces) -> None:
    """Close every vote that ends at this height, in proposal id order."""
    members: Membership = interfaces.get("members.membership")(ctx.state)
    execute: ActionExecutor = interfaces.get(INTERFACE_DISPATCH)
    keeper = GovernanceKeeper(ctx.state)
    for proposal_id in keeper.list_closing(ctx.height):
        proposal = keeper.get_proposal(proposal_id)
        keeper.unschedule_close(proposal)
        tally = compute_tally(keeper, members, proposal_id)
        if tally.yes + tally.no + tally.abstain == 0:
            closed = proposal.with_status(EXPIRED, tally=tally)
        elif meets_threshold(proposal.threshold, tally.yes, tally.total):
            closed = _execute(ctx, proposal.with_status(PASSED, tally=tally), execute)
        else:
            closed = proposal.with_status(REJECTED, tally=tally)
        keeper.save_proposal(closed)
        emit_proposal_closed(ctx, closed)


def compute_tally(keeper: GovernanceKeeper, members: Membership, proposal_id: int) -> Tally:
    """Weights as they are now; votes of organisations removed since do not count."""
    weights = {org: keeper.get_weight(org) for org in members.list_org_ids()}
    counted = {"yes": 0, "no": 0, "abstain": 0}
    for org, option in keeper.list_votes(proposal_id):
        counted[option] += weights.get(org, 0)
    return Tally(counted["yes"], counted["no"], counted["abstain"], sum(weights.values()))


def _execute(ctx: ExecutionContext, passed: Proposal, execute: ActionExecutor) -> Proposal:
    """Run the action on a branch as the governance authority; keep its writes and events only
    if it succeeds."""
    action_ctx = _authority_context(ctx, ctx.state)

    def run_action(branch: StateWriter) -> None:
        action_ctx.state = branch
        execute(action_ctx, decode_action(passed.action))

    try:
        run_on_branch(ctx.state, run_action)
    except InvalidTransaction as err:
        return passed.with_status(FAILED, result=str(err.code))
    ctx.events.extend(action_ctx.events)
    return passed.with_status(EXECUTED)


def _authority_context(ctx: ExecutionContext, state: StateWriter) -> ExecutionContext:
    """A context of `ctx`'s block with the governance authority as sender, no transaction
    hash (as at the end of a block) and its own, empty event list."""
    return ExecutionContext(
        state, ctx.chain_id, ctx.height, ctx.block_time_ms, GOVERNANCE_AUTHORITY, b""
    )


def _require_status(proposal: Proposal, status: str) -> None:
    if proposal.status != status:
        raise InvalidTransaction(
            ERR_ILLEGAL_TRANSITION, f"proposal {proposal.proposal_id} is {proposal.status}"
        )
