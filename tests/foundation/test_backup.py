"""Encrypted backup and restore of a profile (issue 12; SPEC.md section 5).

One profile of 1,000 records (50 children, missing episodes, amendments, deleted drafts,
outbox items and settings, made quickly through the Repository) is backed up once per
module; each test restores or attacks a copy of that file. Field-by-field comparison
covers every table in the store, search index included. Failure paths are checked as
carefully as the round trip: wrong passphrase, an existing profile, truncated and flipped
files, a header re-digested by someone who edited it, cancel. The backup's database is
also opened with an independent SQLCipher-4 reader (apsw-sqlite3mc) after following the
documented file layout by hand, so the format is what app/backup.py says it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import apsw
import pytest

from app import keys
from app.backup import (
    MAGIC,
    BackupCancelled,
    BackupDamaged,
    BackupError,
    BackupWrongPassphrase,
    read_backup_info,
    restore_backup,
    write_backup,
)
from app.errors import (
    ProfileError,
    ProfileExists,
    StoreLocked,
    WeakPassphrase,
    WrongPassphrase,
)
from app.profile import ProfilePaths, Session, create_profile, read_meta, recover, unlock
from app.store.connection import EncryptedDatabase
from tests.haven_testkit import FAST_KDF, PASSPHRASE, TEACHER, example, new_session

# Three different passphrases on purpose: the profile's (the testkit's), the backup file's
# and the restored profile's, so a test can tell which one opened what.
BACKUP_PASSPHRASE = "orchard lamplight ferry quartz"
NEW_PASSPHRASE = "granite puffin saddle morning"
CANARY_FIRST = "Quillonwyn"
CANARY_LAST = "Zabarovska-Ó'Threlkeld"
CANARIES = {
    "first name": CANARY_FIRST.encode(),
    "last name": b"Zabarovska",
    "non-ASCII part": "Ó'Threlkeld".encode(),
    "outbox message": b"canary-outbox-message-body",
    "setting": b"canary-setting-value",
}
CHILDREN = 50
RECORDS = 1000
HEADER_START = len(MAGIC) + 4

TableRows = dict[str, list[tuple[Any, ...]]]


def table_rows(db: EncryptedDatabase) -> TableRows:
    """Every row of every table (search index and its shadow tables too), in rowid order
    where there is one: a restore must keep the order ties are broken by."""
    names = [
        str(r[0])
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    out: TableRows = {}
    for name in names:
        try:
            rows = db.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            out[name] = [tuple(r) for r in rows]
        except Exception:  # a WITHOUT ROWID table: compare as a sorted set
            out[name] = sorted((tuple(r) for r in db.execute(f'SELECT * FROM "{name}"')), key=repr)
    return out


def populate(session: Session) -> None:
    """1,000 records across 50 children in one transaction (one commit, about a second)."""
    repo, actor = session.repo, session.actor
    screening = example("screening")
    missing = example("missing-episode")
    with session.db.transaction():
        children = [
            repo.add_subject(
                actor,
                f"{CANARY_FIRST} {CANARY_LAST} {n}",
                f"2011-0{1 + n % 9}-1{n % 10}",
                known_as=f"{CANARY_FIRST[:5]}{n}",
                gender="Female" if n % 2 else "Male",
                local_authority="Sandwell",
            )
            for n in range(CHILDREN)
        ]
        made = 0
        n = 0
        while made < RECORDS:
            child = children[n % CHILDREN]
            n += 1
            if n % 5 == 0:
                record = repo.create_draft(
                    actor, child.id, "missing-episode", 1, {**missing, "child_name": child.name}
                )
                repo.save_draft(
                    actor,
                    record.id,
                    {**missing, "child_name": child.name, "n": n},
                    summary=child.name,
                    episode=(f"2026-10-{1 + n % 28:02d}T21:30", None if n % 3 else "2026-11-01"),
                )
            else:
                record = repo.create_draft(
                    actor,
                    child.id,
                    "screening",
                    1,
                    {**screening, "child_name": child.name, "n": n},
                    problem_count=n % 3,
                    summary=f"{child.name} screening",
                )
            made += 1
            if n % 2 == 0:
                done = repo.complete_record(actor, record.id, {**record.answers, "done": True})
                if n % 10 == 0 and made < RECORDS:
                    repo.amend_record(actor, done.id, "Corrected the date")
                    made += 1
            elif n % 13 == 0:
                repo.delete_draft(actor, record.id)  # leaves rowid gaps behind
                made -= 1
        for k in range(5):
            repo.enqueue(
                actor,
                None,
                f"<m{k}@example.org>",
                "fib@example.org",
                "FIB",
                b"canary-outbox-message-body " + str(k).encode(),
            )
        repo.set_setting(actor, "idle_lock_minutes", "7")
        repo.set_setting(actor, "tsa_url", "canary-setting-value")


@dataclass(frozen=True)
class Made:
    source: Path
    backup: Path
    rows: TableRows
    data_key: bytes


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The populated profile and one backup of it, written once for the module."""
    root = tmp_path_factory.mktemp("backup-source")
    source = root / "profile"
    session = new_session(source, TEACHER)
    try:
        populate(session)
        rows = table_rows(session.db)
        out = root / "out"
        out.mkdir()
        summary = write_backup(
            session, out / "profile.havenbackup", BACKUP_PASSPHRASE, kdf=FAST_KDF
        )
        assert summary.children == CHILDREN
        assert summary.records == len(rows["records"]) >= RECORDS
    finally:
        session.lock()
    data_key = keys.unwrap_with_passphrase(keys.read_key_file(ProfilePaths(source).key), PASSPHRASE)
    return Made(source, summary.path, rows, data_key)


@pytest.fixture
def backup_copy(made: Made, tmp_path: Path) -> Path:
    """A test's own copy of the backup file (tests damage theirs)."""
    copy = tmp_path / "copy.havenbackup"
    shutil.copyfile(made.backup, copy)
    return copy


@pytest.fixture
def opened() -> Iterator[Callable[[Path, str], Session]]:
    sessions: list[Session] = []

    def open_(folder: Path, passphrase: str) -> Session:
        session = unlock(folder, passphrase)
        sessions.append(session)
        return session

    yield open_
    for session in sessions:
        if session.is_open:
            session.lock()


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def restore(path: Path, target: Path, passphrase: str = BACKUP_PASSPHRASE) -> Any:
    return restore_backup(path, passphrase, target, NEW_PASSPHRASE, kdf=FAST_KDF)


# ---- the round trip ----------------------------------------------------------------------


def test_round_trip_of_1000_records_field_by_field(
    made: Made, tmp_path: Path, opened: Callable[[Path, str], Session]
) -> None:
    target = tmp_path / "restored" / "profile"
    result = restore(made.backup, target)
    assert result.folder == target
    assert (result.children, result.records) == (CHILDREN, len(made.rows["records"]))

    session = opened(target, NEW_PASSPHRASE)
    rows = table_rows(session.db)
    assert sorted(rows) == sorted(made.rows)
    assert len(made.rows["records"]) >= RECORDS
    assert len(made.rows["missing_episodes"]) > 100
    assert len(made.rows["outbox"]) == 5
    for table, expected in made.rows.items():
        if table in ("audit", "settings"):
            continue
        assert rows[table] == expected, f"{table} differs after restore"

    # The audit log: every entry of the source, field by field, then the restore and the
    # unlock just made - and the chain still verifies.
    before = made.rows["audit"]
    assert rows["audit"][: len(before)] == before
    assert [r[3] for r in rows["audit"][len(before) :]] == ["restore", "unlock"]
    restore_entry = rows["audit"][len(before)]
    assert result.backup_id in restore_entry[5]
    assert session.repo.verify_audit().ok
    # Settings: all the same except the audit chain's head, which moved on.
    settings = {k: v for k, v in rows["settings"] if k != "audit_head"}
    assert settings == {k: v for k, v in made.rows["settings"] if k != "audit_head"}

    assert session.db.integrity_problems() == []
    assert session.info == TEACHER
    assert session.repo.search(CANARY_FIRST)  # the search index came across and works
    assert read_meta(target).profile_id == result.profile_id != read_meta(made.source).profile_id


def test_restored_profile_is_owner_only_and_opens_only_with_the_new_passphrase(
    made: Made, tmp_path: Path, opened: Callable[[Path, str], Session]
) -> None:
    target = tmp_path / "profile"
    restore(made.backup, target)
    assert target.stat().st_mode & 0o777 == 0o700
    for path in target.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name
    assert sorted(p.name for p in target.iterdir()) == ["haven.db", "haven.key", "profile.json"]
    with pytest.raises(WrongPassphrase):
        unlock(target, BACKUP_PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        unlock(target, PASSPHRASE)
    opened(target, NEW_PASSPHRASE)
    # A new data key: the source's key does not open the restored database.
    new_key = keys.unwrap_with_passphrase(
        keys.read_key_file(ProfilePaths(target).key), NEW_PASSPHRASE
    )
    assert new_key != made.data_key


def test_the_new_passphrase_may_be_the_backup_passphrase(
    made: Made, tmp_path: Path, opened: Callable[[Path, str], Session]
) -> None:
    target = tmp_path / "profile"
    restore_backup(made.backup, BACKUP_PASSPHRASE, target, BACKUP_PASSPHRASE, kdf=FAST_KDF)
    assert opened(target, BACKUP_PASSPHRASE).repo.verify_audit().ok


# ---- the file itself ---------------------------------------------------------------------


def test_backup_file_is_owner_only_and_holds_no_plaintext(made: Made) -> None:
    data = made.backup.read_bytes()
    assert made.backup.stat().st_mode & 0o777 == 0o600
    assert data.startswith(MAGIC)
    assert b"SQLite format 3" not in data
    found = [label for label, needle in CANARIES.items() if needle in data]
    assert found == [], f"plaintext in the backup: {found}"
    for secret in (made.data_key, made.data_key.hex().encode(), BACKUP_PASSPHRASE.encode()):
        assert secret not in data
    # Nothing else was left beside it (the temporary copy and the unfinished file).
    assert listing(made.backup.parent) == [made.backup.name]


def test_header_says_what_it_is_without_personal_data(made: Made) -> None:
    info = read_backup_info(made.backup)
    assert info.training is False
    assert info.source_profile_id == read_meta(made.source).profile_id
    raw = made.backup.read_bytes()
    (length,) = struct.unpack(">I", raw[len(MAGIC) : HEADER_START])
    header = json.loads(raw[HEADER_START : HEADER_START + length])
    assert header["kdf"]["name"] == "argon2id"
    assert TEACHER.name not in json.dumps(header)


def test_database_inside_opens_with_an_independent_sqlcipher_reader(
    made: Made, tmp_path: Path
) -> None:
    """Follow the documented layout by hand: Argon2id -> HKDF -> SQLCipher 4 raw key."""
    from argon2.low_level import Type, hash_secret_raw
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = made.backup.read_bytes()
    (length,) = struct.unpack(">I", raw[len(MAGIC) : HEADER_START])
    header = json.loads(raw[HEADER_START : HEADER_START + length])
    offset = HEADER_START + length + 32
    assert hashlib.sha256(raw[: offset - 32]).digest() == raw[offset - 32 : offset]
    salt = base64.b64decode(header["kdf"]["salt"])
    master = hash_secret_raw(
        BACKUP_PASSPHRASE.encode(),
        salt,
        time_cost=header["kdf"]["time_cost"],
        memory_cost=header["kdf"]["memory_kib"],
        parallelism=header["kdf"]["parallelism"],
        hash_len=32,
        type=Type.ID,
    )

    def sub(label: str) -> bytes:
        info = f"haven-backup:v1:{label}".encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)

    mac = hmac.HMAC(sub("mac"), hashes.SHA256())
    mac.update(raw[:-32])
    mac.verify(raw[-32:])
    database = raw[offset:-32]
    assert len(database) == header["database_bytes"]
    extracted = tmp_path / "inside.db"
    extracted.write_bytes(database)
    conn = apsw.Connection(str(extracted), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        conn.execute("PRAGMA cipher = 'sqlcipher'")
        conn.execute("PRAGMA legacy = 4")
        conn.execute(f"PRAGMA key = \"x'{sub('database').hex()}'\"")
        assert conn.execute("SELECT count(*) FROM subjects").fetchall()[0][0] == CHILDREN
        assert conn.execute("PRAGMA user_version").fetchall()[0][0] == header["schema_version"]
    finally:
        conn.close()


# ---- refusals ----------------------------------------------------------------------------


def test_wrong_passphrase_fails_clearly_and_writes_nothing(made: Made, tmp_path: Path) -> None:
    target = tmp_path / "restored" / "profile"
    before = listing(tmp_path)
    with pytest.raises(BackupWrongPassphrase) as caught:
        restore(made.backup, target, passphrase="not the backup passphrase")
    assert str(caught.value) == "That backup passphrase is not right; nothing was written."
    assert listing(tmp_path) == before
    assert not target.exists()


def test_restore_never_overwrites_an_existing_profile(
    made: Made, tmp_path: Path, snapshot: Callable[[Path], Any]
) -> None:
    target = tmp_path / "profile"
    new_session(target, replace(TEACHER, name="Someone Else")).lock()
    before = snapshot(tmp_path)
    with pytest.raises(ProfileExists):
        restore(made.backup, target)
    assert snapshot(tmp_path) == before
    session = unlock(target, PASSPHRASE)
    try:
        assert session.info.name == "Someone Else"
    finally:
        session.lock()


def test_restore_refuses_a_folder_with_other_files(
    made: Made, tmp_path: Path, snapshot: Callable[[Path], Any]
) -> None:
    target = tmp_path / "documents"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    with pytest.raises(ProfileError, match="not empty"):
        restore(made.backup, target)
    assert snapshot(tmp_path) == before


def test_restore_into_an_empty_existing_folder_works(
    made: Made, tmp_path: Path, opened: Callable[[Path, str], Session]
) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    restore(made.backup, target)
    assert opened(target, NEW_PASSPHRASE).repo.verify_audit().ok


def _header_end(path: Path) -> int:
    raw = path.read_bytes()
    (length,) = struct.unpack(">I", raw[len(MAGIC) : HEADER_START])
    return HEADER_START + length + 32


FLIPS: dict[str, Callable[[int, int], int]] = {
    "magic": lambda size, header_end: 3,
    "header length": lambda size, header_end: len(MAGIC) + 2,
    "header": lambda size, header_end: HEADER_START + 20,
    "header digest": lambda size, header_end: header_end - 5,
    "database page 1": lambda size, header_end: header_end + 100,
    "middle": lambda size, header_end: size // 2,
    "last database byte": lambda size, header_end: size - 33,
    "end (MAC)": lambda size, header_end: size - 1,
}
CUTS: dict[str, Callable[[int, int], int]] = {
    "empty": lambda size, header_end: 0,
    "inside the magic": lambda size, header_end: 10,
    "inside the header": lambda size, header_end: HEADER_START + 30,
    "after the header": lambda size, header_end: header_end,
    "middle": lambda size, header_end: size // 2,
    "one byte short": lambda size, header_end: size - 1,
}


@pytest.mark.parametrize("where", list(FLIPS))
def test_a_flipped_byte_is_refused_before_anything_is_written(
    backup_copy: Path, tmp_path: Path, where: str
) -> None:
    data = bytearray(backup_copy.read_bytes())
    offset = FLIPS[where](len(data), _header_end(backup_copy))
    data[offset] ^= 0x01
    backup_copy.write_bytes(bytes(data))
    before = listing(tmp_path)
    with pytest.raises(BackupDamaged):
        restore(backup_copy, tmp_path / "restored")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("where", list(CUTS))
def test_a_truncated_backup_is_refused_before_anything_is_written(
    backup_copy: Path, tmp_path: Path, where: str
) -> None:
    data = backup_copy.read_bytes()
    backup_copy.write_bytes(data[: CUTS[where](len(data), _header_end(backup_copy))])
    before = listing(tmp_path)
    with pytest.raises(BackupDamaged):
        restore(backup_copy, tmp_path / "restored")
    assert listing(tmp_path) == before


def test_an_edited_header_with_a_fresh_digest_is_still_refused(
    backup_copy: Path, tmp_path: Path
) -> None:
    """Someone who edits the header (say, to make a real profile look like a training one)
    and recomputes its unkeyed digest is stopped by the MAC."""
    raw = backup_copy.read_bytes()
    (length,) = struct.unpack(">I", raw[len(MAGIC) : HEADER_START])
    header = json.loads(raw[HEADER_START : HEADER_START + length])
    header["profile"]["training"] = True
    body = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    prefix = MAGIC + struct.pack(">I", len(body)) + body
    forged = prefix + hashlib.sha256(prefix).digest() + raw[HEADER_START + length + 32 :]
    backup_copy.write_bytes(forged)
    assert read_backup_info(backup_copy).training is True  # structurally fine...
    with pytest.raises(BackupDamaged):
        restore(backup_copy, tmp_path / "restored")  # ...but not authentic
    assert not (tmp_path / "restored").exists()


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "holiday.jpg"
    other.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(4000))
    with pytest.raises(BackupDamaged, match="not a Haven backup"):
        restore(other, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


def test_a_hostile_kdf_cost_is_refused_without_running_it(
    backup_copy: Path, tmp_path: Path
) -> None:
    raw = backup_copy.read_bytes()
    (length,) = struct.unpack(">I", raw[len(MAGIC) : HEADER_START])
    header = json.loads(raw[HEADER_START : HEADER_START + length])
    header["kdf"]["memory_kib"] = 64 * 1024 * 1024  # 64 GiB
    body = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    prefix = MAGIC + struct.pack(">I", len(body)) + body
    backup_copy.write_bytes(
        prefix + hashlib.sha256(prefix).digest() + raw[HEADER_START + length + 32 :]
    )
    with pytest.raises(BackupDamaged):
        restore(backup_copy, tmp_path / "restored")


# ---- writing: rules, audit, cancel ---------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Session]:
    """A small profile of its own (the shared one is only read)."""
    session = new_session(tmp_path / "small", TEACHER)
    session.repo.add_subject(session.actor, f"{CANARY_FIRST} Small", "2012-02-02")
    yield session
    if session.is_open:
        session.lock()


def test_backup_is_audited_on_the_source_without_the_file_name(
    small: Session, tmp_path: Path
) -> None:
    out = tmp_path / f"{CANARY_FIRST}-backup.havenbackup"
    summary = write_backup(small, out, BACKUP_PASSPHRASE, kdf=FAST_KDF)
    entry = small.repo.audit_entries()[-1]
    assert entry.action == "backup"
    assert summary.backup_id in entry.detail
    assert CANARY_FIRST not in entry.detail and "havenbackup" not in entry.detail
    assert small.repo.verify_audit().ok


def test_weak_backup_passphrase_is_refused_and_nothing_written(
    small: Session, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(WeakPassphrase):
        write_backup(small, out / "b.havenbackup", "short", kdf=FAST_KDF)
    assert listing(out) == []


def test_backup_into_the_profile_folder_is_refused(small: Session) -> None:
    with pytest.raises(BackupError, match="outside the profile"):
        write_backup(small, small.paths.folder / "b.havenbackup", BACKUP_PASSPHRASE, kdf=FAST_KDF)
    assert sorted(
        p.name for p in small.paths.folder.iterdir() if not p.name.startswith("haven.db-")
    ) == [
        "haven.db",
        "haven.key",
        "profile.json",
    ]


def test_cancel_during_the_copy_leaves_no_file_and_the_profile_usable(
    small: Session, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "b.havenbackup"
    previous.write_bytes(b"an older backup")
    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return asked > 2  # after the key is derived: inside the copy itself

    with pytest.raises(BackupCancelled):
        write_backup(small, previous, BACKUP_PASSPHRASE, kdf=FAST_KDF, cancelled=cancelled)
    assert asked == 3
    assert listing(out) == ["b.havenbackup"]
    assert previous.read_bytes() == b"an older backup"
    small.repo.add_subject(small.actor, "After Cancel", None)  # writes still work
    assert "backup" not in [e.action for e in small.repo.audit_entries()]


def test_no_file_is_published_when_the_profile_locks_before_the_audit(
    small: Session, tmp_path: Path
) -> None:
    """The file and its audit entry go together: a lock just before the end means no file."""

    def progress(percent: int, _text: str) -> None:
        if percent == 95:
            small.lock()

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(StoreLocked):
        write_backup(
            small, out / "b.havenbackup", BACKUP_PASSPHRASE, kdf=FAST_KDF, progress=progress
        )
    assert listing(out) == []
    with pytest.raises(StoreLocked):
        write_backup(small, out / "b.havenbackup", BACKUP_PASSPHRASE, kdf=FAST_KDF)


def test_progress_is_reported_in_order(small: Session, tmp_path: Path) -> None:
    seen: list[int] = []
    write_backup(
        small,
        tmp_path / "b.havenbackup",
        BACKUP_PASSPHRASE,
        kdf=FAST_KDF,
        progress=lambda percent, _text: seen.append(percent),
    )
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 100


def test_training_flag_and_recovery_key_survive_a_restore(
    tmp_path: Path, opened: Callable[[Path, str], Session]
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    it_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    public = it_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private = it_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # create_profile itself: the testkit's new_session takes no recovery key.
    session = create_profile(
        tmp_path / "training",
        replace(TEACHER, training=True),
        PASSPHRASE,
        recovery_public_key=public,
        kdf=FAST_KDF,
    )
    try:
        backup = write_backup(session, tmp_path / "t.havenbackup", BACKUP_PASSPHRASE, kdf=FAST_KDF)
    finally:
        session.lock()
    assert read_backup_info(backup.path).training is True
    target = tmp_path / "restored"
    result = restore(backup.path, target)
    assert result.training is True and read_meta(target).training is True
    assert opened(target, NEW_PASSPHRASE).training is True
    # IT can still recover the restored profile with the organisation key.
    recovered = recover(target, private, "brand new passphrase words")
    try:
        assert recovered.repo.verify_audit().ok
    finally:
        recovered.lock()


# ---- the command line, in a child process ------------------------------------------------


def haven(*args: str | Path, stdin: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("haven")
    if not executable.exists():
        pytest.skip("the haven console script is not installed in this environment")
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [str(executable), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=env,
        check=False,
    )


def test_cli_backup_and_restore_round_trip(
    small: Session, tmp_path: Path, opened: Callable[[Path, str], Session]
) -> None:
    rows = table_rows(small.db)
    source = small.paths.folder
    small.lock()
    out = tmp_path / "usb" / "haven.havenbackup"
    out.parent.mkdir()

    weak = haven(
        "backup",
        out,
        "--profile-dir",
        source,
        "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\nshort\n",
    )
    assert weak.returncode == 1 and not out.exists()

    done = haven(
        "backup",
        out,
        "--profile-dir",
        source,
        "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n{BACKUP_PASSPHRASE}\n",
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert "1 child" in done.stdout
    assert CANARY_FIRST.encode() not in out.read_bytes()

    target = tmp_path / "elsewhere" / "profile"
    wrong = haven(
        "restore",
        out,
        "--profile-dir",
        target,
        "--passphrase-stdin",
        stdin=f"not the right one at all\n{NEW_PASSPHRASE}\n",
    )
    assert wrong.returncode == 1
    assert "That backup passphrase is not right; nothing was written." in wrong.stderr
    assert not target.parent.exists() or listing(target.parent) == []

    restored = haven(
        "restore",
        out,
        "--profile-dir",
        target,
        "--passphrase-stdin",
        stdin=f"{BACKUP_PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )
    assert restored.returncode == 0, restored.stderr
    assert str(target) in restored.stdout

    again = haven(
        "restore",
        out,
        "--profile-dir",
        target,
        "--passphrase-stdin",
        stdin=f"{BACKUP_PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )
    assert again.returncode == 1 and "already exists" in again.stderr

    session = opened(target, NEW_PASSPHRASE)
    after = table_rows(session.db)
    for table in ("subjects", "records", "missing_episodes", "outbox"):
        assert after[table] == rows[table]
    assert [e.action for e in session.repo.audit_entries()][-2:] == ["restore", "unlock"]
    assert session.repo.verify_audit().ok
