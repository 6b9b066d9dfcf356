"""The layers import only downward, and never from inside a function to dodge a cycle (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first: a package may import its own layer and the ones before it, never one after it.
LAYERS = ("declarations", "transforms", "warehouse", "expectations", "alerts", "pipeline", "flows", "csc")
# The command line is the top: nothing imports it, so an import inside its commands dodges no cycle. It keeps
# them there so that `csc --help` and argument checks answer before Prefect and Great Expectations load.
LAZY_ALLOWED = {"csc/cli.py"}


def project_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, imported module, inside a function) for every import of a project package in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = child.module or ""
                if child.level:  # relative: resolve against the file's package
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join([*base, module] if module else base)
                found.append((child.lineno, module, in_function))
            visit(child, nested)

    visit(tree, False)
    return [(line, name, inner) for line, name, inner in found if name.split(".")[0] in LAYERS]


def sources() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py"))


def test_every_layer_is_a_package_here():
    assert all((ROOT / layer / "__init__.py").is_file() for layer in LAYERS)


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_only_downward(path: Path):
    layer = LAYERS.index(path.relative_to(ROOT).parts[0])
    upward = [
        f"line {line}: {name}" for line, name, _ in project_imports(path) if LAYERS.index(name.split(".")[0]) > layer
    ]
    assert not upward, f"{path.relative_to(ROOT)} imports a layer above its own: {upward}"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_project_import_inside_a_function(path: Path):
    relative = path.relative_to(ROOT).as_posix()
    inner = [f"line {line}: {name}" for line, name, in_function in project_imports(path) if in_function]
    assert relative in LAZY_ALLOWED or not inner, f"{relative} imports inside a function: {inner}"


def test_the_checks_catch_what_they_look_for(tmp_path: Path):
    """The checks themselves: an upward import and an import inside a function are both seen."""
    sample = ROOT / "transforms" / "_sample_for_test.py"
    sample.write_text("from flows import nightly\n\ndef f():\n    from warehouse import db\n", encoding="utf-8")
    try:
        assert project_imports(sample) == [(1, "flows", False), (4, "warehouse", True)]
    finally:
        sample.unlink()
