"""Argument parsing and the one place command-line errors become messages."""

from __future__ import annotations

import argparse
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
        description="Haven: guided, encrypted CSE screening and missing-children records. "
        "With no command, 'haven' opens the desktop app (also 'haven-desktop').",
        epilog="Exit status: 0 done; 1 a user error (one plain line, nothing changed); 2 usage; "
        "3 'record new' or 'record update' saved the draft, but it has problems that stop "
        "'record complete'.",
    )
    parser.add_argument("--version", action="version", version=f"haven {__version__}")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=None,
        dest="launch_profile_dir",
        help="profile folder for the command that follows (and for the desktop app when "
        "'haven' is run with no command)",
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The `haven` script opens the desktop before reaching here (ui.__main__.haven);
        # the core itself never starts the window (app never imports ui).
        print(
            "haven: no command given. 'haven --help' lists the commands; the desktop app "
            "is 'haven-desktop' (or 'haven' with no arguments).",
            file=sys.stderr,
        )
        return 2
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
