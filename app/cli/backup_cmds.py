"""`haven backup FILE` and `haven restore FILE --profile-dir DIR` (app.backup).

Passphrases come only from standard input, one per line, never from arguments or the
environment (both are visible to other users of the machine):

- backup: with --passphrase-stdin, the profile's passphrase first (without it the keychain
  unlocks the profile); then the backup passphrase;
- restore: the backup passphrase, then the passphrase for the restored profile (it may be
  the same as the backup passphrase).

Exit status 0 when the file or profile was written; 1 with a plain message otherwise, in
which case nothing was written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.backup import restore_backup, write_backup
from app.cli.common import add_passphrase, add_profile_dir, open_session, profile_dir, stdin_line


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser(
        "backup",
        help="write an encrypted backup of a profile "
        "(stdin: profile passphrase with --passphrase-stdin, then the backup passphrase)",
    )
    backup.add_argument("file", type=Path, help="the backup file to write (.havenbackup)")
    add_profile_dir(backup)
    add_passphrase(backup)
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore",
        help="make a new profile from a backup "
        "(stdin: the backup passphrase, then the new profile's passphrase)",
    )
    restore.add_argument("file", type=Path, help="the backup file to restore")
    add_profile_dir(restore)
    restore.add_argument(
        "--passphrase-stdin",
        action="store_true",
        required=True,
        help="read the backup passphrase, then the new profile's passphrase, from stdin",
    )
    restore.set_defaults(func=cmd_restore)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def cmd_backup(args: argparse.Namespace) -> int:
    session = open_session(args)
    try:
        passphrase = stdin_line("backup passphrase")
        summary = write_backup(session, args.file, passphrase)
    finally:
        session.lock()
    print(
        f"Backup written to {summary.path}: {_count(summary.children, 'child', 'children')}, "
        f"{_count(summary.records, 'record', 'records')}. Keep the backup passphrase safe: "
        "without it the backup cannot be opened."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    backup_passphrase = stdin_line("backup passphrase")
    new_passphrase = stdin_line("new profile passphrase")
    restored = restore_backup(args.file, backup_passphrase, profile_dir(args), new_passphrase)
    kind = "training profile" if restored.training else "profile"
    print(
        f"Restored the {kind} into {restored.folder} from a backup made {restored.made_at}: "
        f"{_count(restored.children, 'child', 'children')}, "
        f"{_count(restored.records, 'record', 'records')}. Unlock it with the new passphrase. "
        "Passwords kept in the old computer's keychain (signing certificate, mail server) "
        "are not in backups: if Haven asks for them, enter them again in Settings."
    )
    return 0
