"""Module `contracts`: members' Python smart contracts, deployed, called and queried on chain.

The language, its sandbox and its metering are `finchain.vm`'s; this module stores contracts and
runs them against the ledger (`host.py`). See docs/contracts.md.

State layout (keys built in `keys.py`):
| key                              | value                                                  |
|----------------------------------|--------------------------------------------------------|
| `contracts/params`               | [deployer roles, max compute per call, compute price]  |
| `contracts/seq`                  | deploy counter (addresses are SHA-256 of it, 20 bytes) |
| `contracts/c/<address>`          | [code hash, deployer, org, height, upgraded height]    |
| `contracts/code/<sha256>`        | the UTF-8 source                                       |
| `contracts/s/<address><slot>`    | one storage slot (msgpack value)                       |

Messages: `contracts/Deploy@1(code, init_args, compute_limit)` (roles in `deployer_roles`),
`contracts/Call@1(contract, function, args, compute_limit, asset, amount)`, and by governance
vote only `contracts/Upgrade@1(contract, code)` and `contracts/SetParams@1(...)`.
Events (`events.py`): `contracts.deployed(contract, code_hash, deployer, compute_used)`,
`contracts.called(contract, function, compute_used, result)`, `contracts.upgraded(contract,
code_hash, previous_code_hash)`, `contracts.params(deployer_roles, max_compute, compute_price)`,
and each contract's own `contract.<name>(contract, ...)` events.
Errors: see `errors.py` (`contracts/out_of_compute`, `contracts/reverted`, ...).
"""

from __future__ import annotations

from finchain.modules.contracts.messages import Call, Deploy, SetParams, Upgrade

__all__ = ["Call", "Deploy", "SetParams", "Upgrade"]
