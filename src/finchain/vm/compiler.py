"""Compiling a contract: static checks, RestrictedPython's guards, then finchain's metering.

Pipeline: nesting bound on the tokens (`checker.validate_nesting`, before anything recursive) →
parse → exact tree depth bound → `checker.check_contract` (forbidden constructs, by line) → item
updates rewritten → RestrictedPython's `RestrictingNodeTransformer` (attribute, item, iteration
and write guards: `_getattr_`, `_getitem_`, `_getiter_`, `_write_`, `_inplacevar_`, unpacking) →
`_Metering` (below) → CPython bytecode. RestrictedPython guarantees that the code reaches objects
only through those guards and never names anything starting with `_`; the guards themselves
(`guards.py`) decide what is reachable. The metering pass adds what RestrictedPython does not:

- `_tick_(n)` at the head of every statement list (n = its statements): straight-line code,
  every branch and every loop iteration pay for what they run;
- every function body runs between `_enter_()` and `_leave_()` (call cost, depth limit);
- every binary operator goes through `_binop_` (huge ints, repetition, concatenation, no sets);
- comparison operands go through `_cmp_arg_` (a comparison of long values costs their length);
- f-strings go through `_str_` (length cap), and each value they format through `_fmt_` (only
  str, int, bool and None: a container's text is built before any check could stop it);
- every key a dict literal, dict comprehension or item store (`d[k] = v`, `del d[k]`) hashes
  goes through `_key_`: a tuple key pays its elements through every level.

The injected names start with `_`, so contract code can neither call nor shadow them.

Only RestrictedPython's transformer and CPython's parser and `compile()` recurse; the nesting
bounds make them safe (`checker` docstring). Our own passes use explicit stacks. A source past
the bounds is `TooDeepError` (`contracts/too_deep`); if CPython still ran out of recursion or
parser stack on a source within them, that too is `TooDeepError`, never an escaping exception.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from types import CodeType

from RestrictedPython.transformer import RestrictingNodeTransformer

from finchain.vm.abi import Abi, extract_abi
from finchain.vm.checker import (
    NestingTooDeep,
    SourceSyntaxError,
    check_contract,
    rewrite_item_updates,
    validate_nesting,
    validate_tree_depth,
)

MAX_SOURCE_BYTES = 24 * 1024
FILENAME = "<contract>"


class CompileError(Exception):
    """The source is not a valid contract; `errors` lists each problem with its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class TooDeepError(CompileError):
    """The source nests deeper than the language's bounds (`checker.MAX_NESTING`)."""


@dataclass(frozen=True, slots=True)
class CompiledContract:
    source: str
    code_hash: bytes  # SHA-256 of the UTF-8 source
    code: CodeType
    abi: Abi


def compile_contract(source: str) -> CompiledContract:
    """Check and compile `source`; raises CompileError naming every problem found (TooDeepError
    when it nests too deeply). Never raises RecursionError or MemoryError."""
    data = source.encode("utf-8")
    if len(data) > MAX_SOURCE_BYTES:
        raise CompileError([f"source is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}"])
    try:
        validate_nesting(source)
    except NestingTooDeep as exc:
        raise TooDeepError([str(exc)]) from None
    except SourceSyntaxError as exc:
        raise CompileError([str(exc)]) from None
    try:
        return _compile_bounded(source, data)
    except (RecursionError, MemoryError) as exc:  # not expected within the bounds
        message = f"line 0: the code is too complex to compile ({type(exc).__name__})"
        raise TooDeepError([message]) from None


def _compile_bounded(source: str, data: bytes) -> CompiledContract:
    try:
        tree = ast.parse(source, FILENAME, "exec")
    except SyntaxError as exc:
        raise CompileError([f"line {exc.lineno}: syntax error: {exc.msg}"]) from None
    try:
        validate_tree_depth(tree)
    except NestingTooDeep as exc:
        raise TooDeepError([str(exc)]) from None
    errors = check_contract(tree)
    if errors:
        raise CompileError(errors)
    abi = extract_abi(tree)
    errors = rewrite_item_updates(tree)
    if errors:
        raise CompileError(errors)
    rp_errors: list[str] = []
    policy = RestrictingNodeTransformer(rp_errors, [], {})
    policy.visit(tree)
    if rp_errors:
        raise CompileError(rp_errors)
    tree = _apply_metering(tree)
    ast.fix_missing_locations(tree)
    code = compile(tree, FILENAME, "exec", dont_inherit=True)
    return CompiledContract(source, hashlib.sha256(data).digest(), code, abi)


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _hashed(key: ast.expr) -> ast.expr:
    """`_key_(key)` unless the key is a constant (constants are small scalars)."""
    return key if isinstance(key, ast.Constant) else _call("_key_", key)


def _tick(count: int) -> ast.stmt:
    return ast.Expr(_call("_tick_", ast.Constant(count)))


def _apply_metering(tree: ast.Module) -> ast.Module:
    """Apply `_Metering` to every node, children before their parent, without recursion."""
    order: list[ast.AST] = []  # pre-order: every node comes after its parent
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(ast.iter_child_nodes(node))
    metering = _Metering()
    replaced: dict[int, ast.AST] = {}  # id(original) -> what the pass made of it
    for node in reversed(order):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                setattr(node, field, [replaced.get(id(v), v) for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, field, replaced.get(id(value), value))
        result = metering.rewrite(node)
        if result is not node:
            replaced[id(node)] = result
    return tree


class _Metering:
    """The metering rewrite of one node whose children are already rewritten."""

    def rewrite(self, node: ast.AST) -> ast.AST:
        self._tick_statement_lists(node)
        method = getattr(self, f"rewrite_{type(node).__name__}", None)
        return node if method is None else method(node)

    def _tick_statement_lists(self, node: ast.AST) -> None:
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            if isinstance(statements, list) and statements and isinstance(statements[0], ast.stmt):
                setattr(node, field, [_tick(len(statements)), *statements])

    def rewrite_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        guarded = ast.Try(
            body=node.body,
            handlers=[],
            orelse=[],
            finalbody=[ast.Expr(_call("_leave_"))],
        )
        node.body = [ast.Expr(_call("_enter_")), guarded]
        node.decorator_list = []  # @export only marks the ABI
        return node

    def rewrite_BinOp(self, node: ast.BinOp) -> ast.AST:
        op = ast.Constant(type(node.op).__name__)
        return ast.copy_location(_call("_binop_", op, node.left, node.right), node)

    def rewrite_Compare(self, node: ast.Compare) -> ast.AST:
        node.left = _call("_cmp_arg_", node.left)
        node.comparators = [_call("_cmp_arg_", c) for c in node.comparators]
        return node

    def rewrite_Dict(self, node: ast.Dict) -> ast.AST:
        node.keys = [_hashed(key) if key is not None else None for key in node.keys]
        return node

    def rewrite_DictComp(self, node: ast.DictComp) -> ast.AST:
        node.key = _hashed(node.key)
        return node

    def rewrite_Subscript(self, node: ast.Subscript) -> ast.AST:
        # loads are `_getitem_` calls by now: these store or delete
        node.slice = _hashed(node.slice)
        return node

    def rewrite_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node.value = _call("_fmt_", node.value)
        return node

    def rewrite_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.copy_location(_call("_str_", node), node)
