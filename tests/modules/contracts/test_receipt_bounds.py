"""Receipt bounds: a transaction's kept events are at most `MAX_TX_EVENTS` events and
`MAX_TX_EVENT_BYTES` bytes, else it fails with `tx/receipt_too_large` (body dropped, the ante's
nonce stays); and every kept event byte is charged in gas (`GAS_PER_EVENT_BYTE`), for contract
and native messages alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finchain.app import application
from finchain.app.application import (
    GAS_PER_EVENT_BYTE,
    MAX_TX_EVENT_BYTES,
    MAX_TX_EVENTS,
    compute_event_bytes,
)
from finchain.model.receipt import Event
from finchain.modules.bank import Transfer
from finchain.vm.runtime import MAX_EVENT_ATTRIBUTES, MAX_EVENT_VALUE
from tests.helpers import Chain, make_chain
from tests.modules.contracts.support import call, deploy, deployed_address, query

ATTRIBUTES = ", ".join(f"a{i}=value" for i in range(MAX_EVENT_ATTRIBUTES))
SPAMMER = f'''from finchain.contract import Value, emit, export

counter = Value("counter")


@export
def spam(n: int, size: int) -> int:
    """Emit `n` events of {MAX_EVENT_ATTRIBUTES} attributes of `size` characters each."""
    value = "x" * size
    for i in range(n):
        emit("Big", {ATTRIBUTES})
    counter.set((counter.get() or 0) + 1)
    return n


@export
def count() -> int:
    return counter.get() or 0
'''
MAX_SIZE_EVENT_BYTES = (
    len("contract.Big") + 42 + len("contract") + MAX_EVENT_ATTRIBUTES * (2 + MAX_EVENT_VALUE)
)  # type, the 0x address, and 16 keys a0..a15 (2 or 3 characters) of maximum-size values
LIMIT = 2_000_000


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    chain = make_chain(tmp_path, extra_accounts=2)  # user0, user1 hold CNY
    yield chain
    chain.close()


def spammer(chain: Chain) -> bytes:
    return deployed_address(deploy(chain, "bank-a", SPAMMER))


def nonce(chain: Chain, name: str) -> int:
    return chain.app.get_pending_nonce(chain.address(name))


def test_event_bytes_count_type_keys_and_values() -> None:
    events = [Event("bank.transfer", (("to", "é"), ("n", "12")))]
    assert compute_event_bytes(events) == len("bank.transfer") + 2 + 2 + 1 + 2
    assert compute_event_bytes([]) == 0


def test_invalid_receipt_too_large_many_maximum_size_events(chain: Chain) -> None:
    contract = spammer(chain)
    before = nonce(chain, "bank-a")
    fitting = MAX_TX_EVENT_BYTES // MAX_SIZE_EVENT_BYTES  # maximum-size events that still fit
    receipt = call(chain, "bank-a", contract, "spam", fitting + 1, MAX_EVENT_VALUE, limit=LIMIT)
    assert receipt.code == "tx/receipt_too_large", receipt.log
    assert receipt.events == () and receipt.gas_used > 0
    assert nonce(chain, "bank-a") == before + 1  # the ante's nonce stays
    assert query(chain, contract, "count") == 0  # the body's write is dropped


def test_invalid_receipt_too_large_the_issue_case(chain: Chain) -> None:
    """55 maximum-size events (870 KB) in one transaction no longer make a receipt."""
    contract = spammer(chain)
    receipt = call(chain, "bank-a", contract, "spam", 55, MAX_EVENT_VALUE, limit=LIMIT)
    assert receipt.code == "tx/receipt_too_large", receipt.log
    assert receipt.events == ()


def test_invalid_receipt_too_large_many_small_events(chain: Chain) -> None:
    contract = spammer(chain)
    fits = call(chain, "bank-a", contract, "spam", MAX_TX_EVENTS, 0, limit=LIMIT)
    assert fits.ok, fits.log  # the module's own `contracts.called` is not a contract event
    receipt = call(chain, "bank-a", contract, "spam", MAX_TX_EVENTS + 1, 0, limit=LIMIT)
    assert receipt.code == "tx/receipt_too_large", receipt.log


def test_events_within_bounds_are_kept_and_paid_for(chain: Chain) -> None:
    contract = spammer(chain)
    fitting = MAX_TX_EVENT_BYTES // MAX_SIZE_EVENT_BYTES - 1  # room left for `contracts.called`
    small = call(chain, "bank-a", contract, "spam", 1, 1, limit=LIMIT)
    large = call(chain, "bank-a", contract, "spam", fitting, MAX_EVENT_VALUE, limit=LIMIT)
    assert small.ok and large.ok, (small.log, large.log)
    assert compute_event_bytes(large.events) <= MAX_TX_EVENT_BYTES
    extra_bytes = compute_event_bytes(large.events) - compute_event_bytes(small.events)
    assert large.gas_used - small.gas_used >= GAS_PER_EVENT_BYTE * extra_bytes


def test_native_events_are_paid_for(chain: Chain) -> None:
    to = chain.address("user1")
    [one, many] = chain.execute(
        chain.sign("user0", Transfer(to, "CNY", 1)),
        chain.sign("user0", *[Transfer(to, "CNY", 1)] * 64),
    )
    assert one.ok and many.ok, (one.log, many.log)
    assert len(many.events) >= 64  # a maximum native transaction fits the bounds
    assert compute_event_bytes(many.events) <= MAX_TX_EVENT_BYTES
    event_gas = GAS_PER_EVENT_BYTE * compute_event_bytes(many.events)
    assert many.gas_used > event_gas > GAS_PER_EVENT_BYTE * compute_event_bytes(one.events)


def test_native_events_are_bounded_by_their_module_not_the_contract_bound(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A native module emits one event per change its rules allow (a RunLsm over a long queue
    settles thousands of payments): the contract-event bound does not cut it short."""
    monkeypatch.setattr(application, "MAX_TX_EVENTS", 8)
    to = chain.address("user1")
    [receipt] = chain.execute(chain.sign("user0", *[Transfer(to, "CNY", 1)] * 9))
    assert receipt.ok and len(receipt.events) == 9, receipt.log
