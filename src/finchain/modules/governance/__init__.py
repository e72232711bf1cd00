"""Module `governance`: proposals adopted by a weighted vote of the member organisations.

State layout (keys built in `keys.py`):
| key                                         | value                                     |
|---------------------------------------------|-------------------------------------------|
| `governance/params`                         | voting period, thresholds, default weight |
| `governance/proposal/<u64 id>`              | Proposal (action, status, tally, result)  |
| `governance/vote/<u64 id>/<org>`            | yes / no / abstain                        |
| `governance/ending/<u64 height><u64 id>`    | a VOTING proposal closes at that height   |
| `governance/weight/<org>`                   | voting weight (else the default weight)   |

Messages: `Propose(action, title)` by an admin member (DRAFT), `OpenVoting(id)` by the
proposer (VOTING until height + voting period), `Vote(id, yes|no|abstain)` by any member with
voting weight (one vote per organisation, replaced by a later one until the close). Governed
actions (`messages.GOVERNABLE_ACTIONS`): `members/AddOrg`, `RemoveOrg`, `GrantRole`,
`RevokeRole`, `validators/SetPower` (to CometBFT as validator updates), and this module's
`SetWeight`, `SetParams`, `SetThreshold`; each is refused unless the governance authority
(`modules/authority.py`) sends it.
States: DRAFT -> VOTING -> EXPIRED (no vote) | REJECTED | PASSED -> EXECUTED | FAILED (the
action was refused when run: its error code is the result), all at the end of the block of the
end height (`handlers.process_end_of_block`). Thresholds: majority (yes > 1/2 of all weight),
two_thirds (yes >= 2/3), all; per action type, fixed when the proposal is submitted.
Events: `governance.proposal_submitted`, `voting_opened`, `vote_cast`, `proposal_closed`,
`weight_set`, `params_set`, `threshold_set`, plus the executed action's own events.
Invariants: GOV-1, GOV-2 (`invariants.py`).
"""
