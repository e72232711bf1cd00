"""The validators module: the validator set changes by a governance vote, or, within the genesis
bootstrap window, by an admin member directly; the block's changes come back from
`finalize_block` as validator updates (what CometBFT receives as ValidatorUpdates).

Checked: the initial set from the engine (InitChain) is recorded; add, re-weight and remove each
produce exactly one update in key order; a change undone within the same block, or a failed
transaction, produces none; every rejection has its stable `validators/*` code and changes
nothing but what G-3 allows (`assert_rejected`); the power invariant holds after every block.
The governance rule: after the genesis `bootstrap_height` (default 0) an admin's own SetPower is
refused (`validators/governance_only`), up to it (inclusive) it runs, and a passed vote runs it
at any height. The genesis section takes the old list form (same app hash) or the object form.
Both crypto suites (account keys); validator keys are Ed25519 either way.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finchain.app import Application
from finchain.crypto import get_suite
from finchain.errors import InvalidTransaction
from finchain.modules.bank import Transfer
from finchain.modules.governance.messages import OpenVoting, Propose, Vote, encode_action
from finchain.modules.validators import MAX_POWER, SetPower
from finchain.modules.validators.genesis import export_validators_genesis
from finchain.node.devgenesis import DEV_ORGS, make_dev_genesis
from finchain.node.wiring import MODULES
from finchain.sdk import make_set_validator_power
from finchain.store import Database
from tests.app.support import InBlock, assert_rejected, deliver_block
from tests.helpers import CHAIN_ID, GENESIS_TIME_MS, Chain, make_chain

KEY_A = bytes([0xA1]) * 32
KEY_B = bytes([0xB2]) * 32
NEW_KEY = bytes([0xC3]) * 32
BOOTSTRAP_HEIGHT = 1_000  # the bootstrap window of the `chain` fixture: every test stays in it
VOTING_BLOCKS = 2


@pytest.fixture
def chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """A chain whose engine reported two validators (power 10 each) at InitChain, in its
    bootstrap window: the admin (pboc) sets powers directly."""
    c = make_chain(
        tmp_path / "chain",
        suite_name,
        validators=[(KEY_B, 10), (KEY_A, 10)],
        sections={"validators": {"bootstrap_height": BOOTSTRAP_HEIGHT}},
    )
    yield c
    c.close()


@pytest.fixture
def governed_chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """The same validators and a genesis without a bootstrap height: governance only."""
    c = make_chain(
        tmp_path / "governed",
        suite_name,
        validators=[(KEY_B, 10), (KEY_A, 10)],
        governance={"voting_period_blocks": VOTING_BLOCKS},
    )
    yield c
    c.close()


def validator_set(chain: Chain) -> list[tuple[str, int]]:
    return [(v["pub_key"], v["power"]) for v in chain.app.query("validators", {}).value]


def set_power(chain: Chain, signer: str, pub_key: bytes, power: int, nonce: int) -> bytes:
    return chain.sign(signer, SetPower(pub_key, power), nonce=nonce)


def pending_nonce(chain: Chain, name: str) -> int:
    return chain.app.get_pending_nonce(chain.address(name))


def test_initial_set_comes_from_init_chain_in_key_order(chain: Chain) -> None:
    assert validator_set(chain) == [(KEY_A.hex(), 10), (KEY_B.hex(), 10)]


def test_add_reweight_and_remove_return_validator_updates(chain: Chain) -> None:
    result = deliver_block(chain.app, [set_power(chain, "pboc", NEW_KEY, 5, nonce=0)])
    assert [r.code for r in result.receipts] == ["ok"]
    assert result.validator_updates == [(NEW_KEY, 5)]
    [event] = result.receipts[0].events
    assert event.type == "validators.power_changed"
    assert dict(event.attributes) == {"pub_key": NEW_KEY.hex(), "old_power": "0", "power": "5"}
    assert validator_set(chain) == [(KEY_A.hex(), 10), (KEY_B.hex(), 10), (NEW_KEY.hex(), 5)]

    result = deliver_block(
        chain.app,
        [
            set_power(chain, "pboc", KEY_B, 0, nonce=1),
            set_power(chain, "pboc", KEY_A, 30, nonce=2),
        ],
    )
    assert [r.code for r in result.receipts] == ["ok", "ok"]
    assert result.validator_updates == [(KEY_A, 30), (KEY_B, 0)]  # key order, not tx order
    assert validator_set(chain) == [(KEY_A.hex(), 30), (NEW_KEY.hex(), 5)]
    assert chain.app.check_invariants() == []


def test_change_undone_in_the_same_block_is_no_update(chain: Chain) -> None:
    result = deliver_block(
        chain.app,
        [
            set_power(chain, "pboc", NEW_KEY, 5, nonce=0),
            set_power(chain, "pboc", NEW_KEY, 0, nonce=1),
            set_power(chain, "pboc", KEY_A, 7, nonce=2),
            set_power(chain, "pboc", KEY_A, 10, nonce=3),
        ],
    )
    assert [r.code for r in result.receipts] == ["ok"] * 4
    assert result.validator_updates == []  # CometBFT would halt on removing an unknown key


def test_failed_transaction_changes_no_validator(chain: Chain) -> None:
    """All or nothing: the second message fails, so the first one's power change is undone."""
    overdraft = Transfer(chain.address("bank-a"), "CNY", 10**12)
    raw = chain.sign("pboc", SetPower(NEW_KEY, 5), overdraft, nonce=0)
    result = deliver_block(chain.app, [raw])
    assert [r.code for r in result.receipts] == ["bank/insufficient_funds"]
    assert result.validator_updates == []
    assert validator_set(chain) == [(KEY_A.hex(), 10), (KEY_B.hex(), 10)]


def test_invalid_sender_without_admin_role(chain: Chain) -> None:
    for name in ("bank-a", "regulator"):
        raw = set_power(chain, name, NEW_KEY, 5, nonce=0)
        assert_rejected(chain, raw, "tx/role_not_permitted", InBlock.ANTE)
    assert validator_set(chain) == [(KEY_A.hex(), 10), (KEY_B.hex(), 10)]


def test_invalid_pub_key_length(chain: Chain) -> None:
    raw = set_power(chain, "pboc", b"\x01" * 33, 5, nonce=0)
    assert_rejected(chain, raw, "validators/bad_pub_key", InBlock.STATELESS)


def test_invalid_power_above_max(chain: Chain) -> None:
    raw = set_power(chain, "pboc", NEW_KEY, MAX_POWER + 1, nonce=0)
    assert_rejected(chain, raw, "validators/bad_power", InBlock.STATELESS)


def test_invalid_removal_of_unknown_validator(chain: Chain) -> None:
    raw = set_power(chain, "pboc", NEW_KEY, 0, nonce=0)
    assert_rejected(chain, raw, "validators/unknown_validator", InBlock.MESSAGE)


def test_invalid_removal_of_the_last_validator(chain: Chain) -> None:
    chain.execute(set_power(chain, "pboc", KEY_B, 0, nonce=0))
    assert validator_set(chain) == [(KEY_A.hex(), 10)]
    raw = set_power(chain, "pboc", KEY_A, 0, nonce=1)
    assert_rejected(chain, raw, "validators/last_validator", InBlock.MESSAGE)
    assert validator_set(chain) == [(KEY_A.hex(), 10)]


def test_sdk_builder_accepts_base64_and_hex_keys() -> None:
    from_b64 = make_set_validator_power(base64.b64encode(NEW_KEY).decode(), 3)
    from_hex = make_set_validator_power(NEW_KEY.hex(), 3)
    assert from_b64 == from_hex == SetPower(NEW_KEY, 3)
    with pytest.raises(ValueError, match="neither hex nor base64"):
        make_set_validator_power("not a key!", 3)


# ---- governance only after the bootstrap height ---------------------------------------------


def test_invalid_direct_set_power_after_genesis_without_bootstrap_height(
    governed_chain: Chain,
) -> None:
    """No single organisation changes consensus: with the default bootstrap height 0, the
    admin's own SetPower is refused from block 1 on (check_tx and in a block; G-3)."""
    chain = governed_chain
    raw = set_power(chain, "pboc", NEW_KEY, 5, nonce=0)
    result = chain.app.check_tx(raw)
    assert result.code == "validators/governance_only"
    assert "governance/Propose@1" in result.log
    assert result.details == {"height": 1, "bootstrap_height": 0}
    assert_rejected(chain, raw, "validators/governance_only", InBlock.MESSAGE)
    for power in (0, 30):  # removing and re-weighting as well
        raw = set_power(chain, "pboc", KEY_A, power, nonce=pending_nonce(chain, "pboc"))
        assert_rejected(chain, raw, "validators/governance_only", InBlock.MESSAGE)
    assert validator_set(chain) == [(KEY_A.hex(), 10), (KEY_B.hex(), 10)]


def test_direct_set_power_runs_up_to_the_bootstrap_height_inclusive(tmp_path: Path) -> None:
    """`bootstrap_height` 3: the admin's SetPower runs in blocks 1 .. 3, not from block 4 on."""
    chain = make_chain(
        tmp_path / "chain",
        validators=[(KEY_B, 10), (KEY_A, 10)],
        sections={"validators": {"bootstrap_height": 3}},
    )
    try:
        for height, power in [(1, 5), (2, 6), (3, 7)]:
            result = deliver_block(chain.app, [chain.sign("pboc", SetPower(NEW_KEY, power))])
            assert chain.app.height == height
            assert [r.code for r in result.receipts] == ["ok"]
            assert result.validator_updates == [(NEW_KEY, power)]
        raw = chain.sign("pboc", SetPower(NEW_KEY, 8), nonce=pending_nonce(chain, "pboc"))
        assert_rejected(chain, raw, "validators/governance_only", InBlock.MESSAGE)
        assert dict(validator_set(chain))[NEW_KEY.hex()] == 7
    finally:
        chain.close()


def test_set_power_by_vote_runs_after_the_bootstrap_height(governed_chain: Chain) -> None:
    """After the window the same change runs as a passed governance action (two thirds: 4 of
    the dev chain's 5 organisations), and the block that closes the vote returns the update."""
    chain = governed_chain
    action = encode_action(SetPower(NEW_KEY, 5))
    assert [r.code for r in chain.execute(chain.sign("pboc", Propose(action, "NEW_KEY")))] == ["ok"]
    assert [r.code for r in chain.execute(chain.sign("pboc", OpenVoting(0)))] == ["ok"]
    votes = [chain.sign(org, Vote(0, "yes")) for org in ("pboc", "bank-a", "bank-b", "bank-c")]
    assert [r.code for r in chain.execute(*votes)] == ["ok"] * 4
    end = chain.app.query("governance/proposal", {"id": 0}).value["voting_end_height"]
    assert end > 0  # bootstrap height 0: every block of the vote is past it
    updates: list[Any] = []
    while chain.app.height < end:
        updates = deliver_block(chain.app, []).validator_updates
    assert updates == [(NEW_KEY, 5)]
    proposal = chain.app.query("governance/proposal", {"id": 0}).value
    assert proposal["status"] == "EXECUTED"
    assert dict(validator_set(chain))[NEW_KEY.hex()] == 5
    assert chain.app.check_invariants() == []


# ---- the genesis section -----------------------------------------------------------------------


GENESIS_VALIDATORS = [
    {"pub_key": base64.b64encode(KEY_A).decode(), "power": 10},
    {"pub_key": base64.b64encode(KEY_B).decode(), "power": 10},
]


def init_genesis(path: Path, section: Any) -> tuple[Application, bytes]:
    """A chain from the dev genesis (fixed keys) with this validators section, recorded as the
    solo engine does (no engine validators); returns the application and its genesis app hash."""
    suite = get_suite("intl")
    keys = {
        org: suite.load_private_key(bytes([i + 1]) * 32) for i, (org, _, _) in enumerate(DEV_ORGS)
    }
    orgs = {org: suite.address(key.public_key) for org, key in keys.items()}
    genesis = make_dev_genesis(CHAIN_ID, "intl", orgs, {}, GENESIS_TIME_MS)
    app = Application(Database(path), MODULES)
    try:
        app_hash = app.init_chain(genesis.with_section("validators", section))
    except BaseException:
        app.db.close()
        raise
    return app, app_hash


def test_genesis_list_form_keeps_its_app_hash_and_a_bootstrap_height_is_recorded(
    tmp_path: Path,
) -> None:
    """The old list form, the object form without a bootstrap height and with 0 write the same
    state (the same genesis app hash); a positive bootstrap height is one more key, exported in
    the object form."""
    sections: list[Any] = [
        GENESIS_VALIDATORS,
        {"validators": GENESIS_VALIDATORS},
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": 0},
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": 5},
    ]
    hashes, exports = [], []
    for index, section in enumerate(sections):
        app, app_hash = init_genesis(tmp_path / f"chain{index}", section)
        try:
            hashes.append(app_hash)
            exports.append(export_validators_genesis(app.view_at(0)))
            assert app.query("validators", {}).value == [
                {"pub_key": KEY_A.hex(), "power": 10},
                {"pub_key": KEY_B.hex(), "power": 10},
            ]
        finally:
            app.db.close()
    assert hashes[0] == hashes[1] == hashes[2] != hashes[3]
    assert exports[:3] == [GENESIS_VALIDATORS] * 3
    assert exports[3] == {"validators": GENESIS_VALIDATORS, "bootstrap_height": 5}


@pytest.mark.parametrize(
    "section",
    [
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": -1},
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": "5"},
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": 1.5},
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": True},
        {"validators": GENESIS_VALIDATORS, "bootstrap_height": 2**63},
        {"validators": GENESIS_VALIDATORS, "bootstrap": 5},
        {"validators": {"pub_key": "x"}},
        "validators",
    ],
    ids=repr,
)
def test_invalid_genesis_section(tmp_path: Path, section: Any) -> None:
    with pytest.raises(InvalidTransaction) as refused:
        init_genesis(tmp_path / "chain", section)
    assert str(refused.value.code) == "validators/bad_genesis"
