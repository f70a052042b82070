"""The core never imports Qt (HOUSE_STYLE habit 1), checked two ways: an `ast` walk over
every module in app/ (no tooling needed), and the import-linter contract in pyproject.toml.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "app"
FORBIDDEN = ("PySide6", "shiboken6", "ui")


def imported_modules(source: str, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import statement in a module's source."""
    package = module.rpartition(".")[0] if not module.endswith("__init__") else module
    package = package.removesuffix(".__init__")
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                # Past the top package Python refuses the import; flag it as if absolute.
                target = ".".join(filter(None, [base, node.module]))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def forbidden_imports(source: str, module: str) -> list[str]:
    return [
        f"{module}:{line} imports {name}"
        for line, name in imported_modules(source, module)
        if name.split(".")[0] in FORBIDDEN
    ]


def test_no_module_in_app_imports_qt_or_the_ui() -> None:
    problems: list[str] = []
    files = sorted(APP.rglob("*.py"))
    assert len(files) >= 10  # the walk really found the package
    for path in files:
        module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
        problems += forbidden_imports(path.read_text("utf-8"), module)
    assert problems == []


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from PySide6.QtCore import QObject", "app.service"),
        ("import shiboken6", "app.store.repository"),
        ("import ui.app as desktop", "app.cli.main"),
        ("def f():\n    from ui import widgets\n", "app.export.pdf"),
        ("from ...ui import main_window", "app.store.connection"),
    ],
)
def test_the_walk_catches_every_form_of_import(source: str, module: str) -> None:
    assert forbidden_imports(source, module) != []


def test_relative_imports_inside_app_are_allowed() -> None:
    assert (
        forbidden_imports("from . import repository\nfrom ..keys import KeyFile", "app.store.x")
        == []
    )


def test_import_linter_contract_holds() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed in this environment")
    result = subprocess.run(
        [str(lint_imports)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The core (app) never imports Qt KEPT" in result.stdout
