"""A fixed contract workload on a chain with derived keys; prints its app hash and every receipt's
code and gas as JSON. `test_determinism.py` runs it under different `PYTHONHASHSEED` values.

    python -m tests.modules.contracts.determinism_scenario DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from finchain.crypto import format_address
from finchain.model import Receipt
from finchain.modules.bank import Issue
from tests.app.support import deliver_block
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import call, deploy, deployed_address, example, sign_call

# Dict and string work whose cost and result would differ if iteration order depended on hashing.
LEDGER = """
from finchain.contract import Map, Value, ctx, emit, export, require

book = Value("book")


@export
def record(names: list, amounts: list) -> dict:
    require(len(names) == len(amounts), "one amount per name")
    totals = book.get({})
    for name, amount in zip(names, amounts):
        totals[name] = totals.get(name, 0) + amount
    ordered = sorted(totals.items(), key=by_amount)
    summary = ",".join(f"{name}={amount}" for name, amount in ordered)
    book.set(totals)
    emit("Recorded", summary=summary, first=ordered[0][0])
    return {name: amount for name, amount in ordered}


def by_amount(pair: list) -> int:
    return pair[1]
"""


def run(path: Path) -> dict[str, object]:
    chain: Chain = make_chain(path, key_seed=b"determinism")
    receipts: list[Receipt] = []
    try:
        for org in ("bank-a", "bank-b", "bank-c"):
            receipts += chain.execute(chain.sign("pboc", Issue(chain.address(org), "CNY", 10**6)))
        a, b, c = (format_address(chain.address(o)) for o in ("bank-a", "bank-b", "bank-c"))
        deployed = deploy(chain, "bank-a", example("token"), "TOK", 10**9)
        token = deployed_address(deployed)
        receipts.append(deployed)
        for i in range(20):
            receipts.append(call(chain, "bank-a", token, "transfer", (b, c)[i % 2], 1_000 + i))
        failing = sign_call(chain, "bank-a", token, "transfer", b, 10**12)
        receipts += deliver_block(chain.app, [failing]).receipts  # fails in the block
        deployed = deploy(chain, "bank-b", LEDGER)
        ledger = deployed_address(deployed)
        receipts.append(deployed)
        names = ["zeta", "alpha", "mu", "beta", "omega", "kappa", "delta", "eta"]
        for i in range(10):
            amounts = [(i * 7 + j * 13) % 50 for j in range(len(names))]
            receipts.append(
                call(chain, "bank-b", ledger, "record", names[i % 3 :], amounts[i % 3 :])
            )
        terms = (c, "CNY", 30_000, 10**13)
        deployed = deploy(chain, "bank-a", example("receivable"), *terms)
        receivable = deployed_address(deployed)
        receipts.append(deployed)
        receipts.append(call(chain, "bank-a", receivable, "split", 1, 7_000))
        receipts.append(call(chain, "bank-a", receivable, "assign", 2, b))
        receipts.append(call(chain, "bank-c", receivable, "pay", 2, asset="CNY", amount=7_000))
        del a
        return {
            "app_hash": chain.app.app_hash.hex(),
            "receipts": [[r.code, r.gas_used, [e.to_json() for e in r.events]] for r in receipts],
        }
    finally:
        chain.close()


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1])), sort_keys=True))
