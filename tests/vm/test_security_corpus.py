"""Issue #6 acceptance: every entry of the sandbox-escape and resource-bomb corpus (`corpus.py`,
more than 40) is refused at deploy or stopped at run time, on a real chain; after each, the chain
still commits blocks and the state is unchanged except the sender's nonce (and the fee, checked
with a fee-charging chain below)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.app import ChainParams
from finchain.codec import decode_uint
from finchain.modules.auth.keys import nonce_key
from finchain.modules.bank import Issue, Transfer
from finchain.modules.bank import keys as bank_keys
from finchain.modules.contracts import Deploy
from finchain.vm import compile_contract
from finchain.vm.compiler import CompileError, TooDeepError
from finchain.vm.values import encode_args
from tests.app.support import InBlock, assert_rejected, deliver_block, snapshot, state_diff
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import deploy, deployed_address, sign_call
from tests.vm.corpus import COMPILE, CORPUS, TOO_DEEP

HEADER = (
    "from finchain.contract import ContractError, Map, Value, balance, call, ctx, emit, export"
    "\n\n\n"
)
LIMIT = 300_000


def contract_source(body: str) -> str:
    return HEADER + "@export\ndef run() -> None:\n" + textwrap.indent(body, "    ") + "\n"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    chain = make_chain(tmp_path_factory.mktemp("corpus"))
    assert chain.execute(chain.sign("pboc", Issue(chain.address("bank-a"), "CNY", 10**6)))[0].ok
    yield chain
    chain.close()


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40
    assert len({name for name, _, _ in CORPUS}) == len(CORPUS)
    assert sum(1 for *_, expected in CORPUS if expected not in (COMPILE, TOO_DEEP)) >= 20
    assert sum(1 for *_, expected in CORPUS if expected == TOO_DEEP) >= 10


def still_commits(chain: Chain) -> None:
    transfer = chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", 1))
    assert [r.code for r in chain.execute(transfer)] == ["ok"]
    assert chain.app.check_invariants() == []


@pytest.mark.parametrize(("name", "body", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_escape_is_refused(chain: Chain, name: str, body: str, expected: str) -> None:
    source = contract_source(body)
    nonce = chain.app.get_pending_nonce(chain.address("bank-a"))
    if expected == COMPILE:
        with pytest.raises(CompileError) as refused:
            compile_contract(source)
        assert refused.value.errors and all("line" in e.lower() for e in refused.value.errors)
        raw = chain.sign("bank-a", Deploy(source, encode_args([]), LIMIT), nonce=nonce)
        chain.nonces["bank-a"] = nonce
        assert_rejected(chain, raw, "contracts/compile_error", InBlock.MESSAGE)
    elif expected == TOO_DEEP:
        with pytest.raises(TooDeepError) as refused:
            compile_contract(source)
        assert refused.value.errors and all("line" in e.lower() for e in refused.value.errors)
        raw = chain.sign("bank-a", Deploy(source, encode_args([]), LIMIT), nonce=nonce)
        chain.nonces["bank-a"] = nonce
        assert_rejected(chain, raw, TOO_DEEP, InBlock.MESSAGE)
    else:
        chain.nonces["bank-a"] = nonce
        contract = deployed_address(deploy(chain, "bank-a", source))
        raw = sign_call(chain, "bank-a", contract, "run", limit=LIMIT)
        assert_rejected(chain, raw, expected, InBlock.MESSAGE)
    chain.nonces["bank-a"] = chain.app.get_pending_nonce(chain.address("bank-a"))
    still_commits(chain)


def test_a_bomb_costs_its_fee_and_nothing_else(tmp_path: Path) -> None:
    """With fees charged, a stopped call moves exactly the nonce and the fee (sender to the fee
    collector); the receipt records the whole compute limit as used."""
    params = ChainParams(min_fee=10, fee_asset="CNY")
    chain = make_chain(tmp_path, params=params, extra_accounts=1)  # user0 of bank-a holds CNY
    try:
        source = contract_source("while True:\n    pass")
        contract = deployed_address(deploy(chain, "user0", source, fee=10))
        before = snapshot(chain.app)
        raw = sign_call(chain, "user0", contract, "run", limit=LIMIT, fee=25)
        assert chain.app.check_tx(raw).code == "contracts/out_of_compute"
        [receipt] = deliver_block(chain.app, [raw]).receipts
        assert receipt.code == "contracts/out_of_compute"
        assert f"compute used {LIMIT} of {LIMIT}" in receipt.log
        assert receipt.gas_used > LIMIT
        changed = state_diff(before.state, snapshot(chain.app).state)
        sender, collector = chain.address("user0"), chain.app.fee_collector()
        assert sorted(changed) == sorted(
            [
                nonce_key(sender),
                bank_keys.balance_key(sender, "CNY"),
                bank_keys.balance_key(collector, "CNY"),
            ]
        )
        assert decode_uint(changed[bank_keys.balance_key(sender, "CNY")] or b"") == (
            decode_uint(before.state[bank_keys.balance_key(sender, "CNY")]) - 25
        )
        still_commits_with_fee(chain)
    finally:
        chain.close()


def still_commits_with_fee(chain: Chain) -> None:
    transfer = chain.sign("user0", Transfer(chain.address("bank-b"), "CNY", 1), fee=10)
    assert [r.code for r in chain.execute(transfer)] == ["ok"]
