"""Module `validators`: the consensus validator set, as the application knows and changes it.

The validators that sign blocks are CometBFT's (Ed25519 consensus keys, separate from account
keys). The application records the set it was given at InitChain and changes it only by the
`validators/SetPower@1` message, adopted by a governance vote (a governed action, run by the
governance authority at the end of the block that closes the vote): no single organisation
changes consensus. Only while the height is at most the genesis `bootstrap_height` (default 0:
never) may an `admin` member send it itself, to bootstrap a network (the role is declared on
the message and checked by the ante; the height rule is the handler's, `governance_only`
after it). The block's changes are returned to the engine as ABCI `ValidatorUpdates` in
FinalizeBlock (`compute_validator_updates`), and CometBFT applies them two heights later (an
update returned at height H takes effect at H+2). The solo engine has one implicit validator and
ignores updates.

State layout (keys built in `keys.py`):
| key                                 | value                                      |
|-------------------------------------|--------------------------------------------|
| `validators/set/<ed25519 pub key>`  | voting power (canonical uint), > 0         |
| `validators/bootstrap_height`       | genesis bootstrap height, > 0 (absent: 0)  |

Messages: `validators/SetPower@1(pub_key, power)`: power 0 removes a validator, a positive power
adds one or changes its weight. Rejected: a member's own SetPower after the bootstrap height
(`governance_only`), a key that is not 32 bytes, power above `MAX_POWER`, removing a key that is
not a validator, removing the last validator (CometBFT would halt).
Genesis (`genesis.py`): the list `[{pub_key, power}]` (CometBFT's shape), or
`{"validators": [...], "bootstrap_height": N}`.
Events: `validators.power_changed(pub_key, old_power, power)`.
Invariants: every recorded power is 1 .. MAX_POWER.
"""

from __future__ import annotations

from finchain.modules.validators.keeper import (
    MAX_POWER,
    Validator,
    ValidatorsKeeper,
    ValidatorsView,
)
from finchain.modules.validators.messages import SetPower
from finchain.modules.validators.updates import compute_validator_updates

__all__ = [
    "MAX_POWER",
    "SetPower",
    "Validator",
    "ValidatorsKeeper",
    "ValidatorsView",
    "compute_validator_updates",
]
