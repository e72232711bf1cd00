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

**Nesting depth, before parsing.** CPython's parser, its AST construction, RestrictedPython's
transformer and `compile()` all recurse once or more per level of the syntax tree, so a deeply
nested source (10,000 parentheses, unary minus signs or `.a` accesses) raises `RecursionError` or
`MemoryError` inside them, at a point that depends on the caller's stack. `validate_nesting` runs
first, over `tokenize`'s tokens, iteratively, and refuses (`NestingTooDeep`) a source whose
*nesting estimate* passes `MAX_NESTING`. The estimate bounds the depth of the syntax tree from
above: an indented block counts 2, an `elif` 1 (it nests an `if` in the previous `else`), a
bracket 1 plus 1 for what it holds, and every operator, `.`, keyword and bracket of one
expression (between commas) 1 each, since each of them can add a level; an f-string counts each
operator character and keyword anywhere in it. A flat list of 5,000 items counts 3; `a + b + c`
counts 2 more than `a`. `MAX_NESTING` = 100 keeps every later step far inside CPython's default
recursion limit (1,000 frames: RestrictedPython's transformer takes about 4 frames per tree
level, the C compiler and AST construction scale their own limits by 3), whatever the caller's
stack depth (an HTTP worker, the ABCI worker thread) and with any thread stack of 256 KiB or more,
so every node compiles the same source to the same result. The checks below walk the tree with
explicit stacks, never by recursion.

`rewrite_item_updates` turns `m[k] += v` into `m[k] = m[k] + v` when `m` and `k` are plain names,
constants or attributes (evaluating them twice is then harmless), since RestrictedPython refuses
augmented assignment of items.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

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
MAX_NESTING = 100  # the nesting estimate's limit (module docstring: why 100 is safe)
MAX_TREE_DEPTH = MAX_NESTING  # the parsed tree, exactly (the estimate already implies it)

_BLOCK_WEIGHT = 2  # an indented block: its statement and a clause node (ExceptHandler, match_case)
_GROUP_WEIGHT = 1  # inside brackets: a wrapper node (keyword, Slice, Tuple, GeneratorExp)
_STATEMENT_WEIGHT = 3  # the module, the statement node and an expression context
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")
_SEPARATORS = frozenset({",", "=", ";"})
_FSTRING_PREFIX = re.compile(r"[a-zA-Z]*[fF][a-zA-Z]*['\"]")
_FSTRING_COUNTED = re.compile(
    r"[-+*/%@&|^~<>=!:.(\[{]|\b(?:" + "|".join(sorted(keyword.kwlist)) + r")\b"
)
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12 tokenizes f-strings
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_SKIPPED_TOKENS = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER})

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


class NestingTooDeep(Exception):
    """The source nests deeper than `MAX_NESTING` (or its tree deeper than `MAX_TREE_DEPTH`)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class SourceSyntaxError(Exception):
    """`tokenize` could not read the source (the parser would refuse it too)."""


@dataclass(slots=True)
class _Group:
    """One bracket pair (or the statement itself) during the nesting scan."""

    deepest: int = 0  # the deepest element already closed in this group
    counted: int = 0  # operators, keywords and brackets of the open element
    inner: int = 0  # the deepest bracket group inside the open element
    lambdas: int = 0  # open lambda parameter lists: their ',' and '=' do not end the element

    def end_element(self) -> None:
        self.deepest = max(self.deepest, self.counted + self.inner)
        self.counted = self.inner = 0

    def close(self) -> int:
        self.end_element()
        return self.deepest


def validate_nesting(source: str) -> None:
    """Raise NestingTooDeep if `source`'s nesting estimate passes MAX_NESTING (module docstring),
    SourceSyntaxError if it cannot be tokenized. Iterative; linear in the source's length."""
    for line, depth in _statement_depths(source):
        if depth > MAX_NESTING:
            raise NestingTooDeep(
                line,
                f"the code nests {depth} levels deep; the limit is {MAX_NESTING} (indented "
                "blocks, elif branches, brackets and the operators of one expression count)",
            )


def validate_tree_depth(tree: ast.AST) -> None:
    """Raise NestingTooDeep if the parsed tree is deeper than MAX_TREE_DEPTH (a second bound,
    exact, for the recursive steps after parsing; the estimate already implies it)."""
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            line = getattr(node, "lineno", 0)
            raise NestingTooDeep(line, f"the code nests deeper than {MAX_TREE_DEPTH} tree levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _statement_depths(source: str) -> Iterator[tuple[int, int]]:
    """(line, nesting estimate) of every logical line, from tokens alone."""
    elifs = [0]  # per open block level: the elif branches of its current if statement
    groups = [_Group()]
    at_statement_start = True
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text = token.type, token.string
            if kind in _SKIPPED_TOKENS:
                continue
            if kind == tokenize.INDENT:
                elifs.append(0)
                continue
            if kind == tokenize.DEDENT:
                if len(elifs) > 1:
                    elifs.pop()
                continue
            if kind == tokenize.NEWLINE:
                while len(groups) > 1:
                    inner = _GROUP_WEIGHT + groups.pop().close()
                    groups[-1].inner = max(groups[-1].inner, inner)
                base = (len(elifs) - 1) * _BLOCK_WEIGHT + sum(elifs)
                yield token.start[0], base + _STATEMENT_WEIGHT + groups[0].close()
                groups = [_Group()]
                at_statement_start = True
                continue
            if at_statement_start:
                at_statement_start = False
                if text == "elif":
                    elifs[-1] += 1
                elif text != "else":
                    elifs[-1] = 0
            _count_token(groups, kind, text)
    except (tokenize.TokenError, SyntaxError) as exc:
        raise SourceSyntaxError(_token_error_text(exc)) from None


def _count_token(groups: list[_Group], kind: int, text: str) -> None:
    group = groups[-1]
    if kind == _FSTRING_START or (kind == tokenize.OP and text in _OPENERS):
        group.counted += 1  # a call, subscript or literal nests its contents one level down
        groups.append(_Group())
    elif kind == _FSTRING_END or (kind == tokenize.OP and text in _CLOSERS):
        if len(groups) > 1:  # an unmatched closer is a syntax error the parser reports
            inner = _GROUP_WEIGHT + groups.pop().close()
            groups[-1].inner = max(groups[-1].inner, inner)
    elif kind == tokenize.OP and text in _SEPARATORS and not group.lambdas:
        group.end_element()
    elif kind == tokenize.OP:
        group.counted += 1
        if text == ":" and group.lambdas:
            group.lambdas -= 1
    elif kind == tokenize.NAME and keyword.iskeyword(text):
        group.counted += 1
        if text == "lambda":
            group.lambdas += 1
    elif kind == tokenize.STRING and _FSTRING_PREFIX.match(text):
        group.counted += 2 + len(_FSTRING_COUNTED.findall(text))
    elif kind == tokenize.ERRORTOKEN:
        group.counted += 1


def _token_error_text(exc: Exception) -> str:
    if isinstance(exc, SyntaxError):
        return f"line {exc.lineno}: syntax error: {exc.msg}"
    message, position = exc.args[0], exc.args[1] if len(exc.args) > 1 else (0, 0)
    return f"line {position[0]}: syntax error: {message}"


class ContractChecker:
    """Collects one message per forbidden construct: `line N: <construct>`.

    `check` walks the tree depth-first in source order with an explicit stack (no recursion);
    `check_<NodeType>` methods look at one node each, never at its children."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, node: ast.AST, what: str) -> None:
        self.errors.append(f"line {getattr(node, 'lineno', 0)}: {what}")

    def check(self, tree: ast.AST) -> None:
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]  # (node, enclosing function depth)
        while stack:
            node, function_depth = stack.pop()
            forbidden = _FORBIDDEN_NODES.get(type(node))
            if forbidden is not None:
                self.fail(node, f"{forbidden} is not allowed")
            if isinstance(node, ast.FunctionDef):
                self.check_FunctionDef(node, function_depth)
                function_depth += 1
            else:
                method = getattr(self, f"check_{type(node).__name__}", None)
                if method is not None:
                    method(node)
            children = list(ast.iter_child_nodes(node))
            stack.extend((child, function_depth) for child in reversed(children))

    def check_Module(self, node: ast.Module) -> None:
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef):
                self._check_top_function(stmt)

    def check_FunctionDef(self, node: ast.FunctionDef, function_depth: int) -> None:
        args = node.args
        if args.vararg or args.kwarg:
            self.fail(node, f"*args/**kwargs in '{node.name}' are not allowed")
        self._check_name(node, node.name)
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            self._check_name(arg, arg.arg)
        if function_depth and node.decorator_list:
            self.fail(node, f"decorators on the nested function '{node.name}' are not allowed")

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

    def check_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module != CONTRACT_MODULE or node.level:
            self.fail(node, f"import from {node.module!r} is not allowed (only {CONTRACT_MODULE})")
        for alias in node.names:
            if alias.name not in API_NAMES:
                self.fail(node, f"{CONTRACT_MODULE} has no {alias.name!r}")
            if alias.asname is not None:
                self._check_name(node, alias.asname)

    def check_Name(self, node: ast.Name) -> None:
        self._check_name(node, node.id)

    def check_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.fail(node, f"attribute '{node.attr}' is not allowed (names starting with _)")

    def check_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, float | complex):
            self.fail(node, "float and complex numbers are not allowed (use integer minor units)")
        elif isinstance(node.value, int) and node.value.bit_length() > 4096:
            self.fail(node, "integer literal is too large")

    def check_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div):
            self.fail(node, "true division '/' is not allowed (use '//')")

    def check_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.op, ast.Div):
            self.fail(node, "true division '/=' is not allowed (use '//=')")

    def check_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Slice):
            self.fail(
                node, "slice assignment is not allowed (it would consume its value unmetered)"
            )

    def check_Dict(self, node: ast.Dict) -> None:
        if any(key is None for key in node.keys):
            self.fail(node, "'**' unpacking in a dict literal is not allowed")

    def check_Call(self, node: ast.Call) -> None:
        if any(kw.arg is None for kw in node.keywords):
            self.fail(node, "'**' unpacking in a call is not allowed")

    def check_FormattedValue(self, node: ast.FormattedValue) -> None:
        if node.format_spec is not None or node.conversion != -1:
            self.fail(node, "f-string format specs and conversions (!r, :>10) are not allowed")

    def _check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("__") or name.endswith("__"):
            self.fail(node, f"dunder name '{name}' is not allowed")
        elif name in FORBIDDEN_NAMES:
            self.fail(node, f"'{name}' is not available in contracts")


def check_contract(tree: ast.Module) -> list[str]:
    checker = ContractChecker()
    checker.check(tree)
    return checker.errors


def annotation_name(annotation: ast.expr | None) -> str:
    return annotation.id if isinstance(annotation, ast.Name) else ""


def _is_exported(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "export" for d in node.decorator_list)


def exported_functions(tree: ast.Module) -> Iterable[ast.FunctionDef]:
    return (s for s in tree.body if isinstance(s, ast.FunctionDef) and _is_exported(s))


def rewrite_item_updates(tree: ast.Module) -> list[str]:
    """Rewrite `m[k] op= v` in place (module docstring); returns the refusals, in source order."""
    errors: list[str] = []
    for statements, index in _statement_slots(tree):
        stmt = statements[index]
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Subscript):
            rewritten = _rewrite_item_update(stmt, stmt.target, errors)
            if rewritten is not None:
                statements[index] = rewritten
    ast.fix_missing_locations(tree)
    return errors


def _rewrite_item_update(
    node: ast.AugAssign, target: ast.Subscript, errors: list[str]
) -> ast.stmt | None:
    if not (_is_simple(target.value) and _is_simple(target.slice)):
        errors.append(
            f"line {node.lineno}: augmented assignment of an item needs a plain name, "
            "constant or attribute as container and key (assign to a variable first)"
        )
        return None
    load = ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
    assign = ast.Assign(targets=[target], value=ast.BinOp(left=load, op=node.op, right=node.value))
    return ast.copy_location(assign, node)


def _statement_slots(tree: ast.AST) -> Iterator[tuple[list[ast.stmt], int]]:
    """(statement list, index) of every statement, depth-first in source order, iteratively;
    the caller may replace `list[index]` before the walk goes on (into the replacement)."""
    stack: list[tuple[list[ast.stmt], int] | ast.AST] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            statements, index = item
            yield statements, index
            node: ast.AST = statements[index]
        else:
            node = item
        children: list[tuple[list[ast.stmt], int] | ast.AST] = []
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                children.extend((value, i) for i in range(len(value)))
            elif isinstance(value, list):
                children.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                children.append(value)
        stack.extend(reversed(children))


def _is_simple(node: ast.expr) -> bool:
    """A name, constant, or attributes and tuples of them (evaluating it twice is harmless)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Attribute):
            stack.append(current.value)
        elif isinstance(current, ast.Tuple):
            stack.extend(current.elts)
        elif not isinstance(current, ast.Name | ast.Constant):
            return False
    return True
