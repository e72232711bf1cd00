"""The guards compiled contract code calls, and the builtins it sees, bound to one `Meter`.

RestrictedPython routes attribute reads, item reads, writes and iteration through `_getattr_`,
`_getitem_`, `_write_` and `_getiter_`; the metering pass adds `_tick_`, `_enter_`/`_leave_`,
`_binop_`, `_cmp_arg_` and `_str_` (see `compiler.py`). What a contract can reach is decided here:

- attributes: only the methods listed in `_METHODS` for `str`, `bytes`, `list` and `dict`, and
  the public members of the contract API objects (`PUBLIC_ATTRIBUTES`); methods whose work grows
  with the object's size pay for it when looked up; `extend`, `update` and `join` consume their
  argument through the meter and check the size of the result first;
- writes: items of lists, dicts and storage maps; no attribute can be written;
- operators: ints and bools, plus `+` and `*` on str, bytes, list and tuple (checked against the
  caps before the result is built); no set or dict-view arithmetic, no `%` formatting;
- builtins: a fixed list (`make_builtins`) in which everything that consumes an iterable does it
  through the meter, and `zip`, `enumerate` and `reversed` yield through it (so `x in
  zip(range(10**12), ...)`, consumed in C, still pays per item); a comparison or `in` on a
  dict view pays its length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from finchain.vm.meter import (
    CALL,
    ELEMENT,
    ITERATION,
    MAX_CALL_DEPTH,
    MAX_INT_BITS,
    MAX_SEQ_LEN,
    MAX_STR_LEN,
    SIZE_DIVISOR,
    LimitExceeded,
    Meter,
    OutOfCompute,
)

_INPLACE = {
    "+=": "Add",
    "-=": "Sub",
    "*=": "Mult",
    "//=": "FloorDiv",
    "%=": "Mod",
    "**=": "Pow",
    "<<=": "LShift",
    ">>=": "RShift",
    "&=": "BitAnd",
    "|=": "BitOr",
    "^=": "BitXor",
}
_INT_OPS: dict[str, Callable[[int, int], int]] = {
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mult": lambda a, b: a * b,
    "FloorDiv": lambda a, b: a // b,
    "Mod": lambda a, b: a % b,
    "Pow": lambda a, b: a**b,
    "LShift": lambda a, b: a << b,
    "RShift": lambda a, b: a >> b,
    "BitAnd": lambda a, b: a & b,
    "BitOr": lambda a, b: a | b,
    "BitXor": lambda a, b: a ^ b,
}
_INTS = (int, bool)
_DICT_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))
_FLAT_TYPES = (int, bool, type(None))  # compared and hashed in constant time
_SEQUENCES = (str, bytes, list, tuple)
# Methods a contract may call, by exact type: "flat" costs one unit, "linear" costs the object's
# size, "deep" its elements through every level (they compare), "sort" that times log n, "keyed"
# pays for hashing its key argument (`key`); "wrapped" ones are replaced by a metered version.
_METHODS: dict[type, dict[str, str]] = {
    str: {
        "lower": "linear",
        "upper": "linear",
        "strip": "linear",
        "lstrip": "linear",
        "rstrip": "linear",
        "startswith": "linear",
        "endswith": "linear",
        "split": "linear",
        "find": "linear",
        "count": "linear",
        "isdigit": "linear",
        "isalpha": "linear",
        "isalnum": "linear",
        "encode": "linear",
        "join": "wrapped",
    },
    bytes: {"hex": "linear", "decode": "linear", "startswith": "linear", "endswith": "linear"},
    list: {
        "append": "flat",
        "pop": "flat",
        "clear": "flat",
        "index": "deep",
        "count": "deep",
        "insert": "linear",
        "remove": "deep",
        "reverse": "linear",
        "copy": "linear",
        "sort": "sort",
        "extend": "wrapped",
    },
    tuple: {"index": "deep", "count": "deep"},
    dict: {
        "get": "keyed",
        "keys": "flat",
        "values": "flat",
        "items": "flat",
        "pop": "keyed",
        "setdefault": "keyed",
        "clear": "flat",
        "copy": "linear",
        "update": "wrapped",
    },
}
PUBLIC_ATTRIBUTES: dict[type, frozenset[str]] = {}  # filled by runtime.py for the API types
WRITABLE_TYPES: dict[type, Callable[[Any], Any]] = {}  # API type -> its item-writer proxy


def size_cost(value: object) -> int:
    """What scanning `value` once costs: its length (by 16 characters for text)."""
    kind = type(value)
    if kind is str or kind is bytes:
        return len(value) // SIZE_DIVISOR  # type: ignore[arg-type]
    if kind is list or kind is tuple or kind is dict or kind in _DICT_VIEWS:
        return len(value)  # type: ignore[arg-type]
    return 0


def _check_int(value: int) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
    return value


def _check_len(length: int, cap: int) -> None:
    if length > cap:
        raise LimitExceeded(f"result of {length} elements exceeds the cap of {cap}")


def _text_result_checked(method: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        result = method(*args, **kwargs)
        if type(result) is str or type(result) is bytes:
            _check_len(len(result), MAX_STR_LEN)
        return result

    return checked


def format_scalar(value: Any) -> Any:
    """What `str()` and f-strings may format: str, int, bool, None (and bytes for `str`). A
    container's text can be far larger than the container (a list of one long string repeated),
    and it would be built before any check, so containers are refused."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    raise TypeError(f"only str, int, bool and None can be formatted, not {kind.__name__}")


class Guards:
    """The guard functions of one call, drawing from `meter`."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter

        def tick(units: int) -> None:
            meter.used += units
            if meter.used > meter.limit:
                raise OutOfCompute(f"out of compute: limit {meter.limit}")

        self.tick = tick

    # ---- control flow ------------------------------------------------------------------

    def enter(self) -> None:
        meter = self.meter
        self.tick(CALL)
        meter.depth += 1
        if meter.depth > MAX_CALL_DEPTH:
            raise LimitExceeded(f"call depth exceeds {MAX_CALL_DEPTH}")

    def leave(self) -> None:
        self.meter.depth -= 1

    # ---- reads, writes, iteration ------------------------------------------------------

    def getattr_(self, obj: Any, name: str) -> Any:
        kind = type(obj)
        methods = _METHODS.get(kind)
        if methods is not None and name in methods:
            cost = methods[name]
            if cost == "wrapped":
                return getattr(self, f"_{kind.__name__}_{name}")(obj)
            self.tick(1)
            if cost == "linear":
                self.tick(size_cost(obj))
                if kind is str or kind is bytes:  # results may grow: hex(), upper("ß")
                    return _text_result_checked(getattr(obj, name))
            elif cost == "deep":
                self.tick(self.deep_cost(obj))
            elif cost == "sort":
                self.tick(self.deep_cost(obj) * max(1, math.ceil(math.log2(len(obj) + 1))))
            elif cost == "keyed":
                method = getattr(obj, name)
                return lambda key, *rest: method(self.key(key), *rest)
            return getattr(obj, name)
        public = PUBLIC_ATTRIBUTES.get(kind)
        if public is not None and name in public:
            self.tick(1)
            return getattr(obj, name)
        raise AttributeError(f"'{kind.__name__}' has no attribute '{name}' available to contracts")

    def getitem_(self, obj: Any, key: Any) -> Any:
        self.tick(1 if type(key) is not tuple else self.deep_cost(key))  # hashing a tuple
        if type(key) is slice:
            result = obj[key]
            self.tick(size_cost(result))
            return result
        return obj[key]

    def write_(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is list or kind is dict:
            return obj
        proxy = WRITABLE_TYPES.get(kind)
        if proxy is not None:
            return proxy(obj)
        raise TypeError(f"'{kind.__name__}' objects cannot be changed by contracts")

    def getiter_(self, obj: Any) -> Iterator[Any]:
        return self.metered(obj, ITERATION)

    def metered(self, iterable: Iterable[Any], cost: int = ELEMENT) -> Iterator[Any]:
        tick = self.tick
        for item in iterable:
            tick(cost)
            yield item

    def keyed_pairs(self, source: Any) -> list[Any]:
        """The (key, value) pairs of a dict or an iterable, materialised, tuple keys paid for."""
        pairs = self.materialise(source.items() if type(source) is dict else source)
        for pair in pairs:
            if type(pair) in (tuple, list) and pair and type(pair[0]) is tuple:
                self.key(pair[0])
        return pairs

    def materialise(self, iterable: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        for item in self.metered(iterable):
            out.append(item)
            if len(out) > MAX_SEQ_LEN:
                raise LimitExceeded(f"more than {MAX_SEQ_LEN} elements")
        return out

    def iter_unpack_sequence(self, it: Any, spec: Any, getiter: Any) -> Any:
        return guarded_iter_unpack_sequence(it, spec, self.getiter_)  # type: ignore[no-untyped-call]

    def unpack_sequence(self, it: Any, spec: Any, getiter: Any) -> Any:
        return guarded_unpack_sequence(it, spec, self.getiter_)  # type: ignore[no-untyped-call]

    # ---- operators ---------------------------------------------------------------------

    def binop(self, op: str, a: Any, b: Any) -> Any:
        ta, tb = type(a), type(b)
        if ta in _INTS and tb in _INTS:
            return self._int_op(op, a, b)
        if op == "Add" and ta is tb and ta in _SEQUENCES:
            cap = MAX_STR_LEN if ta in (str, bytes) else MAX_SEQ_LEN
            _check_len(len(a) + len(b), cap)
            self.tick(1 + size_cost(a) + size_cost(b))
            return a + b
        if op == "Mult" and (
            (ta in _SEQUENCES and tb in _INTS) or (tb in _SEQUENCES and ta in _INTS)
        ):
            seq, times = (a, b) if ta in _SEQUENCES else (b, a)
            cap = MAX_STR_LEN if type(seq) in (str, bytes) else MAX_SEQ_LEN
            _check_len(len(seq) * max(times, 0), cap)
            result = seq * times
            self.tick(1 + size_cost(result))
            return result
        raise TypeError(
            f"operator {op} is not available to contracts for {ta.__name__} and {tb.__name__}"
        )

    def _int_op(self, op: str, a: int, b: int) -> int:
        self.tick(1 + max(a.bit_length(), b.bit_length()) // 256)
        if op == "Pow":
            if b < 0:
                raise ValueError("negative exponents are not allowed (no floats)")
            if abs(a) > 1 and (a.bit_length() - 1) * b + 1 > MAX_INT_BITS:
                raise LimitExceeded(f"power larger than {MAX_INT_BITS} bits")
        elif op == "Mult":
            if a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
                raise LimitExceeded(f"product larger than {MAX_INT_BITS} bits")
        elif op == "LShift" and b > 0 and a.bit_length() + b > MAX_INT_BITS:
            raise LimitExceeded(f"shift larger than {MAX_INT_BITS} bits")
        return _check_int(_INT_OPS[op](a, b))

    def inplacevar(self, op: str, a: Any, b: Any) -> Any:
        return self.binop(_INPLACE[op], a, b)

    def cmp_arg(self, value: Any) -> Any:
        kind = type(value)
        if kind is list or kind is tuple or kind is dict or kind in _DICT_VIEWS:
            self.tick(self.deep_cost(value))
        elif kind is str or kind is bytes:
            self.tick(len(value) // SIZE_DIVISOR)
        return value

    def key(self, value: Any) -> Any:
        """`_key_`: a value about to be hashed as a dict key. A tuple's hash walks every level
        (a tuple of itself, repeated, is exponentially large), so it pays its elements."""
        if type(value) is tuple:
            self.tick(self.deep_cost(value))
        return value

    def deep_cost(self, value: Any) -> int:
        """What comparing or hashing `value` can cost: its elements counted through every
        level, a shared element each time it appears (the work CPython does), text by 16
        characters. Counting stops once it passes the compute left: the charge then fails."""
        left = self.meter.limit - self.meter.used + 1
        total = 0
        stack = [value]
        while stack and total <= left:
            item = stack.pop()
            kind = type(item)
            if kind is str or kind is bytes:
                total += 1 + len(item) // SIZE_DIVISOR
            elif kind is dict:
                total += 1 + len(item)
                stack.extend(k for k in item if type(k) is not int)
                stack.extend(v for v in item.values() if type(v) not in _FLAT_TYPES)
            elif kind is list or kind is tuple or kind in _DICT_VIEWS:
                total += 1 + len(item)
                stack.extend(x for x in item if type(x) not in _FLAT_TYPES)
            else:
                total += 1
        return total

    def str_(self, text: str) -> str:
        _check_len(len(text), MAX_STR_LEN)
        self.tick(size_cost(text))
        return text

    # ---- wrapped methods ---------------------------------------------------------------

    def _list_extend(self, target: list[Any]) -> Callable[[Iterable[Any]], None]:
        def extend(items: Iterable[Any]) -> None:
            values = self.materialise(items)
            _check_len(len(target) + len(values), MAX_SEQ_LEN)
            target.extend(values)

        return extend

    def _dict_update(self, target: dict[Any, Any]) -> Callable[[Any], None]:
        def update(other: Any) -> None:
            pairs = self.keyed_pairs(other)
            _check_len(len(target) + len(pairs), MAX_SEQ_LEN)
            target.update(pairs)

        return update

    def _str_join(self, separator: str) -> Callable[[Iterable[str]], str]:
        def join(items: Iterable[str]) -> str:
            parts = self.materialise(items)
            total = sum(len(p) for p in parts if type(p) is str)
            _check_len(total + len(separator) * max(len(parts) - 1, 0), MAX_STR_LEN)
            result = separator.join(parts)
            self.tick(size_cost(result))
            return result

        return join

    # ---- the globals of a call ---------------------------------------------------------

    def names(self) -> dict[str, Any]:
        """The guard names RestrictedPython's and the metering pass's code refers to."""
        return {
            "_tick_": self.tick,
            "_enter_": self.enter,
            "_leave_": self.leave,
            "_getattr_": self.getattr_,
            "_getitem_": self.getitem_,
            "_write_": self.write_,
            "_getiter_": self.getiter_,
            "_iter_unpack_sequence_": self.iter_unpack_sequence,
            "_unpack_sequence_": self.unpack_sequence,
            "_inplacevar_": self.inplacevar,
            "_binop_": self.binop,
            "_cmp_arg_": self.cmp_arg,
            "_str_": self.str_,
            "_fmt_": format_scalar,
            "_key_": self.key,
        }


def make_builtins(guards: Guards, importer: Callable[..., Any]) -> dict[str, Any]:
    """The builtins of a call: pure functions and types, iterable consumers metered."""
    materialise, metered, tick = guards.materialise, guards.metered, guards.tick

    def sorted_(iterable: Iterable[Any], key: Any = None, reverse: bool = False) -> list[Any]:
        items = materialise(iterable)
        tick(guards.deep_cost(items) * max(1, math.ceil(math.log2(len(items) + 1))))
        return sorted(items, key=key, reverse=reverse)

    def min_(*args: Any, **kwargs: Any) -> Any:
        return min(metered(args[0]) if len(args) == 1 else args, **kwargs)

    def max_(*args: Any, **kwargs: Any) -> Any:
        return max(metered(args[0]) if len(args) == 1 else args, **kwargs)

    def str_(value: Any = "") -> str:
        tick(size_cost(value))
        return guards.str_(str(value if type(value) is bytes else format_scalar(value)))

    def sum_(iterable: Iterable[Any], start: int = 0) -> Any:
        if type(start) is not int:  # sum(lists, []) would concatenate in quadratic time
            raise TypeError("sum() adds integers only")
        return sum(metered(iterable), start)

    def int_(value: Any = 0, base: int = 10) -> int:
        tick(size_cost(value))
        return _check_int(int(value, base) if type(value) is str else int(value))

    def bytes_(value: Any = b"", encoding: str = "utf-8") -> bytes:
        if type(value) is str:
            return value.encode(encoding)
        if type(value) is int:
            raise TypeError("bytes(n) is not available to contracts; use b'\\x00' * n")
        return bytes(materialise(value))

    def range_(*args: int) -> range:
        if not all(type(a) is int for a in args):
            raise TypeError("range() takes integers")
        return range(*args)

    def dict_(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        pairs = guards.keyed_pairs(args[0]) if args else []
        _check_len(len(pairs) + len(kwargs), MAX_SEQ_LEN)
        return dict(pairs, **kwargs)

    return {
        "__import__": importer,
        "None": None,
        "True": True,
        "False": False,
        "abs": abs,
        "all": lambda iterable: all(metered(iterable)),
        "any": lambda iterable: any(metered(iterable)),
        "bool": bool,
        "bytes": bytes_,
        "dict": dict_,
        "divmod": divmod,
        "enumerate": lambda iterable, start=0: metered(enumerate(iterable, start)),
        "hex": hex,
        "int": int_,
        "isinstance": isinstance,
        "len": len,
        "list": lambda iterable=(): materialise(iterable),
        "max": max_,
        "min": min_,
        "range": range_,
        "reversed": lambda sequence: metered(reversed(sequence)),
        "sorted": sorted_,
        "str": str_,
        "sum": sum_,
        "tuple": lambda iterable=(): tuple(materialise(iterable)),
        "zip": lambda *iterables: metered(zip(*iterables, strict=False)),
        "ValueError": ValueError,
        "KeyError": KeyError,
        "TypeError": TypeError,
        "IndexError": IndexError,
    }
