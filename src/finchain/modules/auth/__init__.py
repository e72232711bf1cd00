"""Module `auth`: account nonces, the fee the ante charges, and the fee collector's address.

State layout (keys built in `keys.py`):
| key                     | value                                       |
|-------------------------|---------------------------------------------|
| `auth/nonce/<address>`  | the account's next nonce (canonical uint)   |

Nonces are strictly sequential per account, starting at 0. Ante steps (`ante.py`), after
membership, roles and the frozen check: `nonce` (the transaction's nonce must be the next one; it
is consumed even when a message later fails) and `fee` (at least the chain's `min_fee`, paid in its
`fee_asset` to the fee collector, an address derived from a fixed seed with the chain's hash).
No messages. Query: `account {address}` (nonce, organisation, balances).
Errors: `tx/nonce_reused`, `tx/nonce_gap`, `tx/fee_too_low` (`errors.py`).
"""

from __future__ import annotations

from finchain.modules.auth.keeper import AuthKeeper, AuthView, compute_fee_collector

__all__ = ["AuthKeeper", "AuthView", "compute_fee_collector"]
