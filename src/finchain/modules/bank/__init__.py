"""Module `bank`: assets, balances, issuance and transfers of on-ledger money.

Amounts are integer minor units (`CNY` with 2 decimals: 12.34 yuan = 1234). Each asset has one
issuer organisation (a central-bank member); only the issuer's accounts issue and redeem.

State layout (keys built in `keys.py`, integers as minimal big-endian bytes):
| key                               | value                          |
|-----------------------------------|--------------------------------|
| `bank/asset/<symbol>`             | [symbol, decimals, issuer org, name] |
| `bank/supply/<symbol>`            | total supply                   |
| `bank/bal/<address><symbol>`      | balance of the account         |

Messages: `bank/Transfer@1(to, asset, amount)`, `bank/Issue@1(to, asset, amount)` (issuer only),
`bank/Redeem@1(asset, amount)` (issuer only, from its own account).
Events: `bank.transfer(sender, recipient, asset, amount)`, `bank.issue(...)`, `bank.redeem(...)`.
Invariants: G-2 supply of every asset = sum of its balances (`check_supply_equals_balances`).
Errors: see `errors.py` (`bank/insufficient_funds`, `bank/unknown_asset`, ...).
"""

from __future__ import annotations

from finchain.modules.bank.keeper import BankKeeper, BankView
from finchain.modules.bank.messages import Issue, Redeem, Transfer

__all__ = ["BankKeeper", "BankView", "Issue", "Redeem", "Transfer"]
