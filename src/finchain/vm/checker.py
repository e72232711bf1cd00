"""The contract language's static rules: what a contract may not contain, named by line.

RestrictedPython (`compiler.py`) already refuses names and attributes starting with `_`, `exec`,
`eval`, `nonlocal`, async code, `print` and a few inspection attributes. These checks come first
and add what a deterministic ledger needs, with messages a contract author can act on:

- imports: only `from finchain.contract import <API names>`;
- no classes, lambdas, generators (`yield`), `global`/`nonlocal`, `try`, `with`, `match`, `assert`
  (stripped under `python -O`), async code, star-unpacking (`*x`, `**x`), sets (their iteration
  order depends on the hash seed), float or complex literals, true division `/`, f-string format
  specs and conversions (width bombs, formatting of arbitrary objects), slice assignment
  (`l[a:b] = iterable` consumes the iterable in C, unmetered);
- no builtin that reflects, evaluates, imports or does I/O (`eval`, `getattr`, `type`, `open`, ...)
  and no dunder names or attributes;
- decorators: only `@export`, on top-level functions whose parameters are all annotated.

`rewrite_item_updates` turns `m[k] += v` into `m[k] = m[k] + v` when `m` and `k` are plain names,
constants or attributes (evaluating them twice is then harmless), since RestrictedPython refuses
augmented assignment of items.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

CONTRACT_MODULE = "finchain.contract"
API_NAMES = frozenset(
    {
        "export",
        "Map",
        "Value",
        "ctx",
        "emit",
        "require",
        "ContractError",
        "call",
        "transfer",
        "balance",
        "sha256",
    }
)
FORBIDDEN_NAMES = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "type",
        "globals",
        "locals",
        "vars",
        "dir",
        "id",
        "hash",
        "input",
        "help",
        "memoryview",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
        "breakpoint",
        "iter",
        "next",
        "callable",
        "float",
        "complex",
        "set",
        "frozenset",
        "bytearray",
        "format",
        "repr",
        "ascii",
        "chr",
        "ord",
        "round",
        "pow",
        "exit",
        "quit",
        "copyright",
        "credits",
        "license",
        "print",
    }
)
ANNOTATION_TYPES = frozenset({"int", "str", "bytes", "bool", "list", "dict"})

_FORBIDDEN_NODES: dict[type, str] = {
    ast.ClassDef: "class definition",
    ast.Lambda: "lambda",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Global: "global statement",
    ast.Nonlocal: "nonlocal statement",
    ast.Try: "try statement",
    ast.With: "with statement",
    ast.Match: "match statement",
    ast.Assert: "assert (use require)",
    ast.AsyncFunctionDef: "async function",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.Await: "await",
    ast.Starred: "star unpacking",
    ast.Set: "set literal",
    ast.SetComp: "set comprehension",
    ast.Import: "import statement (only 'from finchain.contract import ...')",
}
if hasattr(ast, "TryStar"):
    _FORBIDDEN_NODES[ast.TryStar] = "try statement"


class ContractChecker(ast.NodeVisitor):
    """Collects one message per forbidden construct: `line N: <construct>`."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._function_depth = 0

    def fail(self, node: ast.AST, what: str) -> None:
        self.errors.append(f"line {getattr(node, 'lineno', 0)}: {what}")

    def generic_visit(self, node: ast.AST) -> None:
        forbidden = _FORBIDDEN_NODES.get(type(node))
        if forbidden is not None:
            self.fail(node, f"{forbidden} is not allowed")
        super().generic_visit(node)

    def visit_Module(self, node: ast.Module) -> None:
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef):
                self._check_top_function(stmt)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        args = node.args
        if args.vararg or args.kwarg:
            self.fail(node, f"*args/**kwargs in '{node.name}' are not allowed")
        self._check_name(node, node.name)
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            self._check_name(arg, arg.arg)
        if self._function_depth and node.decorator_list:
            self.fail(node, f"decorators on the nested function '{node.name}' are not allowed")
        self._function_depth += 1
        self.generic_visit(node)
        self._function_depth -= 1

    def _check_top_function(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Name) and decorator.id == "export"):
                self.fail(decorator, "only the @export decorator is allowed")
        if not (_is_exported(node) or node.name == "init"):
            return
        if node.args.kwonlyargs:
            self.fail(node, f"keyword-only parameters of '{node.name}' are not allowed")
        for arg in (*node.args.posonlyargs, *node.args.args):
            if annotation_name(arg.annotation) not in ANNOTATION_TYPES:
                self.fail(
                    arg,
                    f"parameter '{arg.arg}' of '{node.name}' needs a type annotation "
                    f"among {sorted(ANNOTATION_TYPES)}",
                )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module != CONTRACT_MODULE or node.level:
            self.fail(node, f"import from {node.module!r} is not allowed (only {CONTRACT_MODULE})")
        for alias in node.names:
            if alias.name not in API_NAMES:
                self.fail(node, f"{CONTRACT_MODULE} has no {alias.name!r}")
            if alias.asname is not None:
                self._check_name(node, alias.asname)

    def visit_Name(self, node: ast.Name) -> None:
        self._check_name(node, node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.fail(node, f"attribute '{node.attr}' is not allowed (names starting with _)")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, float | complex):
            self.fail(node, "float and complex numbers are not allowed (use integer minor units)")
        elif isinstance(node.value, int) and node.value.bit_length() > 4096:
            self.fail(node, "integer literal is too large")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div):
            self.fail(node, "true division '/' is not allowed (use '//')")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.op, ast.Div):
            self.fail(node, "true division '/=' is not allowed (use '//=')")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Slice):
            self.fail(
                node, "slice assignment is not allowed (it would consume its value unmetered)"
            )
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        if any(key is None for key in node.keys):
            self.fail(node, "'**' unpacking in a dict literal is not allowed")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if any(keyword.arg is None for keyword in node.keywords):
            self.fail(node, "'**' unpacking in a call is not allowed")
        self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        if node.format_spec is not None or node.conversion != -1:
            self.fail(node, "f-string format specs and conversions (!r, :>10) are not allowed")
        self.generic_visit(node)

    def _check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("__") or name.endswith("__"):
            self.fail(node, f"dunder name '{name}' is not allowed")
        elif name in FORBIDDEN_NAMES:
            self.fail(node, f"'{name}' is not available in contracts")


def check_contract(tree: ast.Module) -> list[str]:
    checker = ContractChecker()
    checker.visit(tree)
    return checker.errors


def annotation_name(annotation: ast.expr | None) -> str:
    return annotation.id if isinstance(annotation, ast.Name) else ""


def _is_exported(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "export" for d in node.decorator_list)


def exported_functions(tree: ast.Module) -> Iterable[ast.FunctionDef]:
    return (s for s in tree.body if isinstance(s, ast.FunctionDef) and _is_exported(s))


class _ItemUpdateRewriter(ast.NodeTransformer):
    def __init__(self) -> None:
        self.errors: list[str] = []

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        target = node.target
        if not isinstance(target, ast.Subscript):
            return node
        if not (_is_simple(target.value) and _is_simple(target.slice)):
            self.errors.append(
                f"line {node.lineno}: augmented assignment of an item needs a plain name, "
                "constant or attribute as container and key (assign to a variable first)"
            )
            return node
        load = ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
        assign = ast.Assign(
            targets=[target], value=ast.BinOp(left=load, op=node.op, right=node.value)
        )
        return ast.copy_location(assign, node)


def _is_simple(node: ast.expr) -> bool:
    if isinstance(node, ast.Name | ast.Constant):
        return True
    if isinstance(node, ast.Attribute):
        return _is_simple(node.value)
    if isinstance(node, ast.Tuple):
        return all(_is_simple(e) for e in node.elts)
    return False


def rewrite_item_updates(tree: ast.Module) -> list[str]:
    rewriter = _ItemUpdateRewriter()
    rewriter.visit(tree)
    ast.fix_missing_locations(tree)
    return rewriter.errors
