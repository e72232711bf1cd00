"""Genesis documents for development chains: a central bank, three banks and a regulator.

| org         | roles                  | account name |
|-------------|------------------------|--------------|
| `pboc`      | central_bank, admin    | `pboc`       |
| `bank-a`    | bank                   | `bank-a`     |
| `bank-b`    | bank                   | `bank-b`     |
| `regulator` | regulator              | `regulator`  |

Asset `CNY` (2 decimals) issued by `pboc`. Extra accounts (benchmarks, tests) join `bank-a`.
"""

from __future__ import annotations

from collections.abc import Mapping

from finchain.app import ChainParams, GenesisDoc
from finchain.crypto import format_address

DEV_ORGS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("pboc", "People's Bank (central bank)", ("admin", "central_bank")),
    ("bank-a", "Bank A", ("bank",)),
    ("bank-b", "Bank B", ("bank",)),
    ("bank-c", "Bank C", ("bank",)),
    ("regulator", "Financial regulator", ("regulator",)),
)


def make_dev_genesis(
    chain_id: str,
    crypto_suite: str,
    org_accounts: Mapping[str, bytes],
    extra_accounts: Mapping[bytes, int] | None = None,
    genesis_time_ms: int = 0,
    params: ChainParams | None = None,
) -> GenesisDoc:
    """`org_accounts` maps org id -> its first account; `extra_accounts` address -> CNY balance."""
    extra = dict(extra_accounts or {})
    members = []
    for org_id, name, roles in DEV_ORGS:
        accounts = [format_address(org_accounts[org_id])]
        if org_id == "bank-a":
            accounts += [format_address(a) for a in extra]
        members.append({"id": org_id, "name": name, "roles": list(roles), "accounts": accounts})
    balances = [
        {"address": format_address(a), "asset": "CNY", "amount": str(v)}
        for a, v in extra.items()
        if v > 0
    ]
    return GenesisDoc(
        chain_id=chain_id,
        genesis_time_ms=genesis_time_ms,
        crypto_suite=crypto_suite,
        params=params or ChainParams(),
        sections={
            "members": members,
            "bank": {
                "assets": [
                    {"symbol": "CNY", "decimals": 2, "issuer": "pboc", "name": "Chinese yuan"}
                ],
                "balances": balances,
            },
        },
    )
