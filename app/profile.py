"""Profiles: creating, unlocking, locking and re-keying one practitioner's encrypted store.

A profile is a folder holding three files:
- `haven.db`   the SQLCipher 4 database (everything about children lives here);
- `haven.key`  the wraps of the data key (app.keys), written atomically;
- `profile.json` non-personal facts needed before unlocking: the profile id, whether it is
  a training profile, the format version.

Never-again rules from Signal Desktop's tracker: a profile that exists is never
overwritten; a database that cannot be opened is never replaced by a new one; a missing or
changed keychain falls back to the passphrase.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from app.domain import LOCAL_AUTHORITIES, ROLES, ProfileInfo
from app.errors import (
    KeychainUnavailable,
    KeyFileError,
    ProfileError,
    ProfileExists,
    ProfileNotFound,
    StoreWrongKey,
)
from app.store.connection import EncryptedDatabase, open_database
from app.store.repository import Repository

if TYPE_CHECKING:
    from app import keys

# The key file and keychain modules (app.keys, app.keychain) are imported by the functions
# that unlock, create or change a profile, not here: the unlock screen paints before it
# reads the key file, and an open session's window needs neither (issue 11: start-up).

DB_NAME = "haven.db"
KEY_NAME = "haven.key"
META_NAME = "profile.json"
PROFILE_FORMAT = 1
RECOVERY_KEY_SETTING = "recovery_public_key"


def default_data_dir() -> Path:
    """The platform's non-roaming user data folder for Haven (platformdirs)."""
    from platformdirs import user_data_path

    return user_data_path("Haven", appauthor=False, roaming=False)


def default_profile_dir() -> Path:
    return default_data_dir() / "profiles" / "default"


def training_profile_dir() -> Path:
    return default_data_dir() / "profiles" / "training"


@dataclass(frozen=True)
class ProfilePaths:
    folder: Path

    @property
    def db(self) -> Path:
        return self.folder / DB_NAME

    @property
    def key(self) -> Path:
        return self.folder / KEY_NAME

    @property
    def meta(self) -> Path:
        return self.folder / META_NAME

    def exists(self) -> bool:
        return self.db.exists() or self.key.exists() or self.meta.exists()


@dataclass(frozen=True)
class ProfileMeta:
    profile_id: str
    training: bool


def read_meta(folder: Path) -> ProfileMeta:
    paths = ProfilePaths(folder)
    if not paths.exists():
        raise ProfileNotFound()
    try:
        body = json.loads(paths.meta.read_text("utf-8"))
        return ProfileMeta(profile_id=str(body["profile_id"]), training=bool(body["training"]))
    except (OSError, ValueError, KeyError, TypeError):
        # profile.json is a convenience; the key file also carries the profile id.
        from app import keys

        keyfile = keys.read_key_file(paths.key)
        return ProfileMeta(profile_id=keyfile.profile_id, training=False)


def validate_info(info: ProfileInfo) -> None:
    if not info.name.strip():
        raise ProfileError("Enter your name.")
    if info.role not in ROLES:
        raise ProfileError(
            "The role must be 'practitioner' or 'dsl' (designated safeguarding lead)."
        )
    if not info.agency.strip():
        raise ProfileError("Enter your agency.")
    if info.local_authority not in LOCAL_AUTHORITIES:
        raise ProfileError(
            "The local authority must be one of: " + ", ".join(LOCAL_AUTHORITIES) + "."
        )


class Session:
    """An unlocked profile: the open database, its repository and who is using it."""

    def __init__(
        self, paths: ProfilePaths, meta: ProfileMeta, db: EncryptedDatabase, data_key: bytes
    ) -> None:
        self.paths = paths
        self.meta = meta
        self.db = db
        self.repo = Repository(db)
        self._data_key = bytearray(data_key)
        self._info = self.repo.profile_info()
        self.keychain_note = ""

    @property
    def info(self) -> ProfileInfo:
        if self._info is None:
            self._info = self.repo.profile_info()
        if self._info is None:
            raise ProfileError("This profile has no user details.")
        return self._info

    @property
    def actor(self) -> str:
        return self.info.name

    @property
    def training(self) -> bool:
        return self.meta.training

    @property
    def is_open(self) -> bool:
        return bool(self._data_key)

    def keyfile(self) -> keys.KeyFile:
        from app import keys

        return keys.read_key_file(self.paths.key)

    def uses_keychain(self) -> bool:
        return self.keyfile().wrap_of("keychain") is not None

    @property
    def damaged(self) -> bool:
        """True once the background integrity check (or any read) found a damaged page:
        every write now raises StoreCorrupt and the file is kept as it is."""
        return self.db.damaged

    def integrity_state(self) -> str:
        """ "pending", "running", "ok", "damaged" or "cancelled" (app.store.IntegrityCheck)."""
        if self.db.damaged:
            return "damaged"
        check = self.db.integrity
        return check.state if check is not None else "pending"

    def lock(self) -> None:
        """Close the database and forget the key (auto-lock, quit)."""
        if not self._data_key:
            return
        try:
            if self.db.integrity is not None:
                self.db.integrity.cancel()
            if not self.db.damaged:
                self.repo.audit(self.actor, "lock")
        finally:
            self.db.close()
            for i in range(len(self._data_key)):
                self._data_key[i] = 0
            self._data_key = bytearray()

    def change_passphrase(self, old: str, new: str) -> None:
        """Rewrap the data key; the database itself is not re-encrypted."""
        from app import keys

        keys.check_passphrase_strength(new)
        keyfile = self.keyfile()
        keys.unwrap_with_passphrase(keyfile, old)
        wrap = keys.passphrase_wrap(bytes(self._data_key), new, keyfile.profile_id)
        keys.write_key_file(self.paths.key, keys.replace_wrap(keyfile, wrap))
        self.repo.audit(self.actor, "passphrase-change")

    def enable_keychain(self) -> str:
        """Turn on "unlock automatically on this computer"; returns the backend's name."""
        from app import keychain, keys

        keyfile = self.keyfile()
        kek = keys.new_data_key()
        backend = keychain.store_kek(keyfile.profile_id, kek)
        wrap = keys.keychain_wrap(bytes(self._data_key), kek, keyfile.profile_id, backend)
        keys.write_key_file(self.paths.key, keys.replace_wrap(keyfile, wrap))
        self.repo.audit(self.actor, "keychain-on")
        return backend

    def disable_keychain(self) -> None:
        from app import keychain, keys

        keyfile = self.keyfile()
        keys.write_key_file(self.paths.key, keys.without_wrap(keyfile, "keychain"))
        keychain.delete_kek(keyfile.profile_id)
        self.repo.audit(self.actor, "keychain-off")

    def set_recovery_key(self, public_key_pem: bytes) -> str:
        """Wrap the data key to IT's offline recovery key; returns its fingerprint."""
        from app import keys

        keyfile = self.keyfile()
        wrap = keys.recovery_wrap(bytes(self._data_key), public_key_pem, keyfile.profile_id)
        keys.write_key_file(self.paths.key, keys.replace_wrap(keyfile, wrap))
        self.repo.set_setting(self.actor, RECOVERY_KEY_SETTING, public_key_pem.decode("ascii"))
        self.repo.audit(self.actor, "recovery-key-set", None, wrap.fingerprint[:16])
        return wrap.fingerprint

    def rekey(self, passphrase: str, *, after_pending: Callable[[], None] | None = None) -> None:
        """Rotate the data key itself (PRAGMA rekey), safe against interruption.

        Order: new wraps written as pending -> rekey (SQLCipher rolls back if cut short) ->
        pending promoted. Unlocking after a crash at any point finds the key that works.
        """
        from app import keys

        keyfile = self.keyfile()
        keys.unwrap_with_passphrase(keyfile, passphrase)
        new_key = keys.new_data_key()
        pending = list(_rewraps(keyfile, new_key, passphrase, self))
        keys.write_key_file(self.paths.key, replace(keyfile, pending=tuple(pending)))
        if after_pending is not None:
            after_pending()
        self.db.rekey(new_key)
        keys.write_key_file(self.paths.key, replace(keyfile, wraps=tuple(pending), pending=()))
        self._data_key = bytearray(new_key)
        self.repo.audit(self.actor, "rekey")


def _rewraps(
    keyfile: keys.KeyFile, new_key: bytes, passphrase: str, session: Session
) -> list[keys.Wrap]:
    from app import keychain, keys

    wraps = [keys.passphrase_wrap(new_key, passphrase, keyfile.profile_id)]
    chain_wrap = keyfile.wrap_of("keychain")
    if chain_wrap is not None:
        try:
            kek = keychain.load_kek(keyfile.profile_id, chain_wrap.backend)
            wraps.append(keys.keychain_wrap(new_key, kek, keyfile.profile_id, chain_wrap.backend))
        except KeychainUnavailable:
            session.keychain_note = (
                "The keychain could not be reached; unlock with your passphrase."
            )
    if keyfile.wrap_of("recovery") is not None:
        pem = session.repo.get_setting(RECOVERY_KEY_SETTING)
        if pem:
            wraps.append(keys.recovery_wrap(new_key, pem.encode("ascii"), keyfile.profile_id))
    return wraps


def create_profile(
    folder: Path,
    info: ProfileInfo,
    passphrase: str,
    *,
    use_keychain: bool = False,
    recovery_public_key: bytes | None = None,
    kdf: keys.KdfParams | None = None,
) -> Session:
    """Create a new encrypted profile; refuses if anything of a profile is already there."""
    from app import keys

    paths = ProfilePaths(folder)
    if paths.exists():
        raise ProfileExists()
    validate_info(info)
    keys.check_passphrase_strength(passphrase)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        folder.chmod(0o700)  # mkdir's mode is filtered by the umask, and skipped if it existed
    import uuid  # here, not with the module: it imports platform (start-up, issue 11)

    profile_id = str(uuid.uuid4())
    data_key = keys.new_data_key()
    keyfile = keys.KeyFile(
        profile_id=profile_id,
        wraps=(keys.passphrase_wrap(data_key, passphrase, profile_id, kdf),),
    )
    if recovery_public_key is not None:
        keyfile = keys.replace_wrap(
            keyfile, keys.recovery_wrap(data_key, recovery_public_key, profile_id)
        )
    created: list[Path] = []
    try:
        keys.write_key_file(paths.key, keyfile)
        created.append(paths.key)
        meta = ProfileMeta(profile_id=profile_id, training=info.training)
        keys.write_file_atomic(
            paths.meta,
            json.dumps(
                {"format": PROFILE_FORMAT, "profile_id": profile_id, "training": info.training},
                indent=2,
            ).encode("utf-8"),
        )
        created.append(paths.meta)
        created.append(paths.db)
        db = open_database(paths.db, data_key, create=True)
    except BaseException:
        for path in created:
            for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                p.unlink(missing_ok=True)
        raise
    session = Session(paths, meta, db, data_key)
    session.repo.save_profile_info(info, created=True)
    session._info = info
    if recovery_public_key is not None:
        session.repo.set_setting(
            info.name, RECOVERY_KEY_SETTING, recovery_public_key.decode("ascii")
        )
    if use_keychain:
        try:
            session.enable_keychain()
        except KeychainUnavailable as exc:
            session.keychain_note = str(exc)
    return session


def unlock(folder: Path, passphrase: str | None = None) -> Session:
    """Open a profile with the passphrase, or with the keychain when passphrase is None.

    A wrong passphrase raises WrongPassphrase before the database is touched; a key that
    does not open the database raises StoreWrongKey with the file unchanged.
    """
    from app import keychain, keys

    paths = ProfilePaths(folder)
    if not paths.exists():
        raise ProfileNotFound()
    if not paths.key.exists():
        raise KeyFileError()
    if not paths.db.exists():
        raise ProfileError(
            "This profile's records file is missing. Nothing was created in its place; "
            "restore it from a backup or ask IT."
        )
    meta = read_meta(folder)
    keyfile = keys.read_key_file(paths.key)

    def current_key(pending: bool) -> bytes | None:
        if passphrase is not None:
            if pending and keyfile.wrap_of("passphrase", pending=True) is None:
                return None
            return keys.unwrap_with_passphrase(keyfile, passphrase, pending=pending)
        wrap = keyfile.wrap_of("keychain", pending=pending)
        if wrap is None:
            if pending:
                return None
            raise KeychainUnavailable("Automatic unlock is not turned on for this profile.")
        kek = keychain.load_kek(keyfile.profile_id, wrap.backend)
        dek = keys.unwrap_with_kek(keyfile, kek, pending=pending)
        if dek is None and not pending:
            raise KeychainUnavailable(
                "This computer's keychain no longer holds the right key, so Haven needs your "
                "passphrase."
            )
        return dek

    data_key = current_key(False)
    assert data_key is not None
    try:
        db = open_database(paths.db, data_key)
        if keyfile.pending:
            # The rotation never reached the database: forget the unused new key.
            keys.write_key_file(paths.key, replace(keyfile, pending=()))
    except StoreWrongKey:
        if not keyfile.pending:
            raise
        new_key = current_key(True)
        if new_key is None:
            raise
        db = open_database(paths.db, new_key)
        # The rotation reached the database but not the key file: finish it.
        keys.write_key_file(paths.key, replace(keyfile, wraps=keyfile.pending, pending=()))
        data_key = new_key
    session = Session(paths, meta, db, data_key)
    session.repo.audit(session.actor, "unlock", None, "keychain" if passphrase is None else "")
    # The whole-file check runs after unlock, off this thread: unlock no longer grows with
    # the file, and a failure still stops every write (EncryptedDatabase.mark_damaged).
    db.check_integrity_in_background(data_key)
    return session


def recover(folder: Path, private_key_pem: bytes, new_passphrase: str) -> Session:
    """IT recovery: open with the organisation key and set a new passphrase."""
    from app import keys

    paths = ProfilePaths(folder)
    keys.check_passphrase_strength(new_passphrase)
    keyfile = keys.read_key_file(paths.key)
    data_key = keys.unwrap_with_recovery_key(keyfile, private_key_pem)
    db = open_database(paths.db, data_key)
    wrap = keys.passphrase_wrap(data_key, new_passphrase, keyfile.profile_id)
    keys.write_key_file(paths.key, keys.replace_wrap(keyfile, wrap))
    session = Session(paths, read_meta(folder), db, data_key)
    session.repo.audit(session.actor, "passphrase-change", None, "recovery")
    db.check_integrity_in_background(data_key)
    return session
