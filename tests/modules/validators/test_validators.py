"""The validators module: an admin member changes the validator set; the block's changes come back
from `finalize_block` as validator updates (what CometBFT receives as ValidatorUpdates).

Checked: the initial set from the engine (InitChain) is recorded; add, re-weight and remove each
produce exactly one update in key order; a change undone within the same block, or a failed
transaction, produces none; every rejection has its stable `validators/*` code and changes
nothing but what G-3 allows (`assert_rejected`); the power invariant holds after every block.
Both crypto suites (account keys); validator keys are Ed25519 either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.modules.bank import Transfer
from finchain.modules.validators import MAX_POWER, SetPower
from finchain.sdk import make_set_validator_power
from tests.app.support import InBlock, assert_rejected, deliver_block
from tests.helpers import Chain, make_chain

KEY_A = bytes([0xA1]) * 32
KEY_B = bytes([0xB2]) * 32
NEW_KEY = bytes([0xC3]) * 32


@pytest.fixture
def chain(tmp_path: Path, suite_name: str) -> Iterator[Chain]:
    """A chain whose engine reported two validators (power 10 each) at InitChain."""
    c = make_chain(tmp_path / "chain", suite_name, validators=[(KEY_B, 10), (KEY_A, 10)])
    yield c
    c.close()


def validator_set(chain: Chain) -> list[tuple[str, int]]:
    return [(v["pub_key"], v["power"]) for v in chain.app.query("validators", {}).value]


def set_power(chain: Chain, signer: str, pub_key: bytes, power: int, nonce: int) -> bytes:
    return chain.sign(signer, SetPower(pub_key, power), nonce=nonce)


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
    import base64

    from_b64 = make_set_validator_power(base64.b64encode(NEW_KEY).decode(), 3)
    from_hex = make_set_validator_power(NEW_KEY.hex(), 3)
    assert from_b64 == from_hex == SetPower(NEW_KEY, 3)
    with pytest.raises(ValueError, match="neither hex nor base64"):
        make_set_validator_power("not a key!", 3)
