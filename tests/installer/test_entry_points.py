"""The desktop has its own entry point; `haven` picks desktop or command line in ui/.

The core (app/) never starts the window: `python -m ui` and `haven-desktop` do, and the
`haven` script routes to them only when it is given no subcommand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.haven_testkit import child_env
from ui.__main__ import wants_desktop

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    ("argv", "desktop"),
    [
        ([], True),
        (["--profile-dir", "/tmp/p"], True),
        (["--profile-dir=/tmp/p", "--smoke-test"], True),
        (["--smoke-test"], True),
        (["--version"], False),
        (["--help"], False),
        (["doctor"], False),
        (["--profile-dir", "/tmp/p", "doctor"], False),
        (["--profile-dir"], False),  # let the command line say what is missing
    ],
)
def test_only_desktop_options_open_the_desktop(argv: list[str], desktop: bool) -> None:
    assert wants_desktop(argv) is desktop


def test_the_core_no_longer_loads_the_desktop() -> None:
    source = (REPO_ROOT / "app" / "cli" / "main.py").read_text("utf-8")
    assert "ui.app" not in source and "launch_ui" not in source


def test_both_scripts_are_installed() -> None:
    for name in ("haven", "haven-desktop"):
        assert (BIN / name).exists(), f"{name} is not installed; pip install -e ."


def test_python_m_ui_smoke_test_opens_the_window_on_a_temporary_profile(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = child_env(home)
    result = subprocess.run(
        [sys.executable, "-m", "ui", "--smoke-test"],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "main window painted on 'offscreen'" in result.stdout
    # A throwaway profile: nothing is left in the user's data folder.
    assert not (home / "data").exists() or not any((home / "data").rglob("haven.db"))


def test_haven_with_no_command_from_the_core_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main([]))"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "haven-desktop" in result.stderr
    assert "PySide6" not in result.stderr
