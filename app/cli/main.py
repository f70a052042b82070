"""Argument parsing and the one place command-line errors become messages."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.cli import profile_cmds
from app.errors import HavenError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="haven",
        description="Haven: guided, encrypted CSE screening and missing-children records.",
    )
    parser.add_argument("--version", action="version", version=f"haven {__version__}")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=None,
        dest="launch_profile_dir",
        help="open the desktop app with this profile folder",
    )
    sub = parser.add_subparsers(dest="command")
    profile_cmds.register(sub)
    for module_name in (
        "app.cli.record_cmds",
        "app.cli.export_cmds",
        "app.cli.exchange_cmds",
        "app.cli.report_cmds",
        "app.cli.retention_cmds",
        "app.cli.backup_cmds",
    ):
        module = _optional(module_name)
        if module is not None:
            module.register(sub)
    return parser


def _optional(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def launch_ui(profile_dir: Path | None) -> int:
    if not _has_display():
        print(
            "Haven needs a display to open its window, and none was found. To run it "
            "without a screen (for tests or screenshots) set QT_QPA_PLATFORM=offscreen; "
            "the 'haven' subcommands (see 'haven --help') work without a display.",
            file=sys.stderr,
        )
        return 1
    # Imported by name so the core never depends on Qt statically (the import-linter
    # contract); only this launcher reaches into the desktop package.
    ui_app = _optional("ui.app")
    if ui_app is None:
        print("haven: the desktop client is not installed.", file=sys.stderr)
        return 1
    return int(ui_app.run(profile_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return launch_ui(args.launch_profile_dir)
    if getattr(args, "profile_dir", None) is None and args.launch_profile_dir is not None:
        args.profile_dir = args.launch_profile_dir
    try:
        return int(args.func(args))
    except HavenError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
