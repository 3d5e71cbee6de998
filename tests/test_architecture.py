"""The layout's promises, held by the code itself: imports run one way between the packages, and
no module or function grows past what a newcomer reads in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# What each package of monitor/ may import from the others (see README, "Layout"). A package
# always may import its own modules; `models` and `errors` import nothing of the package; only
# `__main__` imports `cli`; `__init__` is the package root (its version).
MAY_IMPORT: dict[str, set[str]] = {
    "models": set(),
    "errors": set(),
    "config": {"errors"},
    "detect": {"models", "errors", "config"},
    # Feed titles are compared as rules compare phrases: one normaliser for both.
    "ingest": {"models", "errors", "config", "detect.normalisation"},
    "store": {"models", "errors"},
    # The outbox and the digests deliver what the store holds.
    "notify": {"models", "errors", "config", "store"},
    "review": {"models", "errors", "config", "detect", "store"},
    "daemon": {"models", "errors", "config", "detect", "ingest", "store", "notify", "review"},
    "demo": {"models", "errors", "config", "daemon", "store"},
    "cli": {"models", "errors", "config", "detect", "ingest", "store", "notify", "review", "daemon", "demo", "__init__"},
    "__main__": {"cli"},
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
CODE = ("monitor", "bench", "testbed", "scripts")


def modules(*roots: str) -> list[Path]:
    return sorted(path for root in roots for path in (ROOT / root).rglob("*.py"))


def package_of(path: Path) -> str:
    """``monitor/detect/rules/loader.py`` -> ``detect``; ``monitor/models/sources.py`` -> ``models``."""
    parts = path.relative_to(ROOT / "monitor").with_suffix("").parts
    return parts[0]


def imported(path: Path) -> set[str]:
    """The monitor modules a file imports, without the leading ``monitor.``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "monitor":
            names.add(node.module.removeprefix("monitor").lstrip(".") or "__init__")
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("monitor.") for a in node.names if a.name.startswith("monitor."))
    return names


def allowed(package: str, name: str) -> bool:
    if name.split(".")[0] == package:
        return True
    return any(name == rule or name.startswith(rule + ".") for rule in MAY_IMPORT[package])


@pytest.mark.parametrize("path", modules("monitor"), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_one_way(path: Path) -> None:
    """A module imports only from the packages its own package may depend on."""
    package = package_of(path)
    if package == "__init__":  # the package's docstring and version
        assert imported(path) == set()
        return
    wrong = sorted(name for name in imported(path) if not allowed(package, name))
    assert not wrong, f"{package} may not import {wrong}"


@pytest.mark.parametrize("path", modules(*CODE), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    """No module over 400 lines, no function over 60: a longer one is split where it has two jobs."""
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long


@pytest.mark.parametrize("root", ["bench", "testbed", "scripts"])
def test_benchmarks_and_the_testbed_stand_without_the_tests(root: str) -> None:
    """bench/, testbed/ and scripts/ import nothing from tests/: the tests stand on them, not the reverse."""
    importers = []
    for path in modules(root):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names] if isinstance(node, ast.Import) else []
            importers += [f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] == "tests"]
    assert importers == []
