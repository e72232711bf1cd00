"""A corpus of known Python sandbox escapes and resource bombs, each with the outcome finchain
must give: refused at deploy (`compile`) or stopped at run time with a contract error code.

Each entry is the body of an exported function `run()` (indented by the test), so deploy-time
entries are refused wherever they appear and run-time ones run inside a real call.

`TOO_DEEP` entries nest past the language's bound (`finchain.vm.checker.MAX_NESTING`): before the
bound, each of them made CPython's parser, the checker or RestrictedPython raise RecursionError or
MemoryError (one signed deploy stopped every validator); now each is `contracts/too_deep`.
"""

from __future__ import annotations

COMPILE = "compile"
TOO_DEEP = "contracts/too_deep"


def _nested_ifs(levels: int) -> str:
    return "".join(" " * i + "if x:\n" for i in range(levels)) + " " * levels + "pass"


# (name, body, expected): expected is COMPILE, TOO_DEEP or the error code of the failed call.
CORPUS: list[tuple[str, str, str]] = [
    # ---- imports and builtins that reach the host ----
    ("import os", "import os", COMPILE),
    ("from os import system", "from os import system", COMPILE),
    ("dunder import", "__import__('os')", COMPILE),
    ("import via api module alias", "from finchain.contract import sys", COMPILE),
    ("relative import", "from . import x", COMPILE),
    ("eval", "eval('1+1')", COMPILE),
    ("exec", "exec('x = 1')", COMPILE),
    ("compile", "compile('1', '', 'eval')", COMPILE),
    ("open a file", "open('/etc/passwd')", COMPILE),
    ("globals", "globals()", COMPILE),
    ("locals", "locals()", COMPILE),
    ("vars", "vars()", COMPILE),
    ("breakpoint", "breakpoint()", COMPILE),
    ("print", "print(1)", COMPILE),
    ("builtins name", "x = __builtins__", COMPILE),
    ("module name", "x = __name__", COMPILE),
    ("id and hash", "x = id(1) + hash('a')", COMPILE),
    # ---- dunder walks and reflection ----
    ("class of a literal", "x = ().__class__", COMPILE),
    ("subclasses walk", "x = ().__class__.__bases__[0].__subclasses__()", COMPILE),
    ("mro walk", "x = [].__class__.__mro__", COMPILE),
    ("getattr chain", "x = getattr(getattr(1, '__class__'), '__base__')", COMPILE),
    ("type()", "x = type(1)", COMPILE),
    ("type with three arguments", "x = type('A', (), {})", COMPILE),
    ("function globals", "def f():\n    pass\nx = f.__globals__", COMPILE),
    ("function code", "def f():\n    pass\nx = f.__code__", COMPILE),
    ("generator frame", "g = (i for i in [1])\nx = g.gi_frame", COMPILE),
    ("generator code", "g = (i for i in [1])\nx = g.gi_code", COMPILE),
    ("private name", "_x = 1", COMPILE),
    ("object()", "x = object()", COMPILE),
    ("super()", "x = super()", COMPILE),
    # ---- language features outside the deterministic subset ----
    ("class definition", "class A:\n    pass", COMPILE),
    ("metaclass", "class A(metaclass=type):\n    pass", COMPILE),
    ("lambda", "f = lambda: 1", COMPILE),
    ("generator function", "def g():\n    yield 1", COMPILE),
    ("global", "global x\nx = 1", COMPILE),
    ("nonlocal", "x = 1\ndef f():\n    nonlocal x", COMPILE),
    ("try/except swallows the meter", "try:\n    pass\nexcept BaseException:\n    pass", COMPILE),
    ("with", "with x:\n    pass", COMPILE),
    ("async", "async def f():\n    pass", COMPILE),
    ("float literal", "x = 1.5", COMPILE),
    ("complex literal", "x = 2j", COMPILE),
    ("true division", "x = 7 / 2", COMPILE),
    ("set literal (hash-seed order)", "x = {'a', 'b'}", COMPILE),
    ("set comprehension", "x = {i for i in range(3)}", COMPILE),
    ("star unpacking bomb", "x = [*range(10**9)]", COMPILE),
    ("star call", "def f(*args):\n    pass", COMPILE),
    ("double-star call", "def f(a):\n    pass\nf(**{'a': 1})", COMPILE),
    ("f-string width bomb", "x = f'{1:>1000000000}'", COMPILE),
    ("f-string repr conversion", "x = f'{ctx!r}'", COMPILE),
    ("assert stripped by -O", "assert False", COMPILE),
    ("match statement", "match 1:\n    case 1:\n        pass", COMPILE),
    ("foreign decorator", "@staticmethod\ndef f():\n    pass", COMPILE),
    # ---- format strings reaching attributes ----
    ("format attribute walk", "x = '{0.__class__}'.format(1)", "contracts/execution_error"),
    ("format_map", "x = '{a}'.format_map({'a': 1})", "contracts/execution_error"),
    ("percent formatting width bomb", "x = '%1000000000d' % 5", "contracts/execution_error"),
    # ---- resource bombs ----
    ("tower of powers", "x = 10**10**10", "contracts/limit_exceeded"),
    ("huge power", "x = 3**100000", "contracts/limit_exceeded"),
    ("huge shift", "x = 1 << 10**6", "contracts/limit_exceeded"),
    (
        "huge product by squaring",
        "x = 7\nfor i in range(40):\n    x = x * x",
        "contracts/limit_exceeded",
    ),
    ("string repetition", "x = 'a' * 10**9", "contracts/limit_exceeded"),
    ("list repetition", "x = [0] * 10**9", "contracts/limit_exceeded"),
    ("list doubling", "x = [1]\nfor i in range(64):\n    x = x + x", "contracts/limit_exceeded"),
    (
        "f-string doubling",
        "s = 'ab'\nfor i in range(64):\n    s = f'{s}{s}'",
        "contracts/limit_exceeded",
    ),
    ("in-place doubling", "s = 'ab'\nfor i in range(64):\n    s += s", "contracts/limit_exceeded"),
    ("list(range) bomb", "x = list(range(10**9))", "contracts/limit_exceeded"),
    ("sorted bomb", "x = sorted(range(10**9))", "contracts/limit_exceeded"),
    ("extend bomb", "x = []\nx.extend(range(10**9))", "contracts/limit_exceeded"),
    ("join bomb", "x = ''.join('ab' for i in range(10**9))", "contracts/out_of_compute"),
    ("bytes(n) bomb", "x = bytes(10**9)", "contracts/execution_error"),
    ("ljust bomb", "x = 'a'.ljust(10**9)", "contracts/execution_error"),
    ("to_bytes bomb", "x = (1).to_bytes(10**9, 'big')", "contracts/execution_error"),
    ("int from huge digit string", "x = int('9' * 5000)", "contracts/execution_error"),
    ("infinite loop", "while True:\n    pass", "contracts/out_of_compute"),
    ("infinite loop with continue", "while True:\n    continue", "contracts/out_of_compute"),
    ("sum over a huge range", "x = sum(range(10**12))", "contracts/out_of_compute"),
    ("min over a huge range", "x = min(range(10**12))", "contracts/out_of_compute"),
    (
        "any over a huge generator",
        "x = any(i < 0 for i in range(10**12))",
        "contracts/out_of_compute",
    ),
    ("append loop", "x = []\nfor i in range(10**9):\n    x.append(i)", "contracts/out_of_compute"),
    (
        "quadratic membership",
        "x = list(range(90000))\nfor i in range(10**6):\n    y = -1 in x",
        "contracts/out_of_compute",
    ),
    ("deep recursion", "def f(n):\n    return f(n + 1)\nf(0)", "contracts/limit_exceeded"),
    (
        "mutual recursion",
        "def f(n):\n    return g(n)\ndef g(n):\n    return f(n)\nf(0)",
        "contracts/limit_exceeded",
    ),
    # ---- reaching around the guards ----
    ("set arithmetic on dict views", "x = {}.keys() | {}.keys()", "contracts/execution_error"),
    ("dict.fromkeys bomb", "x = {}.fromkeys(range(10**9))", "contracts/execution_error"),
    ("write the call context", "ctx.caller = 'me'", "contracts/execution_error"),
    ("write a storage handle", "m = Map('m')\nm.name = 'other'", "contracts/execution_error"),
    ("read a private slot", "m = Map('m')\nx = m.get.__self__", COMPILE),
    ("exception carries an object out", "raise ContractError(ctx)", "contracts/reverted"),
    (
        "exception carries a storage handle",
        "raise ValueError(Map('m'))",
        "contracts/execution_error",
    ),
    ("store a function", "def f():\n    pass\nValue('v').set(f)", "contracts/bad_value"),
    ("store a huge value", "Value('v').set('a' * 99000)", "contracts/bad_value"),
    (
        "store a deep nest",
        "x = []\nfor i in range(100):\n    x = [x]\nValue('v').set(x)",
        "contracts/bad_value",
    ),
    ("return a generator", "return (i for i in [1])", "contracts/bad_value"),
    ("re-enter itself", "call(ctx.contract, 'run')", "contracts/reentrancy"),
    ("double-star into emit", "emit('E', **{})", COMPILE),
    ("negative exponent float", "x = 2 ** -1", "contracts/execution_error"),
    (
        "str of a repeated long string",
        "s = 'a' * 90000\nx = str([s] * 50000)",
        "contracts/execution_error",
    ),
    (
        "f-string of a repeated long string",
        "s = 'a' * 90000\nx = f'{[s] * 50000}'",
        "contracts/execution_error",
    ),
    (
        "hex doubling",
        "b = b'ab'\nfor i in range(40):\n    b = b.hex().encode()",
        "contracts/limit_exceeded",
    ),
    ("upper growth", "s = 'ß' * 90000\nx = s.upper()", "contracts/limit_exceeded"),
    (
        "balance of a repeated long string",
        "s = 'a' * 90000\nx = balance([s] * 50000)",
        "contracts/bad_value",
    ),
    (
        "ContractError with a huge text",
        "s = 'a' * 90000\nraise ContractError([s] * 50000)",
        "contracts/reverted",
    ),
    (
        "KeyError with a huge key",
        "s = 'a' * 90000\nx = {}[(s,) * 50000]",
        "contracts/out_of_compute",
    ),
    (
        "call a function named by a huge list",
        "s = 'a' * 90000\ncall(ctx.contract, [s] * 50000)",
        "contracts/bad_args",
    ),
    (
        "storage named by a huge list",
        "s = 'a' * 90000\nm = Map([s] * 50000)",
        "contracts/bad_value",
    ),
    ("slice assignment bomb", "x = []\nx[0:0] = range(10**9)", COMPILE),
    (
        "membership in a huge zip",
        "x = (-1, -1) in zip(range(10**12), range(10**12))",
        "contracts/out_of_compute",
    ),
    (
        "membership in a huge enumerate",
        "x = (-1, -1) in enumerate(range(10**12))",
        "contracts/out_of_compute",
    ),
    (
        "membership in dict values, repeated",
        "d = dict(zip(range(90000), range(90000)))\n"
        "for i in range(10**6):\n    y = -1 in d.values()",
        "contracts/out_of_compute",
    ),
    (
        "equality of two wide nests",
        "a = [0] * 90000\nb = [0] * 90000\nx = [a] * 90000 == [b] * 90000",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple lookup",
        "t = (1,) * 1000\nfor i in range(5):\n    t = (t,) * 1000\nd = {}\nx = d[t]",
        "contracts/out_of_compute",
    ),
    (
        "store an exponential nest",
        "t = [1] * 1000\nfor i in range(5):\n    t = [t] * 1000\nValue('v').set(t)",
        "contracts/bad_value",
    ),
    (
        "return an exponential nest",
        "t = [1] * 1000\nfor i in range(5):\n    t = [t] * 1000\nreturn t",
        "contracts/bad_value",
    ),
    (
        "exponential tuple as a dict literal key",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nd = {t: 1}",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple stored as a dict key",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nd = {}\nd[t] = 1",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple deleted as a dict key",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nd = {}\ndel d[t]",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple through dict.get",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nx = {}.get(t)",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple through dict.setdefault",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nx = {}.setdefault(t, 1)",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple in a dict comprehension",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nx = {t: i for i in range(2)}",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple through dict()",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nx = dict([(t, 1)])",
        "contracts/out_of_compute",
    ),
    (
        "exponential tuple searched in a list",
        "t = (1, 2)\nfor i in range(60):\n    t = (t, t)\nx = [(t, 1)].index((t, 2))",
        "contracts/out_of_compute",
    ),
    (
        "sorting deep distinct lists",
        "a = [0] * 90000\nb = [0] * 90000\nx = sorted([a, b] * 45000)",
        "contracts/out_of_compute",
    ),
    ("quadratic sum of lists", "x = sum([[1]] * 90000, [])", "contracts/execution_error"),
    # ---- sources nested past the bound (RecursionError / MemoryError in the compiler) ----
    ("10,000 nested parentheses", "x = " + "(" * 10_000 + "1" + ")" * 10_000, TOO_DEEP),
    ("5,000 nested lists", "x = " + "[" * 5_000 + "]" * 5_000, TOO_DEEP),
    ("nested dicts", "x = " + "{1: " * 3_000 + "2" + "}" * 3_000, TOO_DEEP),
    ("10,000 unary minus", "x = " + "-" * 10_000 + "1", TOO_DEEP),
    ("5,000 not", "x = " + "not " * 5_000 + "1", TOO_DEEP),
    ("8,000 chained attributes", "x = ctx" + ".a" * 8_000, TOO_DEEP),
    ("8,000 chained calls", "x = ctx" + "()" * 8_000, TOO_DEEP),
    ("5,000 chained subscripts", "x = ctx" + "[0]" * 5_000, TOO_DEEP),
    ("5,000 additions", "x = 1" + " + 1" * 5_000, TOO_DEEP),
    ("1,500 conditional expressions", "x = " + "1 if ctx else " * 1_500 + "2", TOO_DEEP),
    ("60 nested if blocks", _nested_ifs(60), TOO_DEEP),
    ("300 elif branches", "if x:\n    pass\n" + "elif x:\n    pass\n" * 300, TOO_DEEP),
    ("nested function calls", "x = " + "len(" * 3_000 + "'a'" + ")" * 3_000, TOO_DEEP),
    ("lambdas with parameters", "x = " + "lambda a, b=1: " * 1_000 + "1", TOO_DEEP),
    ("f-string of 5,000 unary minus", "x = f'{" + "-" * 5_000 + "1}'", TOO_DEEP),
]
