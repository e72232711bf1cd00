"""State overlays (the unit of atomicity) and the app hash.

Invariants these properties underpin: G-3 (a discarded branch leaves its parent exactly as it was;
a merged branch applies every write and deletion), G-4 (the app hash is a pure function of the
previous app hash and the final write-set: independent of write order, and different whenever the
write-set differs, so replays that agree on hashes agree on every write).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finchain.codec import decode
from finchain.crypto import get_suite
from finchain.state import GENESIS_PREV_APP_HASH, Overlay, compute_app_hash, encode_write_set
from finchain.store import Database


class DictReader:
    """A committed-state stand-in: point reads and sorted prefix iteration over a dict."""

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self.data = dict(data or {})

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def iterate(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        return iter(sorted((k, v) for k, v in self.data.items() if k.startswith(prefix)))


BASE = {b"a/1": b"one", b"a/2": b"two", b"b/1": b"bee", b"c": b"sea"}


def test_reads_own_writes() -> None:
    overlay = Overlay(DictReader(BASE))
    assert overlay.get(b"a/1") == b"one"
    overlay.set(b"a/1", b"uno")
    overlay.set(b"new", b"x")
    assert overlay.get(b"a/1") == b"uno"
    assert overlay.get(b"new") == b"x"
    assert overlay.get(b"missing") is None


def test_delete_shadows_parent() -> None:
    parent = DictReader(BASE)
    overlay = Overlay(parent)
    overlay.delete(b"a/1")
    assert overlay.get(b"a/1") is None
    assert parent.get(b"a/1") == b"one"
    overlay.set(b"a/1", b"back")
    assert overlay.get(b"a/1") == b"back"


def test_empty_value_is_not_a_deletion() -> None:
    overlay = Overlay(DictReader(BASE))
    overlay.set(b"a/1", b"")
    assert overlay.get(b"a/1") == b""
    assert (b"a/1", b"") in list(overlay.iterate(b"a/"))


def test_iterate_merges_sorted_and_hides_deletions() -> None:
    overlay = Overlay(DictReader(BASE))
    overlay.set(b"a/0", b"zero")
    overlay.set(b"a/15", b"fifteen")
    overlay.set(b"a/2", b"TWO")
    overlay.delete(b"a/1")
    overlay.delete(b"a/9")  # deleting an absent key is harmless
    overlay.set(b"b/0", b"other prefix")
    assert list(overlay.iterate(b"a/")) == [
        (b"a/0", b"zero"),
        (b"a/15", b"fifteen"),
        (b"a/2", b"TWO"),
    ]
    assert [k for k, _ in overlay.iterate(b"")] == [b"a/0", b"a/15", b"a/2", b"b/0", b"b/1", b"c"]
    assert list(overlay.iterate(b"zzz")) == []


def test_branch_sees_parent_and_merge_applies_writes_and_deletions() -> None:
    block = Overlay(DictReader(BASE))
    block.set(b"a/3", b"three")
    tx = block.branch()
    assert tx.parent is block
    assert tx.get(b"a/3") == b"three"
    tx.set(b"a/4", b"four")
    tx.delete(b"a/2")
    assert block.get(b"a/4") is None and block.get(b"a/2") == b"two"
    tx.merge_into_parent()
    assert block.get(b"a/4") == b"four"
    assert block.get(b"a/2") is None
    assert block.writes == {b"a/3": b"three", b"a/4": b"four", b"a/2": None}
    assert [k for k, _ in block.iterate(b"a/")] == [b"a/1", b"a/3", b"a/4"]


def test_failed_branch_discard_leaves_parent_unchanged() -> None:
    block = Overlay(DictReader(BASE))
    block.set(b"a/3", b"three")
    writes_before = dict(block.writes)
    tx = block.branch()
    body = tx.branch()
    body.set(b"a/3", b"overwritten")
    body.delete(b"c")
    tx.set(b"nonce", b"\x01")
    # the body fails: drop it; the ante branch (tx) is kept
    tx.merge_into_parent()
    assert block.writes == {**writes_before, b"nonce": b"\x01"}
    assert block.get(b"a/3") == b"three" and block.get(b"c") == b"sea"


def test_nested_merge_applies_in_order() -> None:
    root = Overlay(DictReader(BASE))
    first = root.branch()
    first.set(b"k", b"1")
    second = first.branch()
    second.set(b"k", b"2")
    second.delete(b"c")
    second.merge_into_parent()
    first.merge_into_parent()
    assert root.writes == {b"k": b"2", b"c": None}


def test_merge_into_non_overlay_is_refused() -> None:
    overlay = Overlay(DictReader(BASE))
    overlay.set(b"x", b"y")
    with pytest.raises(TypeError):
        overlay.merge_into_parent()


def test_overlay_over_database(tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    try:
        db.commit_genesis({b"a/1": b"one", b"a/2": b"two", b"b": b"bee"}, b"h", b"{}")
        overlay = Overlay(db)
        overlay.delete(b"a/1")
        overlay.set(b"a/0", b"zero")
        assert list(overlay.iterate(b"a/")) == [(b"a/0", b"zero"), (b"a/2", b"two")]
        assert db.get(b"a/1") == b"one"
    finally:
        db.close()


# ---- property: a stack of overlays behaves like a stack of dict copies ---------------------

keys = st.sampled_from([b"a", b"a/1", b"a/2", b"a/10", b"b", b"b/1", b"c", b"ab"])
values = st.binary(max_size=3)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), keys, values),
        st.tuples(st.just("delete"), keys, st.just(b"")),
        st.tuples(st.just("branch"), st.just(b""), st.just(b"")),
        st.tuples(st.just("merge"), st.just(b""), st.just(b"")),
        st.tuples(st.just("discard"), st.just(b""), st.just(b"")),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(base=st.dictionaries(keys, values), ops=operations)
def test_overlay_stack_matches_dict_model(
    base: dict[bytes, bytes], ops: list[tuple[str, bytes, bytes]]
) -> None:
    stack = [Overlay(DictReader(base))]
    models = [dict(base)]
    for op, key, value in ops:
        if op == "set":
            stack[-1].set(key, value)
            models[-1][key] = value
        elif op == "delete":
            stack[-1].delete(key)
            models[-1].pop(key, None)
        elif op == "branch":
            stack.append(stack[-1].branch())
            models.append(dict(models[-1]))
        elif len(stack) > 1:
            top, model = stack.pop(), models.pop()
            if op == "merge":
                top.merge_into_parent()
                models[-1] = model
        for prefix in (b"", b"a", b"a/", b"b"):
            expected = sorted((k, v) for k, v in models[-1].items() if k.startswith(prefix))
            assert list(stack[-1].iterate(prefix)) == expected
        for k in (b"a", b"a/1", b"b", b"c", b"zz"):
            assert stack[-1].get(k) == models[-1].get(k)


# ---- the app hash -------------------------------------------------------------------------

SUITES = ["intl", "gm"]
write_sets = st.dictionaries(st.binary(max_size=6), st.none() | st.binary(max_size=6), max_size=8)


@pytest.mark.parametrize("suite_name", SUITES)
def test_app_hash_is_order_independent(suite_name: str) -> None:
    suite = get_suite(suite_name)
    items = [(b"b", b"2"), (b"a", b"1"), (b"c", None), (b"a/x", b"")]
    forward = dict(items)
    backward = dict(reversed(items))
    assert list(forward) != list(backward)
    assert compute_app_hash(suite, b"prev", forward) == compute_app_hash(suite, b"prev", backward)


@pytest.mark.parametrize("suite_name", SUITES)
@settings(max_examples=200, deadline=None)
@given(writes=write_sets, order_seed=st.randoms(use_true_random=False))
def test_app_hash_depends_only_on_final_writes(
    suite_name: str, writes: dict[bytes, bytes | None], order_seed: random.Random
) -> None:
    """Whatever order the same final writes were made in, through branches or not."""
    suite = get_suite(suite_name)
    items = list(writes.items())
    order_seed.shuffle(items)
    block = Overlay(DictReader())
    tx = block.branch()
    for key, value in items:
        if value is None:
            tx.delete(key)
        else:
            tx.set(key, value)
    tx.merge_into_parent()
    assert block.writes == writes
    assert compute_app_hash(suite, b"p", block.writes) == compute_app_hash(suite, b"p", writes)


@pytest.mark.parametrize("suite_name", SUITES)
@settings(max_examples=200, deadline=None)
@given(first=write_sets, second=write_sets)
def test_app_hash_changes_iff_write_set_changes(
    suite_name: str, first: dict[bytes, bytes | None], second: dict[bytes, bytes | None]
) -> None:
    suite = get_suite(suite_name)
    same = compute_app_hash(suite, b"p", first) == compute_app_hash(suite, b"p", second)
    assert same == (first == second)


@pytest.mark.parametrize("suite_name", SUITES)
def test_app_hash_distinguishes_the_subtle_cases(suite_name: str) -> None:
    suite = get_suite(suite_name)

    def h(writes: dict[bytes, bytes | None], prev: bytes = b"p") -> bytes:
        return compute_app_hash(suite, prev, writes)

    hashes = [
        h({}),
        h({b"k": None}),  # deletion
        h({b"k": b""}),  # set to empty
        h({b"k": b"v"}),
        h({b"k": b"v", b"l": None}),
        h({b"kv": None}),  # a key that concatenates the others
        h({b"k": b"v"}, prev=b"q"),  # same writes, other history
        h({}, prev=GENESIS_PREV_APP_HASH),
    ]
    assert len(set(hashes)) == len(hashes)
    assert all(len(x) == 32 for x in hashes)


def test_encode_write_set_is_sorted_and_marks_deletions() -> None:
    raw = encode_write_set({b"b": b"2", b"a": None, b"c": b""})
    assert decode(raw) == [[b"a"], [b"b", b"2"], [b"c", b""]]
