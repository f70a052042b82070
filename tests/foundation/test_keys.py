"""The data key, its wraps, and every way unlocking can go wrong.

The issue: "Wrong passphrase / wrong key / file from another machine: a specific message,
the database and key file byte-for-byte unchanged (hash and mtime before and after), no
-wal created, and never a new database created over one that exists but cannot be opened"
and "Keychain missing, locked or changed (NoKeyringError, KeyringLocked, InitError): fall
back to the passphrase with a plain message; never crash, never store the key in plain
text anywhere".
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from keyring.backend import KeyringBackend
from keyring.backends import fail as fail_backend
from keyring.backends import null as null_backend
from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError

from app import keychain, keys
from app.domain import ProfileInfo
from app.errors import (
    KeychainUnavailable,
    KeyFileError,
    ProfileError,
    ProfileExists,
    StoreWrongKey,
    WeakPassphrase,
    WrongPassphrase,
)
from app.profile import DB_NAME, KEY_NAME, Session, create_profile, recover, unlock
from app.store import open_database

PASSPHRASE = "copper kettle winter lantern"
NEW_PASSPHRASE = "violet tram seven orchards"
PAGE_SIZE = 4096

Snapshot = Callable[[Path], dict[str, tuple[str, int, int]]]
FileSearch = Callable[[Path, dict[str, bytes]], list[str]]
ProfileFactory = Callable[..., Session]


class ScriptedKeyring(KeyringBackend):
    """An in-memory keychain that can be told to fail the way real ones do."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}
        self.error_on_get: Exception | None = None
        self.error_on_set: Exception | None = None

    def get_password(self, service: str, username: str) -> str | None:
        if self.error_on_get is not None:
            raise self.error_on_get
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.error_on_set is not None:
            raise self.error_on_set
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class OtherMachineKeyring(ScriptedKeyring):
    """A different backend class: what a keychain change looks like to Haven."""


class PlaintextFileKeyring(ScriptedKeyring):
    """Looks like keyrings.alt's file backends, which keep secrets beside the data."""


PlaintextFileKeyring.__module__ = "keyrings.alt.file"


def key_material(secret: bytes) -> dict[str, bytes]:
    return {
        "raw": secret,
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "base64": base64.b64encode(secret),
    }


def data_key(folder: Path, passphrase: str = PASSPHRASE) -> bytes:
    return keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), passphrase)


def assert_unlocks_with(folder: Path, passphrase: str | None) -> None:
    session = unlock(folder, passphrase)
    try:
        assert session.repo.verify_audit().ok
        assert session.db.integrity_problems() == []
    finally:
        session.lock()


@pytest.fixture
def locked_profile(tmp_path: Path, new_profile: ProfileFactory) -> Path:
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE)
    child = session.repo.add_subject(session.actor, "Jordan Example")
    session.repo.create_draft(session.actor, child.id, "screening", 1, {"q": "answer"})
    session.lock()
    return folder


@pytest.fixture(scope="module")
def recovery_keypair() -> tuple[bytes, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


# ---- wrong passphrase, wrong key, another machine's files ---------------------------------


def test_wrong_passphrase_changes_nothing(locked_profile: Path, snapshot: Snapshot) -> None:
    before = snapshot(locked_profile)
    with pytest.raises(WrongPassphrase) as caught:
        unlock(locked_profile, "not the passphrase at all")
    assert "passphrase is not right" in str(caught.value)
    assert "Nothing was changed" in str(caught.value)
    assert snapshot(locked_profile) == before
    assert sorted(before) == [DB_NAME, KEY_NAME, "profile.json"]  # no -wal, no -shm


@pytest.mark.parametrize("swapped", [DB_NAME, KEY_NAME])
def test_file_from_another_profile_is_refused_and_left_unchanged(
    tmp_path: Path,
    locked_profile: Path,
    new_profile: ProfileFactory,
    snapshot: Snapshot,
    profile_info: ProfileInfo,
    swapped: str,
) -> None:
    other = tmp_path / "b"
    new_profile(other, PASSPHRASE).lock()  # same passphrase: only the files differ
    shutil.copy2(other / swapped, locked_profile / swapped)
    before = snapshot(locked_profile)
    other_before = snapshot(other)

    with pytest.raises(StoreWrongKey) as caught:
        unlock(locked_profile, PASSPHRASE)
    assert "another computer or profile" in str(caught.value)
    assert "not changed" in str(caught.value)
    assert snapshot(locked_profile) == before
    assert not (locked_profile / f"{DB_NAME}-wal").exists()
    # ... and never a new database created over the one that does not open.
    with pytest.raises(ProfileExists):
        create_profile(locked_profile, profile_info, PASSPHRASE)
    with pytest.raises(FileExistsError):
        open_database(locked_profile / DB_NAME, keys.new_data_key(), create=True)
    assert snapshot(locked_profile) == before
    assert snapshot(other) == other_before


def test_wrong_raw_key_is_detected_before_any_write(
    locked_profile: Path, snapshot: Snapshot
) -> None:
    before = snapshot(locked_profile)
    wrong = bytes(b ^ 0xFF for b in data_key(locked_profile))
    with pytest.raises(StoreWrongKey):
        open_database(locked_profile / DB_NAME, wrong)
    assert snapshot(locked_profile) == before


def test_missing_key_file_is_an_error_and_nothing_is_created(
    locked_profile: Path, snapshot: Snapshot, profile_info: ProfileInfo
) -> None:
    (locked_profile / KEY_NAME).unlink()
    before = snapshot(locked_profile)
    with pytest.raises(KeyFileError) as caught:
        unlock(locked_profile, PASSPHRASE)
    assert "recovery key" in str(caught.value)
    with pytest.raises(ProfileExists):
        create_profile(locked_profile, profile_info, PASSPHRASE)
    assert snapshot(locked_profile) == before


def test_missing_database_is_an_error_and_none_is_created(
    locked_profile: Path, snapshot: Snapshot, profile_info: ProfileInfo
) -> None:
    (locked_profile / DB_NAME).unlink()
    before = snapshot(locked_profile)
    with pytest.raises(ProfileError) as caught:
        unlock(locked_profile, PASSPHRASE)
    assert "missing" in str(caught.value)
    with pytest.raises(ProfileExists):
        create_profile(locked_profile, profile_info, PASSPHRASE)
    assert snapshot(locked_profile) == before
    assert not (locked_profile / DB_NAME).exists()


def test_damaged_key_file_is_reported_not_guessed(locked_profile: Path, snapshot: Snapshot) -> None:
    key_file = locked_profile / KEY_NAME
    key_file.write_bytes(key_file.read_bytes()[:-40])
    before = snapshot(locked_profile)
    with pytest.raises(KeyFileError):
        unlock(locked_profile, PASSPHRASE)
    assert snapshot(locked_profile) == before


# ---- passphrase changes and strength -----------------------------------------------------


def test_change_passphrase_rewraps_without_reencrypting(locked_profile: Path) -> None:
    key_before = data_key(locked_profile)
    session = unlock(locked_profile, PASSPHRASE)
    try:
        session.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages_before = (locked_profile / DB_NAME).read_bytes()
        session.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        session.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages_after = (locked_profile / DB_NAME).read_bytes()
    finally:
        session.lock()
    # Re-encrypting would give every page a new IV; a rewrap touches only the pages of the
    # one audit entry it writes.
    count = len(pages_before) // PAGE_SIZE
    changed = sum(
        pages_before[i * PAGE_SIZE : (i + 1) * PAGE_SIZE]
        != pages_after[i * PAGE_SIZE : (i + 1) * PAGE_SIZE]
        for i in range(count)
    )
    assert changed <= 4 < count
    assert data_key(locked_profile, NEW_PASSPHRASE) == key_before
    with pytest.raises(WrongPassphrase):
        unlock(locked_profile, PASSPHRASE)
    assert_unlocks_with(locked_profile, NEW_PASSPHRASE)


def test_change_passphrase_needs_the_current_one(locked_profile: Path) -> None:
    session = unlock(locked_profile, PASSPHRASE)
    try:
        key_file = (locked_profile / KEY_NAME).read_bytes()
        with pytest.raises(WrongPassphrase):
            session.change_passphrase("a guessed passphrase", NEW_PASSPHRASE)
        with pytest.raises(WeakPassphrase):
            session.change_passphrase(PASSPHRASE, "short")
        assert (locked_profile / KEY_NAME).read_bytes() == key_file
    finally:
        session.lock()
    assert_unlocks_with(locked_profile, PASSPHRASE)


@pytest.mark.parametrize("weak", ["short", "password123", "aaaaaaaaaaaaaaaa", "abababababab"])
def test_weak_passphrase_is_refused_and_nothing_is_created(
    tmp_path: Path, profile_info: ProfileInfo, weak: str
) -> None:
    folder = tmp_path / "weak"
    with pytest.raises(WeakPassphrase):
        create_profile(folder, profile_info, weak)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_key_file_records_strong_argon2id_and_private_permissions(
    tmp_path: Path, new_profile: ProfileFactory
) -> None:
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE)
    session.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    session.rekey(NEW_PASSPHRASE)
    session.lock()
    body = json.loads((folder / KEY_NAME).read_text())
    wraps = [w for w in body["wraps"] if w["kind"] == "passphrase"]
    assert len(wraps) == 1
    kdf = wraps[0]["kdf"]
    assert kdf["name"] == "argon2id"
    assert kdf["memory_kib"] >= 64 * 1024
    assert kdf["time_cost"] >= 3
    assert len(base64.b64decode(kdf["salt"])) >= 16
    assert stat.S_IMODE((folder / KEY_NAME).stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


# ---- keychain ----------------------------------------------------------------------------


def test_keychain_unlock_and_no_key_material_in_any_file(
    tmp_path: Path, new_profile: ProfileFactory, find_in_files: FileSearch
) -> None:
    backend = ScriptedKeyring()
    keyring.set_keyring(backend)
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE, use_keychain=True)
    assert session.keychain_note == ""
    assert session.uses_keychain()
    session.lock()

    stored = backend.entries[(keychain.SERVICE, keys.read_key_file(folder / KEY_NAME).profile_id)]
    kek = base64.b64decode(stored)
    dek = data_key(folder)
    session = unlock(folder, None)
    try:
        assert session.repo.audit_entries()[-1].detail == "keychain"
        assert [s.name for s in session.repo.list_subjects()] == []
    finally:
        session.lock()
    needles = {f"data key {k}": v for k, v in key_material(dek).items()}
    needles.update({f"KEK {k}": v for k, v in key_material(kek).items()})
    assert find_in_files(tmp_path, needles) == []


@pytest.mark.parametrize(
    "error",
    [
        NoKeyringError("no backend"),
        KeyringLocked("locked"),
        InitError("failed to initialise"),
        KeyringError("other"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_keychain_failure_falls_back_to_the_passphrase(
    tmp_path: Path,
    new_profile: ProfileFactory,
    snapshot: Snapshot,
    find_in_files: FileSearch,
    error: Exception,
) -> None:
    backend = ScriptedKeyring()
    keyring.set_keyring(backend)
    folder = tmp_path / "a"
    new_profile(folder, PASSPHRASE, use_keychain=True).lock()
    before = snapshot(folder)

    backend.error_on_get = error
    with pytest.raises(KeychainUnavailable) as caught:
        unlock(folder, None)
    assert "passphrase" in str(caught.value)
    assert str(error) not in str(caught.value)
    assert snapshot(folder) == before
    assert_unlocks_with(folder, PASSPHRASE)
    assert find_in_files(tmp_path, key_material(data_key(folder))) == []


@pytest.mark.parametrize(
    "error", [NoKeyringError("none"), InitError("broken")], ids=lambda e: type(e).__name__
)
def test_keyring_that_cannot_even_start_falls_back(
    locked_profile: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    session = unlock(locked_profile, PASSPHRASE)
    session.enable_keychain()
    session.lock()

    def broken() -> KeyringBackend:
        raise error

    monkeypatch.setattr(keyring, "get_keyring", broken)
    assert keychain.backend_name() is None
    with pytest.raises(KeychainUnavailable):
        unlock(locked_profile, None)
    assert_unlocks_with(locked_profile, PASSPHRASE)


def test_keychain_that_cannot_store_leaves_the_passphrase_only(
    tmp_path: Path, new_profile: ProfileFactory
) -> None:
    backend = ScriptedKeyring()
    backend.error_on_set = KeyringLocked("locked")
    keyring.set_keyring(backend)
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE, use_keychain=True)
    assert session.keychain_note != ""
    assert not session.uses_keychain()
    session.lock()
    assert backend.entries == {}
    assert_unlocks_with(folder, PASSPHRASE)


def test_changed_keychain_backend_fails_closed_to_the_passphrase(
    tmp_path: Path, new_profile: ProfileFactory
) -> None:
    original = ScriptedKeyring()
    keyring.set_keyring(original)
    folder = tmp_path / "a"
    new_profile(folder, PASSPHRASE, use_keychain=True).lock()
    # The new backend even holds the same secret: the change alone must stop Haven.
    changed = OtherMachineKeyring()
    changed.entries = dict(original.entries)
    keyring.set_keyring(changed)
    with pytest.raises(KeychainUnavailable) as caught:
        unlock(folder, None)
    assert "changed or is missing" in str(caught.value)
    assert_unlocks_with(folder, PASSPHRASE)
    keyring.set_keyring(original)
    assert_unlocks_with(folder, None)


@pytest.mark.parametrize("damage", ["entry removed", "entry replaced"])
def test_keychain_entry_lost_or_replaced_falls_back(
    tmp_path: Path, new_profile: ProfileFactory, damage: str
) -> None:
    backend = ScriptedKeyring()
    keyring.set_keyring(backend)
    folder = tmp_path / "a"
    new_profile(folder, PASSPHRASE, use_keychain=True).lock()
    (entry,) = backend.entries
    if damage == "entry removed":
        del backend.entries[entry]
    else:
        backend.entries[entry] = base64.b64encode(keys.new_data_key()).decode()
    with pytest.raises(KeychainUnavailable):
        unlock(folder, None)
    assert_unlocks_with(folder, PASSPHRASE)


def test_keychain_not_turned_on_asks_for_the_passphrase(locked_profile: Path) -> None:
    with pytest.raises(KeychainUnavailable, match="not turned on"):
        unlock(locked_profile, None)


@pytest.mark.parametrize(
    "make_backend",
    [
        PlaintextFileKeyring,
        fail_backend.Keyring,
        null_backend.Keyring,
    ],
    ids=["keyrings.alt", "fail", "null"],
)
def test_plaintext_and_dummy_backends_are_refused(
    tmp_path: Path, new_profile: ProfileFactory, make_backend: Callable[[], KeyringBackend]
) -> None:
    backend = make_backend()
    keyring.set_keyring(backend)
    assert keychain.backend_name() is None
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE, use_keychain=True)
    assert session.keychain_note != ""
    assert not session.uses_keychain()
    with pytest.raises(KeychainUnavailable):
        session.enable_keychain()
    session.lock()
    if isinstance(backend, ScriptedKeyring):
        assert backend.entries == {}  # nothing was handed to the plaintext store
    assert_unlocks_with(folder, PASSPHRASE)


def test_disable_keychain_removes_the_entry_and_the_wrap(
    tmp_path: Path, new_profile: ProfileFactory
) -> None:
    backend = ScriptedKeyring()
    keyring.set_keyring(backend)
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE, use_keychain=True)
    session.disable_keychain()
    assert backend.entries == {}
    assert not session.uses_keychain()
    session.lock()
    with pytest.raises(KeychainUnavailable):
        unlock(folder, None)


# ---- organisation recovery key -----------------------------------------------------------


def test_recovery_key_opens_and_sets_a_new_passphrase(
    tmp_path: Path, new_profile: ProfileFactory, recovery_keypair: tuple[bytes, bytes]
) -> None:
    private_pem, public_pem = recovery_keypair
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE, recovery_public_key=public_pem)
    session.repo.add_subject(session.actor, "Riley Recovered")
    # A rotation must carry the recovery wrap over to the new data key.
    session.rekey(PASSPHRASE)
    session.lock()

    session = recover(folder, private_pem, NEW_PASSPHRASE)
    try:
        assert [s.name for s in session.repo.list_subjects()] == ["Riley Recovered"]
        assert session.repo.audit_entries()[-1].detail == "recovery"
    finally:
        session.lock()
    with pytest.raises(WrongPassphrase):
        unlock(folder, PASSPHRASE)
    assert_unlocks_with(folder, NEW_PASSPHRASE)


def test_a_different_recovery_key_fails_and_changes_nothing(
    tmp_path: Path,
    new_profile: ProfileFactory,
    recovery_keypair: tuple[bytes, bytes],
    snapshot: Snapshot,
) -> None:
    _private_pem, public_pem = recovery_keypair
    folder = tmp_path / "a"
    new_profile(folder, PASSPHRASE, recovery_public_key=public_pem).lock()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    stranger_pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    before = snapshot(folder)
    with pytest.raises(KeyFileError, match="does not belong"):
        recover(folder, stranger_pem, NEW_PASSPHRASE)
    with pytest.raises(KeyFileError):
        recover(folder, b"not a key", NEW_PASSPHRASE)
    assert snapshot(folder) == before
    assert_unlocks_with(folder, PASSPHRASE)


def test_profile_without_recovery_key_cannot_be_recovered(
    locked_profile: Path, recovery_keypair: tuple[bytes, bytes]
) -> None:
    with pytest.raises(KeyFileError, match="no organisation recovery key"):
        recover(locked_profile, recovery_keypair[0], NEW_PASSPHRASE)


def test_short_rsa_recovery_key_is_refused_before_anything_is_written(
    tmp_path: Path, profile_info: ProfileInfo
) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = weak.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    folder = tmp_path / "a"
    with pytest.raises(KeyFileError, match="3072"):
        create_profile(folder, profile_info, PASSPHRASE, recovery_public_key=public_pem)
    assert not folder.exists() or list(folder.iterdir()) == []
