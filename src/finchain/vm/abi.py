"""A contract's ABI: its exported functions with parameter and return types, from the source.

Generated from the `@export` functions' signatures and type hints (`int`, `str`, `bytes`, `bool`,
`list`, `dict`); `init`, if defined, is the constructor, run once at deploy and never callable
afterwards. `check_args` refuses a call whose arguments do not match (count or exact type: a
`bool` is not an `int` here).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from finchain.vm.checker import annotation_name, exported_functions

CONSTRUCTOR = "init"
_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "str": (str,),
    "bytes": (bytes,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


class AbiError(Exception):
    """Arguments that do not fit the function's signature."""


@dataclass(frozen=True, slots=True)
class AbiFunction:
    name: str
    params: tuple[tuple[str, str], ...]  # (name, type)
    returns: str  # a type name, or "" when not annotated / None
    doc: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": [{"name": n, "type": t} for n, t in self.params],
            "returns": self.returns or None,
            "doc": self.doc,
        }

    def check_args(self, args: list[Any]) -> None:
        if len(args) != len(self.params):
            raise AbiError(f"{self.name} takes {len(self.params)} arguments, got {len(args)}")
        for (name, kind), value in zip(self.params, args, strict=True):
            if type(value) not in _TYPES[kind]:
                raise AbiError(
                    f"{self.name}: argument {name!r} must be {kind}, got {type(value).__name__}"
                )


@dataclass(frozen=True, slots=True)
class Abi:
    functions: tuple[AbiFunction, ...]
    constructor: AbiFunction | None

    def find(self, name: str) -> AbiFunction | None:
        for function in self.functions:
            if function.name == name:
                return function
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "functions": [f.to_json() for f in self.functions],
            "constructor": self.constructor.to_json() if self.constructor else None,
        }


def extract_abi(tree: ast.Module) -> Abi:
    """The ABI of a checked module (annotations were checked by the checker)."""
    functions = tuple(
        _describe(node) for node in exported_functions(tree) if node.name != CONSTRUCTOR
    )
    constructor = next(
        (
            _describe(node)
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == CONSTRUCTOR
        ),
        None,
    )
    return Abi(functions, constructor)


def _describe(node: ast.FunctionDef) -> AbiFunction:
    args = (*node.args.posonlyargs, *node.args.args)
    params = tuple((a.arg, annotation_name(a.annotation) or "int") for a in args)
    returns = annotation_name(node.returns) if node.returns is not None else ""
    return AbiFunction(node.name, params, returns, ast.get_docstring(node) or "")


def args_from_json(function: AbiFunction | None, values: list[Any]) -> list[Any]:
    """JSON arguments as the ABI wants them: hex strings become `bytes` for bytes parameters."""
    if function is None:
        return list(values)
    out: list[Any] = []
    for index, value in enumerate(values):
        kind = function.params[index][1] if index < len(function.params) else ""
        if kind == "bytes" and isinstance(value, str):
            try:
                value = bytes.fromhex(value.removeprefix("0x"))
            except ValueError:
                raise AbiError(f"{function.name}: argument {index} must be hex bytes") from None
        out.append(value)
    return out
