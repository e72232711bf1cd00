"""The contract API's stubs (`src/finchain/contract.pyi`) name exactly the API the checker
allows, the shipped example contracts type-check against them, and a contract misusing the API
does not."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from finchain.vm.checker import API_NAMES

ROOT = Path(__file__).resolve().parents[2]
STUBS = ROOT / "src" / "finchain" / "contract.pyi"
MISUSE = """
from finchain.contract import Map, emit, export, transfer

m = Map("m")


@export
def pay(to: str) -> str:
    transfer(to, "CNY", "10")
    emit(5)
    return len(to)
"""


def mypy(tmp_path: Path, *files: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\ndisallow_untyped_defs = True\n")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_stubs_declare_the_api() -> None:
    tree = ast.parse(STUBS.read_text())
    names = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }
    names |= {
        node.target.id
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert names == set(API_NAMES)


def test_examples_type_check_and_misuse_does_not(tmp_path: Path) -> None:
    examples = sorted(str(p) for p in (ROOT / "examples" / "contracts").glob("*.py"))
    checked = mypy(tmp_path, *examples)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    bad = tmp_path / "bad.py"
    bad.write_text(MISUSE)
    refused = mypy(tmp_path, str(bad))
    assert refused.returncode == 1
    assert refused.stdout.count("error:") == 3, refused.stdout
