"""The real `haven` console script, run as IT staff would run it.

Exit codes: 0 done, 1 a user error (one plain line, no traceback, no personal data),
2 usage. Passphrases only ever come from standard input.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app import __version__, keys
from app.errors import WrongPassphrase
from app.profile import DB_NAME, KEY_NAME, default_profile_dir, unlock
from tests.haven_testkit import CHILD_NAME, PASSPHRASE, REPO_ROOT, TEACHER

HAVEN = Path(sys.executable).with_name("haven")
NEW_PASSPHRASE = "violet tram seven orchards"  # a second one: change, refuse, recover

Snapshot = Callable[[Path], dict[str, tuple[str, int, int]]]


def haven(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert HAVEN.exists(), f"the console script is not installed at {HAVEN}"
    return subprocess.run(
        [str(HAVEN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
    )


def create_args(folder: Path | None, role: str = "practitioner") -> list[str]:
    where = ["--profile-dir", str(folder)] if folder is not None else []
    return [
        "profile", "create", *where, "--name", TEACHER.name, "--role", role,
        "--agency", TEACHER.agency, "--local-authority", TEACHER.local_authority,
        "--passphrase-stdin",
    ]  # fmt: skip


def assert_user_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("haven: "), result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_create_then_create_again_is_refused_with_the_folder_unchanged(
    tmp_path: Path, snapshot: Snapshot
) -> None:
    folder = tmp_path / "p"
    result = haven(*create_args(folder), stdin=f"{PASSPHRASE}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Created profile in {folder}"
    assert (folder / DB_NAME).exists() and (folder / KEY_NAME).exists()
    session = unlock(folder, PASSPHRASE)
    assert session.actor == TEACHER.name
    session.lock()

    before = snapshot(folder)
    again = haven(*create_args(folder), stdin=f"{NEW_PASSPHRASE}\n")
    assert_user_error(again, "already exists")
    assert snapshot(folder) == before


def test_usage_errors_exit_2_and_create_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    result = haven(*create_args(folder, role="boss"), stdin=f"{PASSPHRASE}\n")
    assert result.returncode == 2
    assert "--role" in result.stderr
    assert not folder.exists()


def test_weak_passphrase_is_one_plain_line(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert_user_error(haven(*create_args(folder), stdin="short\n"), "passphrase")
    assert not folder.exists() or list(folder.iterdir()) == []


def test_version() -> None:
    result = haven("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"haven {__version__}"


def test_doctor_reports_the_installation_without_personal_data() -> None:
    folder = default_profile_dir()  # inside tmp_path: XDG_DATA_HOME is the test's
    empty = haven("doctor")
    assert empty.returncode == 0, empty.stderr
    assert f"Profile folder: {folder}" in empty.stdout
    assert "Store: no profile in this folder yet" in empty.stdout

    assert haven(*create_args(None), stdin=f"{PASSPHRASE}\n").returncode == 0
    session = unlock(folder, PASSPHRASE)
    child = session.repo.add_subject(session.actor, CHILD_NAME)
    session.repo.create_draft(session.actor, child.id, "screening", 1, {"q": CHILD_NAME})
    session.lock()

    unchecked = haven("doctor")
    assert unchecked.returncode == 0, unchecked.stderr
    assert "Store: not checked" in unchecked.stdout

    result = haven("doctor", "--passphrase-stdin", stdin=f"{PASSPHRASE}\n")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"Haven {__version__}" in out
    assert f"Profile folder: {folder}" in out
    # Subprocesses get keyring's null backend (conftest), which Haven refuses to use.
    assert "Keychain: none available (the passphrase unlocks Haven)" in out
    assert "SQLCipher: 4." in out
    assert "Store: opens; integrity check passed" in out
    assert "Audit chain: intact" in out
    for secret in (TEACHER.name, CHILD_NAME, PASSPHRASE):
        assert secret not in out + result.stderr


def test_doctor_with_a_wrong_passphrase_says_so_and_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert haven(*create_args(folder), stdin=f"{PASSPHRASE}\n").returncode == 0
    result = haven("doctor", "--profile-dir", str(folder), "--passphrase-stdin", stdin="nope\n")
    assert result.returncode == 1
    assert "Store: does not open" in result.stdout and "passphrase is not right" in result.stdout
    assert "Traceback" not in result.stderr


def test_launching_without_a_display_explains_qt_qpa_platform() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = haven(env=env)
    assert result.returncode != 0
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_change_passphrase_reads_old_and_new_from_stdin(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert haven(*create_args(folder), stdin=f"{PASSPHRASE}\n").returncode == 0
    key = keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), PASSPHRASE)

    wrong = haven(
        "profile", "change-passphrase", "--profile-dir", str(folder), "--passphrase-stdin",
        stdin=f"not it at all\n{NEW_PASSPHRASE}\n",
    )  # fmt: skip
    assert_user_error(wrong, "passphrase is not right")
    missing = haven(
        "profile", "change-passphrase", "--profile-dir", str(folder), "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n",
    )  # fmt: skip
    assert_user_error(missing, "new passphrase")

    result = haven(
        "profile", "change-passphrase", "--profile-dir", str(folder), "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Passphrase changed." in result.stdout
    with pytest.raises(WrongPassphrase):
        unlock(folder, PASSPHRASE)
    session = unlock(folder, NEW_PASSPHRASE)
    session.lock()
    assert keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), NEW_PASSPHRASE) == key


def test_rekey_rotates_the_data_key(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert haven(*create_args(folder), stdin=f"{PASSPHRASE}\n").returncode == 0
    before = keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), PASSPHRASE)
    result = haven(
        "profile", "rekey", "--profile-dir", str(folder), "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    after = keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), PASSPHRASE)
    assert after != before
    session = unlock(folder, PASSPHRASE)
    try:
        assert session.repo.verify_audit().ok
        assert "rekey" in [e.action for e in session.repo.audit_entries()]
    finally:
        session.lock()


def test_keychain_on_without_a_secure_keychain_is_a_plain_error(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert haven(*create_args(folder), stdin=f"{PASSPHRASE}\n").returncode == 0
    result = haven(
        "profile", "keychain", "on", "--profile-dir", str(folder), "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n",
    )  # fmt: skip
    assert_user_error(result, "keychain")
    assert keys.read_key_file(folder / KEY_NAME).wrap_of("keychain") is None
    # Without --passphrase-stdin the keychain is asked, and the answer is plain too.
    assert_user_error(
        haven("profile", "keychain", "off", "--profile-dir", str(folder)), "not turned on"
    )


def test_recover_with_the_organisation_key(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    public_pem = tmp_path / "recovery-public.pem"
    private_pem = tmp_path / "recovery-private.pem"
    public_pem.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    private_pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    folder = tmp_path / "p"
    created = haven(
        *create_args(folder), "--recovery-key", str(public_pem), stdin=f"{PASSPHRASE}\n"
    )
    assert created.returncode == 0, created.stderr
    result = haven(
        "profile", "recover", "--profile-dir", str(folder),
        "--recovery-private-key", str(private_pem), "--passphrase-stdin",
        stdin=f"{NEW_PASSPHRASE}\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "new passphrase is set" in result.stdout
    unlock(folder, NEW_PASSPHRASE).lock()
