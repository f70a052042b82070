"""The desktop's own entry points: `python -m ui`, the `haven-desktop` script and `haven`.

`haven-desktop [--profile-dir DIR] [--smoke-test]` opens the window. The `haven` script is
`haven()` below: with a subcommand (or `--help`, `--version`) it is the command line in
`app.cli`; with nothing but desktop options it opens the window, as users expect. The
choice is made here, over both, so the core never has to reach up into the desktop
(import-linter: `app` never imports `ui`). Qt is imported only once a window is wanted,
so `haven doctor` and the other subcommands start without it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__

DESKTOP_FLAGS = ("--profile-dir", "--smoke-test")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="haven-desktop",
        description="Haven's desktop app. The command line is 'haven --help'.",
    )
    parser.add_argument("--version", action="version", version=f"haven {__version__}")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=None,
        help="open this profile folder (default: Haven's folder in your user data directory)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the main window on a fresh temporary profile, quit once it has painted "
        "(exit 0); checks an installation without touching real data",
    )
    return parser


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """`haven-desktop` and `python -m ui`; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if not has_display():
        print(
            "Haven needs a display to open its window, and none was found. To run it "
            "without a screen (for tests or screenshots) set QT_QPA_PLATFORM=offscreen; "
            "the 'haven' subcommands (see 'haven --help') work without a display.",
            file=sys.stderr,
        )
        return 1
    from ui import start_up

    start_up.begin()  # the order of a fast start: ui/start_up.py says why

    if args.smoke_test:
        from ui.smoke import run_smoke_test

        return run_smoke_test()
    from ui.app import run

    return run(args.profile_dir)


def wants_desktop(argv: Sequence[str]) -> bool:
    """True when the arguments are only desktop options: no subcommand, help or version."""
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--smoke-test" or arg.startswith("--profile-dir="):
            continue
        if arg == "--profile-dir" and rest:
            rest.pop(0)
            continue
        return False
    return True


def haven(argv: Sequence[str] | None = None) -> int:
    """The `haven` script: the desktop with no subcommand, the command line otherwise."""
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_desktop(args):
        return main(args)
    from app.cli import main as command_line

    return command_line(args)


if __name__ == "__main__":
    sys.exit(main())
