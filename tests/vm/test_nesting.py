"""The nesting bound (issue 15): a source nested past `MAX_NESTING` is refused before anything
recursive runs, every source within it compiles the same way whatever the caller's stack depth or
thread stack size, and the estimate the bound uses is never below the real tree depth."""

from __future__ import annotations

import ast
import contextlib
import threading
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finchain.vm import compile_contract
from finchain.vm.checker import (
    MAX_NESTING,
    NestingTooDeep,
    _statement_depths,
    rewrite_item_updates,
    validate_nesting,
)
from finchain.vm.compiler import CompileError, TooDeepError
from tests.modules.contracts.support import example

HEADER = "from finchain.contract import Map, ctx, export\n\n\n@export\ndef run() -> None:\n    "
SMALL_STACK = 256 * 1024


def estimate(source: str) -> int:
    try:
        validate_nesting(source)
    except NestingTooDeep as exc:
        return int(str(exc).split(" nests ")[1].split()[0])
    return _largest_estimate_within(source)


def _largest_estimate_within(source: str) -> int:
    return max(depth for _, depth in _statement_depths(source))


def tree_depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def largest_within_limit(make: Callable[[int], str]) -> int:
    """The largest n for which HEADER + make(n)'s estimate is within MAX_NESTING."""
    n = 1
    while estimate(HEADER + make(n + 1) + "\n") <= MAX_NESTING:
        n += 1
    return n


def deepest_within_limit(make: Callable[[int], str]) -> str:
    return HEADER + make(largest_within_limit(make)) + "\n"


AT_THE_LIMIT = {
    "unary": lambda n: "x = " + "-" * n + "1",
    "lists": lambda n: "x = " + "[" * n + "]" * n,
    "attributes": lambda n: "x = ctx" + ".a" * n,
    "additions": lambda n: "x = 1" + " + 1" * n,
    "calls": lambda n: "x = " + "len(" * n + "'a'" + ")" * n,
    "not": lambda n: "x = " + "not " * n + "1",
    "if blocks": lambda n: (
        "".join(("    " * (i + 1) if i else "") + "if x:\n" for i in range(n))
        + "    " * (n + 1)
        + "pass"
    ),
    "f-string": lambda n: "x = f'{" + "-" * n + "1}'",
}


@pytest.mark.parametrize("name", ["token", "escrow", "procurement", "receivable"])
def test_example_contracts_are_far_inside_the_bound(name: str) -> None:
    source = example(name)
    assert estimate(source) <= MAX_NESTING // 3
    compile_contract(source)


@pytest.mark.parametrize("shape", sorted(AT_THE_LIMIT))
def test_the_limit_is_exact(shape: str) -> None:
    make = AT_THE_LIMIT[shape]
    n = largest_within_limit(make)
    assert n >= 30
    compile_contract(HEADER + make(n) + "\n")
    with pytest.raises(TooDeepError, match=f"the limit is {MAX_NESTING}"):
        compile_contract(HEADER + make(n + 1) + "\n")


def _at_stack_depth(frames: int, run: Callable[[], object]) -> object:
    if frames == 0:
        return run()
    return _at_stack_depth(frames - 1, run)


def _in_small_thread(run: Callable[[], object]) -> object:
    results: list[object] = []
    previous = threading.stack_size(SMALL_STACK)
    try:
        thread = threading.Thread(target=lambda: results.append(_outcome(run)))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    return results[0]


def _outcome(run: Callable[[], object]) -> object:
    try:
        compiled = run()
    except CompileError as exc:
        return type(exc).__name__, exc.errors
    return getattr(compiled, "code_hash", compiled)


@pytest.mark.parametrize("shape", sorted(AT_THE_LIMIT))
def test_within_the_bound_the_result_does_not_depend_on_the_stack(shape: str) -> None:
    """The ABCI worker thread, an HTTP worker and a deep caller all compile alike."""
    source = deepest_within_limit(AT_THE_LIMIT[shape])
    expected = _outcome(lambda: compile_contract(source))
    assert _outcome(lambda: _at_stack_depth(400, lambda: compile_contract(source))) == expected
    assert _in_small_thread(lambda: compile_contract(source)) == expected


def test_invalid_too_deep_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parse(*_: object, **__: object) -> None:
        raise AssertionError("ast.parse ran on a source past the bound")

    monkeypatch.setattr(ast, "parse", no_parse)
    with pytest.raises(TooDeepError) as refused:
        compile_contract(HEADER + "x = " + "-" * 10_000 + "1\n")
    assert refused.value.errors == [refused.value.errors[0]]
    assert refused.value.errors[0].startswith("line 6: the code nests")


def test_invalid_untokenizable_source_is_a_compile_error() -> None:
    with pytest.raises(CompileError) as refused:
        compile_contract(HEADER + "x = (1,\n")
    assert not isinstance(refused.value, TooDeepError)
    assert "syntax error" in refused.value.errors[0]


def test_item_update_refusals_keep_source_order() -> None:
    tree = ast.parse("if a:\n    m[f()] += 1\nm[g()] += 1\nm[k] += 1\n")
    errors = rewrite_item_updates(tree)
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3"]
    assert "m[k] = m[k] + 1" in ast.unparse(tree)


# ---- property: the estimate bounds the tree; compiling never escapes ----------------------------

_ATOMS = st.sampled_from(["x", "1", "'s'", "ctx.caller", "f'{x}'"])


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(inner, inner)
    return st.one_of(
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-{e}"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"{e}.a"),
        inner.map(lambda e: f"f({e}, k={e})"),
        inner.map(lambda e: f"[{e} for y in {e} if {e}]"),
        inner.map(lambda e: f"(lambda a, b=1: {e})"),
        inner.map(lambda e: f"f'{{{e}}}'"),
        inner.map(lambda e: f"(z := {e})"),
        pair.map(lambda p: f"[{p[0]}, {p[1]}]"),
        pair.map(lambda p: f"{p[0]} + {p[1]}"),
        pair.map(lambda p: f"{p[0]}[{p[1]}:{p[0]}, {p[1]}]"),
        pair.map(lambda p: f"{{{p[0]}: {p[1]}}}"),
        pair.map(lambda p: f"({p[0]} if {p[1]} else {p[0]})"),
        pair.map(lambda p: f"{p[0]} < {p[1]} < {p[0]}"),
        pair.map(lambda p: f"{p[0]} and {p[1]} or {p[0]}"),
    )


EXPRESSIONS = st.recursive(_ATOMS, _extend, max_leaves=12)


def _statement(expression: str, blocks: int) -> str:
    lines = ["def g(a: int = 1) -> int:"]
    for level in range(blocks):
        lines.append("    " * (level + 1) + ("for q in r:" if level % 2 else "if a:"))
    lines.append("    " * (blocks + 1) + f"x = {expression}")
    lines.append("    elif b:\n        return " + expression)
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.integers(min_value=0, max_value=8))
def test_the_estimate_is_never_below_the_tree_depth(expression: str, blocks: int) -> None:
    source = _statement(expression, blocks)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    assert _largest_estimate_within(source) >= tree_depth(tree)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*"([{-+.~ ", "not ", "1", "x", ")", "]", "}"]), max_size=4000))
def test_compiling_random_deep_text_raises_only_compile_errors(pieces: list[str]) -> None:
    source = HEADER + "x = " + "".join(pieces) + "\n"
    with contextlib.suppress(CompileError):  # anything else (RecursionError, ...) fails
        compile_contract(source)
