"""Encrypted backup of a profile, and restoring one on another computer (SPEC.md section 5).

A backup is ONE self-describing file that needs nothing but its passphrase to restore:
the profile's key file and the OS keychain are not involved, because the usual reason to
restore is that the computer holding them has gone.

File layout (all integers big-endian):

    magic             16 bytes  b"HAVEN-BACKUP\\r\\n\\x1a\\n" (PNG-style: a text-mode copy
                                or a truncated download is spotted at once)
    header length      4 bytes
    header             UTF-8 JSON: format version, backup id, when it was made, the
                                Argon2id salt and cost, a passphrase verifier, the source
                                profile's id and training flag, schema version, the size
                                of the database that follows
    header digest     32 bytes  SHA-256 of everything above (unkeyed: tells accidental
                                damage to the header apart from a wrong passphrase)
    database           n bytes  a SQLCipher 4 database (raw key), made by
                                `sqlcipher_export` (app.store.backup_store)
    MAC               32 bytes  HMAC-SHA256 over everything above

Keys: Argon2id(passphrase, salt) through app.keys (the same KDF and the same production
cost as the profile passphrase: 64 MiB, 3 passes) gives a master secret; HKDF-SHA256
splits it into three independent subkeys - the database key, the MAC key and the
verifier - so no key is used for two jobs.

Restore checks, in order and before anything is written: the header's structure and
size (a truncated file is refused without asking for Argon2 time), the passphrase (the
verifier: a wrong passphrase says so plainly), then the MAC over the whole file. Only
then is anything created, in a hidden folder beside the target which is renamed into
place at the very end, so a failure at any point leaves nothing behind. The database is
re-encrypted under a NEW random data key wrapped by the passphrase the user chooses for
the restored profile; that passphrase may be the backup passphrase (anyone who knows the
backup passphrase can read the backup anyway, and the new wrap has its own salt), but it
is always asked for separately so nobody reuses one by accident.

The restored profile gets a new profile id: the id names its entries in the OS keychain,
and restoring beside the original (to check a backup) must not overwrite the original's.
An organisation recovery key set on the source is wrapped again for the new data key.
Secrets that the source kept in its computer's keychain (signing and mail passwords) are
not in the backup; the restored profile asks for them again.

One module on purpose, longer than most: the file layout above is a contract between the
code that writes it and the code that reads it back, and keeping both beside the layout
(with the key split they share) is what keeps them in step.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from app import __version__, keys
from app.errors import (  # noqa: F401 - raised here, defined with the others
    BackupCancelled,
    BackupDamaged,
    BackupError,
    BackupWrongPassphrase,
    HavenError,
    ProfileError,
    ProfileExists,
    StoreLocked,
    WrongPassphrase,
)
from app.profile import (
    META_NAME,
    PROFILE_FORMAT,
    RECOVERY_KEY_SETTING,
    ProfilePaths,
    Session,
)
from app.store import backup_store
from app.store.connection import FILE_MODE, FOLDER_MODE, open_database
from app.store.migrations import LATEST_VERSION
from app.store.repository import Repository

MAGIC = b"HAVEN-BACKUP\r\n\x1a\n"
BACKUP_FORMAT = 1
SUFFIX = ".havenbackup"
MAC_BYTES = 32
DIGEST_BYTES = 32
SALT_BYTES = 16
MAX_HEADER_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_LENGTH = struct.Struct(">I")

# Bounds on the Argon2id cost a backup file may ask for: the header is read before the
# file is authenticated, so a hostile file must not be able to demand gigabytes of memory
# or hours of work. The production cost (64 MiB, 3 passes) is well inside them.
_KDF_MEMORY_KIB = (8 * 1024, 1024 * 1024)
_KDF_TIME_COST = (1, 16)
_KDF_PARALLELISM = (1, 16)

Progress = Callable[[int, str], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class BackupInfo:
    """What a backup says about itself before the passphrase is known (no personal data)."""

    backup_id: str
    made_at: str
    haven_version: str
    source_profile_id: str
    training: bool
    schema_version: int
    database_bytes: int


@dataclass(frozen=True)
class BackupSummary:
    """A written backup: where, how big and what it holds (counts only)."""

    path: Path
    backup_id: str
    made_at: str
    size: int
    children: int
    records: int


@dataclass(frozen=True)
class RestoredProfile:
    """A restored profile, ready to unlock with the new passphrase."""

    folder: Path
    profile_id: str
    training: bool
    backup_id: str
    made_at: str
    children: int
    records: int


@dataclass(frozen=True)
class _Keys:
    database: bytes
    mac: bytes
    verifier: bytes


@dataclass(frozen=True)
class _Parsed:
    info: BackupInfo
    header: dict[str, Any]
    kdf: keys.KdfParams
    salt: bytes
    verifier: bytes
    database_offset: int
    total: int


def _derive(passphrase: str, salt: bytes, params: keys.KdfParams) -> _Keys:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    master = keys.derive_passphrase_key(passphrase, salt, params)

    def sub(label: str) -> bytes:
        info = f"haven-backup:v{BACKUP_FORMAT}:{label}".encode("ascii")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)

    return _Keys(database=sub("database"), mac=sub("mac"), verifier=sub("verifier"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise _damaged()
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _damaged() from exc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _reporter(progress: Progress | None, cancelled: Cancelled | None) -> Progress:
    def report(percent: int, text: str) -> None:
        if cancelled is not None and cancelled():
            raise BackupCancelled()
        if progress is not None:
            progress(max(0, min(100, int(percent))), text)

    return report


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable; Windows and some network file systems cannot, which is fine."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _os_message(exc: OSError, what: str) -> str:
    reason = exc.strerror or "unknown error"
    return f"Haven could not {what} ({reason}). Nothing was written."


def _remove(*paths: Path) -> None:
    for path in paths:
        for candidate in (path, path.with_name(path.name + "-journal")):
            with contextlib.suppress(OSError):
                candidate.unlink(missing_ok=True)


# ---- writing ---------------------------------------------------------------------------


def write_backup(
    session: Session,
    path: Path,
    backup_passphrase: str,
    *,
    kdf: keys.KdfParams | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> BackupSummary:
    """Write an encrypted backup of the unlocked profile to `path`, atomically.

    The backup passphrase must meet the same rules as a profile passphrase (app.keys):
    whoever has the file and the passphrase has every record in it. `path` is replaced
    only once the complete file has been written, flushed and read back; the file is
    owner-only (0600). The backup is audited on the source profile in the same transaction
    that renames the file into place (with its id and the counts, never the file name:
    users put children's names in file names). `cancelled` is asked between steps and
    during the copy; once the file is in place the backup counts as done.
    """
    if not session.is_open:
        raise StoreLocked()
    keys.check_passphrase_strength(backup_passphrase)
    report = _reporter(progress, cancelled)
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise BackupError("The folder chosen for the backup does not exist. Nothing was written.")
    if folder.resolve() == session.paths.folder.resolve():
        raise BackupError(
            "Choose a place outside the profile's own folder for the backup. Nothing was written."
        )
    report(0, "Preparing the backup key")
    params = kdf or keys.KdfParams()
    salt = secrets.token_bytes(SALT_BYTES)
    subkeys = _derive(backup_passphrase, salt, params)
    backup_id = str(uuid.uuid4())
    made_at = _now()
    token = secrets.token_hex(6)
    db_temp = folder / f".haven-backup-{token}.db.tmp"
    file_temp = folder / f".haven-backup-{token}.tmp"
    try:
        report(10, "Copying the profile")
        try:
            facts = backup_store.export_profile(
                session.db, db_temp, subkeys.database, cancelled=cancelled
            )
        except backup_store.CopyCancelled as exc:
            raise BackupCancelled() from exc
        except backup_store.CopyFailed as exc:
            raise BackupError(
                "Haven could not copy the profile for the backup (the disk may be full or "
                "not writable). Nothing was written."
            ) from exc
        report(60, "Writing the backup file")
        header = {
            "format": BACKUP_FORMAT,
            "backup_id": backup_id,
            "made_at": made_at,
            "haven_version": __version__,
            "kdf": {
                "name": "argon2id",
                "salt": _b64(salt),
                "memory_kib": params.memory_kib,
                "time_cost": params.time_cost,
                "parallelism": params.parallelism,
            },
            "verifier": _b64(subkeys.verifier),
            "cipher": "sqlcipher4-raw-key",
            "profile": {"profile_id": session.meta.profile_id, "training": session.training},
            "schema_version": facts.schema_version,
            "database_bytes": db_temp.stat().st_size,
        }
        _assemble(file_temp, header, db_temp, subkeys.mac, report)
        report(95, "Checking the backup file")
        _verify_mac(file_temp, subkeys.mac)

        def publish() -> None:
            os.replace(file_temp, path)
            _fsync_folder(folder)

        backup_store.record_backup(
            session.db,
            session.actor,
            f"backup {backup_id}: {facts.children} children, {facts.records} records",
            publish,
        )
        size = path.stat().st_size
    except OSError as exc:
        raise BackupError(_os_message(exc, "write the backup")) from exc
    finally:
        _remove(db_temp, file_temp)
    if progress is not None:  # done: a late Cancel no longer changes what happened
        progress(100, "Backup written")
    return BackupSummary(
        path=path,
        backup_id=backup_id,
        made_at=made_at,
        size=size,
        children=facts.children,
        records=facts.records,
    )


def _assemble(
    target: Path, header: dict[str, Any], database: Path, mac_key: bytes, report: Progress
) -> None:
    body = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    prefix = MAGIC + _LENGTH.pack(len(body)) + body
    prefix += hashlib.sha256(prefix).digest()
    mac = hmac.new(mac_key, digestmod=hashlib.sha256)
    total = int(header["database_bytes"])
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(prefix)
        mac.update(prefix)
        done = 0
        with database.open("rb") as source:
            while chunk := source.read(_CHUNK):
                out.write(chunk)
                mac.update(chunk)
                done += len(chunk)
                report(60 + (35 * done) // max(total, 1), "Writing the backup file")
        if done != total:
            raise BackupError("The profile copy changed while it was written. Nothing was written.")
        out.write(mac.digest())
        out.flush()
        os.fsync(out.fileno())
    with contextlib.suppress(OSError):
        os.chmod(target, FILE_MODE)


# ---- reading -----------------------------------------------------------------------------


def _damaged(detail: str | None = None) -> BackupDamaged:
    return BackupDamaged(detail) if detail else BackupDamaged()


def _bounded(raw: dict[str, Any], name: str, bounds: tuple[int, int]) -> int:
    value = raw.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _damaged()
    if not bounds[0] <= value <= bounds[1]:
        raise _damaged()
    return value


def _parse(handle: IO[bytes], total: int) -> _Parsed:
    """Read and check the header; no passphrase needed, nothing trusted beyond structure."""
    start = handle.read(len(MAGIC) + _LENGTH.size)
    if len(start) < len(MAGIC) or start[: len(MAGIC)] != MAGIC:
        raise _damaged(
            "This file is not a Haven backup (or its start is damaged), so Haven refused it. "
            "Nothing was written."
        )
    if len(start) < len(MAGIC) + _LENGTH.size:
        raise _damaged()
    (length,) = _LENGTH.unpack(start[len(MAGIC) :])
    if not 0 < length <= MAX_HEADER_BYTES:
        raise _damaged()
    body = handle.read(length)
    digest = handle.read(DIGEST_BYTES)
    if len(body) != length or len(digest) != DIGEST_BYTES:
        raise _damaged()
    if not hmac.compare_digest(hashlib.sha256(start + body).digest(), digest):
        raise _damaged()
    try:
        header = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _damaged() from exc
    if not isinstance(header, dict):
        raise _damaged()
    if header.get("format") != BACKUP_FORMAT:
        raise BackupDamaged(
            "This backup was made by a newer version of Haven. Update Haven, then restore "
            "it. Nothing was written."
        )
    raw_kdf = header.get("kdf")
    profile = header.get("profile")
    if not isinstance(raw_kdf, dict) or raw_kdf.get("name") != "argon2id":
        raise _damaged()
    if not isinstance(profile, dict):
        raise _damaged()
    salt = _unb64(raw_kdf.get("salt"))
    verifier = _unb64(header.get("verifier"))
    if len(salt) != SALT_BYTES or len(verifier) != 32:
        raise _damaged()
    kdf = keys.KdfParams(
        memory_kib=_bounded(raw_kdf, "memory_kib", _KDF_MEMORY_KIB),
        time_cost=_bounded(raw_kdf, "time_cost", _KDF_TIME_COST),
        parallelism=_bounded(raw_kdf, "parallelism", _KDF_PARALLELISM),
    )
    database_bytes = header.get("database_bytes")
    schema_version = header.get("schema_version")
    if not isinstance(database_bytes, int) or not isinstance(schema_version, int):
        raise _damaged()
    offset = len(start) + length + DIGEST_BYTES
    if database_bytes <= 0 or offset + database_bytes + MAC_BYTES != total:
        raise _damaged()
    info = BackupInfo(
        backup_id=str(header.get("backup_id", "")),
        made_at=str(header.get("made_at", "")),
        haven_version=str(header.get("haven_version", "")),
        source_profile_id=str(profile.get("profile_id", "")),
        training=profile.get("training") is True,
        schema_version=schema_version,
        database_bytes=database_bytes,
    )
    return _Parsed(info, header, kdf, salt, verifier, offset, total)


def _read_header(path: Path) -> _Parsed:
    try:
        with Path(path).open("rb") as handle:
            return _parse(handle, os.fstat(handle.fileno()).st_size)
    except FileNotFoundError as exc:
        raise ProfileError("That backup file does not exist. Nothing was written.") from exc
    except OSError as exc:
        raise BackupError(_os_message(exc, "read the backup file")) from exc


def read_backup_info(path: Path) -> BackupInfo:
    """What a backup says about itself (when made, training or not), without a passphrase.

    Only the structure is checked here; nothing in it is trusted until `restore_backup`
    has checked the MAC.
    """
    return _read_header(path).info


def _verify_mac(path: Path, mac_key: bytes, copy: tuple[int, Path] | None = None) -> None:
    """Check the MAC over the whole file; with `copy` (offset, destination), also copy the
    database out as it goes.

    Copying while checking (rather than after) means the bytes used are the bytes checked,
    even if someone changes the file in between.
    """
    mac = hmac.new(mac_key, digestmod=hashlib.sha256)
    with path.open("rb") as handle:
        remaining = os.fstat(handle.fileno()).st_size - MAC_BYTES
        if remaining <= 0:
            raise _damaged()
        out: IO[bytes] | None = None
        if copy is not None:
            fd = os.open(copy[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            out = os.fdopen(fd, "wb")
        try:
            position = 0
            while remaining:
                chunk = handle.read(min(_CHUNK, remaining))
                if not chunk:
                    raise _damaged()
                mac.update(chunk)
                if out is not None and copy is not None and position + len(chunk) > copy[0]:
                    out.write(chunk[max(0, copy[0] - position) :])
                position += len(chunk)
                remaining -= len(chunk)
            tag = handle.read(MAC_BYTES)
            if out is not None:
                out.flush()
                os.fsync(out.fileno())
        finally:
            if out is not None:
                out.close()
    if len(tag) != MAC_BYTES or not hmac.compare_digest(mac.digest(), tag):
        raise _damaged()


# ---- restoring ---------------------------------------------------------------------------


def _check_target(folder: Path) -> None:
    if ProfilePaths(folder).exists():
        raise ProfileExists()
    if folder.exists():
        if not folder.is_dir():
            raise ProfileError(
                "That place is a file, not a folder. Choose a new folder for the restored "
                "profile. Nothing was written."
            )
        if any(folder.iterdir()):
            raise ProfileError(
                "That folder is not empty. Choose a new, empty folder for the restored "
                "profile. Nothing was written."
            )


def restore_backup(
    path: Path,
    backup_passphrase: str,
    profile_dir: Path,
    new_passphrase: str,
    *,
    kdf: keys.KdfParams | None = None,
    progress: Progress | None = None,
) -> RestoredProfile:
    """Make a new profile in `profile_dir` from a backup; never touches an existing one.

    `new_passphrase` unlocks the restored profile (it may equal the backup passphrase);
    `kdf` is its Argon2id cost (production default when None). Raises
    BackupWrongPassphrase, BackupDamaged, ProfileExists or WeakPassphrase with nothing
    written.
    """
    report = _reporter(progress, None)
    keys.check_passphrase_strength(new_passphrase)
    target = Path(profile_dir)
    _check_target(target)
    report(0, "Reading the backup")
    parsed = _read_header(path)
    if parsed.info.schema_version > LATEST_VERSION:
        raise BackupDamaged(
            "This backup was made by a newer version of Haven. Update Haven, then restore it. "
            "Nothing was written."
        )
    report(5, "Checking the backup passphrase")
    subkeys = _derive(backup_passphrase, parsed.salt, parsed.kdf)
    if not hmac.compare_digest(subkeys.verifier, parsed.verifier):
        raise BackupWrongPassphrase()
    report(15, "Checking the backup is complete and unchanged")
    try:
        _verify_mac(Path(path), subkeys.mac)
    except OSError as exc:
        raise BackupError(_os_message(exc, "read the backup file")) from exc

    report(30, "Restoring the records")
    staging = _staging_folder(target)
    try:
        restored = _build_profile(staging, Path(path), parsed, subkeys, new_passphrase, kdf, report)
        report(95, "Putting the profile in place")
        _check_target(target)
        if target.exists():
            target.rmdir()  # empty (just checked); a rename cannot replace a folder on Windows
        os.rename(staging, target)
        _fsync_folder(target.parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(_os_message(exc, "restore the profile")) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report(100, "Profile restored")
    return RestoredProfile(
        folder=target,
        profile_id=restored.profile_id,
        training=restored.training,
        backup_id=parsed.info.backup_id,
        made_at=parsed.info.made_at,
        children=restored.children,
        records=restored.records,
    )


def _staging_folder(target: Path) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        staging = parent / f".{target.name}.restoring-{secrets.token_hex(6)}"
        staging.mkdir(mode=FOLDER_MODE)
        with contextlib.suppress(OSError):
            staging.chmod(FOLDER_MODE)  # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise BackupError(_os_message(exc, "create the profile folder")) from exc
    return staging


@dataclass(frozen=True)
class _Built:
    profile_id: str
    training: bool
    children: int
    records: int


def _build_profile(
    staging: Path,
    backup: Path,
    parsed: _Parsed,
    subkeys: _Keys,
    new_passphrase: str,
    kdf: keys.KdfParams | None,
    report: Progress,
) -> _Built:
    """Everything of the new profile, inside the staging folder."""
    paths = ProfilePaths(staging)
    incoming = staging / ".incoming.db"
    # Second pass: the bytes decrypted are the bytes whose MAC is checked here.
    _verify_mac(backup, subkeys.mac, (parsed.database_offset, incoming))
    report(45, "Re-encrypting under a new key")
    data_key = keys.new_data_key()
    facts = backup_store.copy_to_new_key(incoming, subkeys.database, paths.db, data_key)
    _remove(incoming)
    report(70, "Writing the new profile's key")
    profile_id = str(uuid.uuid4())
    training = parsed.info.training
    db = open_database(paths.db, data_key)
    try:
        repo = Repository(db)
        info = repo.profile_info()
        if info is None:
            raise BackupDamaged(
                "This backup holds no profile details, so it cannot be restored. Nothing was "
                "written."
            )
        keyfile = keys.KeyFile(
            profile_id=profile_id,
            wraps=(keys.passphrase_wrap(data_key, new_passphrase, profile_id, kdf),),
        )
        recovery_pem = repo.get_setting(RECOVERY_KEY_SETTING)
        if recovery_pem:
            keyfile = keys.replace_wrap(
                keyfile, keys.recovery_wrap(data_key, recovery_pem.encode("ascii"), profile_id)
            )
        keys.write_key_file(paths.key, keyfile)
        keys.write_file_atomic(
            staging / META_NAME,
            json.dumps(
                {"format": PROFILE_FORMAT, "profile_id": profile_id, "training": training},
                indent=2,
            ).encode("utf-8"),
        )
        repo.audit(
            info.name,
            "restore",
            None,
            f"from backup {parsed.info.backup_id} of profile {parsed.info.source_profile_id}"
            f" made {parsed.info.made_at}",
        )
    finally:
        db.close()
    _fsync_folder(staging)
    return _Built(profile_id, training, facts.children, facts.records)
