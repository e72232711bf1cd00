"""Compiling a contract: static checks, RestrictedPython's guards, then finchain's metering.

Pipeline: parse → `checker.check_contract` (forbidden constructs, by line) → item updates
rewritten → RestrictedPython's `RestrictingNodeTransformer` (attribute, item, iteration and write
guards: `_getattr_`, `_getitem_`, `_getiter_`, `_write_`, `_inplacevar_`, unpacking) →
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
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from types import CodeType

from RestrictedPython.transformer import RestrictingNodeTransformer

from finchain.vm.abi import Abi, extract_abi
from finchain.vm.checker import check_contract, rewrite_item_updates

MAX_SOURCE_BYTES = 24 * 1024
FILENAME = "<contract>"


class CompileError(Exception):
    """The source is not a valid contract; `errors` lists each problem with its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class CompiledContract:
    source: str
    code_hash: bytes  # SHA-256 of the UTF-8 source
    code: CodeType
    abi: Abi


def compile_contract(source: str) -> CompiledContract:
    """Check and compile `source`; raises CompileError naming every problem found."""
    data = source.encode("utf-8")
    if len(data) > MAX_SOURCE_BYTES:
        raise CompileError([f"source is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}"])
    try:
        tree = ast.parse(source, FILENAME, "exec")
    except SyntaxError as exc:
        raise CompileError([f"line {exc.lineno}: syntax error: {exc.msg}"]) from None
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
    tree = _Metering().visit(tree)
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


class _Metering(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            if isinstance(statements, list) and statements and isinstance(statements[0], ast.stmt):
                setattr(node, field, [_tick(len(statements)), *statements])
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        guarded = ast.Try(
            body=node.body,
            handlers=[],
            orelse=[],
            finalbody=[ast.Expr(_call("_leave_"))],
        )
        node.body = [ast.Expr(_call("_enter_")), guarded]
        node.decorator_list = []  # @export only marks the ABI
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = ast.Constant(type(node.op).__name__)
        return ast.copy_location(_call("_binop_", op, node.left, node.right), node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.left = _call("_cmp_arg_", node.left)
        node.comparators = [_call("_cmp_arg_", c) for c in node.comparators]
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        node.keys = [_hashed(key) if key is not None else None for key in node.keys]
        return node

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        self.generic_visit(node)
        node.key = _hashed(node.key)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)  # loads are `_getitem_` calls by now: these store or delete
        node.slice = _hashed(node.slice)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        node.value = _call("_fmt_", node.value)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_call("_str_", node), node)
