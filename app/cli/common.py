"""Shared pieces of the command line: options, passphrase input, opening a session."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.errors import HavenError
from app.profile import Session, default_profile_dir, unlock


class UserError(HavenError):
    """A command-line mistake the user can fix (bad file, missing option value)."""


def add_profile_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=None,
        help="profile folder (default: Haven's folder in your user data directory)",
    )


def add_passphrase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the passphrase from the first line of standard input",
    )


def profile_dir(args: argparse.Namespace) -> Path:
    folder = getattr(args, "profile_dir", None)
    return Path(folder) if folder is not None else default_profile_dir()


_stdin_lines: list[str] | None = None


def stdin_line(what: str) -> str:
    """The next line of standard input (passphrases never come from arguments or env)."""
    global _stdin_lines
    if _stdin_lines is None:
        _stdin_lines = sys.stdin.read().splitlines()
    if not _stdin_lines:
        raise UserError(f"Expected the {what} on standard input.")
    return _stdin_lines.pop(0)


def open_session(args: argparse.Namespace) -> Session:
    """Unlock with the passphrase from stdin, or with the keychain when not asked for."""
    if getattr(args, "passphrase_stdin", False):
        return unlock(profile_dir(args), stdin_line("passphrase"))
    return unlock(profile_dir(args), None)


def read_json_file(path: Path, what: str = "answers") -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise UserError(f"Could not read the {what} file {path.name}.") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UserError(
            f"The {what} file {path.name} is not valid JSON (line {getattr(exc, 'lineno', '?')})."
        ) from exc


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))
