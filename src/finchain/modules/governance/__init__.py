"""Module `governance`: proposals adopted by a weighted vote of the member organisations.

State layout (keys built in `keys.py`):
| key                                         | value                                     |
|---------------------------------------------|-------------------------------------------|
| `governance/params`                         | voting period, thresholds, default weight |
| `governance/proposal/<u64 id>`              | Proposal (action, status, tally, result)  |
| `governance/vote/<u64 id>/<org>`            | yes / no / abstain                        |
| `governance/ending/<u64 height><u64 id>`    | a VOTING proposal closes at that height   |
| `governance/weight/<org>`                   | voting weight (else the default weight)   |
| `governance/counter/proposals`              | next proposal id                          |

Messages: `Propose(action, title)` by an admin member (DRAFT; refused with
`action_would_fail` when the action, tried on a dropped branch as the governance authority,
would be refused against the state at proposal time), `OpenVoting(id)` by the
proposer (VOTING until height + voting period), `Vote(id, yes|no|abstain)` by any member with
voting weight (one vote per organisation, replaced by a later one until the close). Governed
actions (`messages.GOVERNABLE_ACTIONS`): `members/AddOrg`, `RemoveOrg`, `GrantRole`,
`RevokeRole`, `validators/SetPower` (to CometBFT as validator updates), `supervision/SetScope`,
`clearing/SetAutoProcess`, `params/SetChainParams`, `contracts/Upgrade`, `contracts/SetParams`,
and this module's `SetWeight`, `SetParams`, `SetThreshold`. A passed action runs with the
governance authority (`modules/authority.py`) as its sender; the types declared
`GOVERNANCE_ONLY` run for no other sender (the ante refuses them from members, the router from
anyone else).
States: DRAFT -> VOTING -> EXPIRED (no vote) | REJECTED | PASSED -> EXECUTED | FAILED (the
action was refused when run, the state having changed since the proposal: its error code is the
result), all at the end of the block of the
end height (`handlers.process_end_of_block`). Thresholds: majority (yes > 1/2 of all weight),
two_thirds (yes >= 2/3), all; per action type, fixed when the proposal is submitted.
Events (`events.py`): `governance.proposal_submitted(id, proposer, action, threshold)`,
`voting_opened(id, voting_end_height)`, `vote_cast(id, org, option)`, `proposal_closed(id,
status, yes, no, abstain, total, result)` (a block event, preceded by the executed action's own
events), `weight_set(org, weight)`, `params_set(voting_period_blocks, default_threshold,
default_weight)`, `threshold_set(action, threshold)`.
Invariants: GOV-1, GOV-2 (`invariants.py`).
"""
