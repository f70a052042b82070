"""`haven profile ...` and `haven doctor`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import __version__, keychain, keys
from app.cli.common import (
    add_passphrase,
    add_profile_dir,
    open_session,
    profile_dir,
    stdin_line,
)
from app.domain import LOCAL_AUTHORITIES, ROLES, ProfileInfo
from app.errors import HavenError
from app.profile import ProfilePaths, create_profile, recover


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profile = sub.add_parser("profile", help="create and manage a profile")
    psub = profile.add_subparsers(dest="profile_command", required=True)

    create = psub.add_parser("create", help="create a new encrypted profile")
    add_profile_dir(create)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--agency", required=True)
    create.add_argument("--local-authority", required=True, choices=LOCAL_AUTHORITIES)
    create.add_argument("--email", default="")
    create.add_argument("--phone", default="")
    create.add_argument("--training", action="store_true", help="a training profile")
    create.add_argument("--keychain", action="store_true", help="also unlock from the OS keychain")
    create.add_argument("--recovery-key", type=Path, help="organisation recovery public key (PEM)")
    create.add_argument("--passphrase-stdin", action="store_true", required=True)
    create.set_defaults(func=cmd_create)

    change = psub.add_parser(
        "change-passphrase", help="new passphrase (stdin: old line, then new line)"
    )
    add_profile_dir(change)
    change.add_argument("--passphrase-stdin", action="store_true", required=True)
    change.set_defaults(func=cmd_change_passphrase)

    rekey = psub.add_parser("rekey", help="rotate the data key (re-encrypts the database)")
    add_profile_dir(rekey)
    rekey.add_argument("--passphrase-stdin", action="store_true", required=True)
    rekey.set_defaults(func=cmd_rekey)

    chain = psub.add_parser("keychain", help="turn automatic unlock on or off")
    add_profile_dir(chain)
    add_passphrase(chain)
    chain.add_argument("state", choices=("on", "off"))
    chain.set_defaults(func=cmd_keychain)

    rec = psub.add_parser("recover", help="IT: set a new passphrase with the recovery key")
    add_profile_dir(rec)
    rec.add_argument("--recovery-private-key", type=Path, required=True)
    rec.add_argument("--passphrase-stdin", action="store_true", required=True)
    rec.set_defaults(func=cmd_recover)

    settings = sub.add_parser("settings", help="profile settings")
    ssub = settings.add_subparsers(dest="settings_command", required=True)
    show = ssub.add_parser("show", help="every setting and its value")
    add_profile_dir(show)
    add_passphrase(show)
    show.set_defaults(func=cmd_settings_show)
    change = ssub.add_parser("set", help="change a setting (e.g. tsa_url, idle_lock_minutes)")
    add_profile_dir(change)
    add_passphrase(change)
    change.add_argument("key")
    change.add_argument("value")
    change.set_defaults(func=cmd_settings_set)

    doctor = sub.add_parser("doctor", help="check this installation and profile")
    add_profile_dir(doctor)
    add_passphrase(doctor)
    doctor.set_defaults(func=cmd_doctor)


def cmd_create(args: argparse.Namespace) -> int:
    info = ProfileInfo(
        name=args.name,
        role=args.role,
        agency=args.agency,
        local_authority=args.local_authority,
        email=args.email,
        phone=args.phone,
        training=args.training,
    )
    recovery = args.recovery_key.read_bytes() if args.recovery_key else None
    session = create_profile(
        profile_dir(args),
        info,
        stdin_line("passphrase"),
        use_keychain=args.keychain,
        recovery_public_key=recovery,
    )
    print(f"Created profile in {session.paths.folder}")
    if session.keychain_note:
        print(session.keychain_note, file=sys.stderr)
    session.lock()
    return 0


def cmd_change_passphrase(args: argparse.Namespace) -> int:
    old = stdin_line("current passphrase")
    new = stdin_line("new passphrase")
    from app.profile import unlock

    session = unlock(profile_dir(args), old)
    try:
        session.change_passphrase(old, new)
    finally:
        session.lock()
    print("Passphrase changed.")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    passphrase = stdin_line("passphrase")
    from app.profile import unlock

    session = unlock(profile_dir(args), passphrase)
    try:
        session.rekey(passphrase)
    finally:
        session.lock()
    print("Data key rotated.")
    return 0


def cmd_keychain(args: argparse.Namespace) -> int:
    session = open_session(args)
    try:
        if args.state == "on":
            backend = session.enable_keychain()
            print(f"Automatic unlock is on ({backend}).")
        else:
            session.disable_keychain()
            print("Automatic unlock is off; Haven will ask for your passphrase.")
    finally:
        session.lock()
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    session = recover(
        profile_dir(args), args.recovery_private_key.read_bytes(), stdin_line("new passphrase")
    )
    session.lock()
    print("Profile recovered; the new passphrase is set.")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Installation facts and the store's health, without any personal data."""
    import sqlcipher3

    folder = profile_dir(args)
    paths = ProfilePaths(folder)
    print(f"Haven {__version__}")
    print(f"Profile folder: {folder}")
    backend = keychain.backend_name()
    print(
        f"Keychain: {backend}"
        if backend
        else "Keychain: none available (the passphrase unlocks Haven)"
    )
    conn = sqlcipher3.connect(":memory:")
    print(f"SQLCipher: {conn.execute('PRAGMA cipher_version').fetchone()[0]}")
    conn.close()
    from app.cli.doctor import print_installation_checks

    if not print_installation_checks():
        return 1
    if not paths.exists():
        print("Store: no profile in this folder yet")
        return 0
    if not args.passphrase_stdin and keys.read_key_file(paths.key).wrap_of("keychain") is None:
        print("Store: not checked (automatic unlock is off; add --passphrase-stdin to check it)")
        print("Audit chain: not checked")
        return 0
    try:
        session = open_session(args)
    except HavenError as exc:
        print(f"Store: does not open — {exc}")
        return 1
    try:
        problems = session.db.integrity_problems()
        print(
            "Store: opens; integrity check passed"
            if not problems
            else f"Store: opens; integrity check found {len(problems)} problem(s)"
        )
        status = session.repo.verify_audit()
        print(
            f"Audit chain: intact ({status.entries} entries)"
            if status.ok
            else f"Audit chain: BROKEN — {status.problem}"
        )
        return 0 if status.ok and not problems else 1
    finally:
        session.lock()


def cmd_settings_show(args: argparse.Namespace) -> int:
    from app.haven_base import TEXT_SETTINGS
    from app.service import Haven

    session = open_session(args)
    try:
        haven = Haven(session)
        for key, value in sorted(haven.settings().items()):
            print(f"{key}\t{value}")
        for key in sorted(TEXT_SETTINGS):
            print(f"{key}\t{haven.text_setting(key) or '(not set)'}")
    finally:
        session.lock()
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    from app.service import Haven

    session = open_session(args)
    try:
        Haven(session).set_setting(args.key, args.value)
        print(f"{args.key} set.")
    finally:
        session.lock()
    return 0
