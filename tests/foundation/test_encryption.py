"""The store is encrypted at rest, checked by readers that are not Haven's own.

The issue: "the stdlib sqlite3 cannot read it; an independent implementation of the
SQLCipher 4 format opens it with the right raw key and fails with a wrong one; a known
canary answer string appears zero times in the database, its -wal, temp files and logs;
one flipped byte in a page is reported by PRAGMA cipher_integrity_check and Haven refuses
to write to that file (it tells the user and keeps the file for recovery)".

The independent reader is apsw-sqlite3mc (SQLite3 Multiple Ciphers in SQLCipher-4 mode).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import apsw
import pytest
import sqlcipher3

from app import keys
from app.domain import ProfileInfo
from app.errors import ProfileExists, StoreCorrupt, StoreWrongKey, WrongPassphrase
from app.profile import DB_NAME, KEY_NAME, Session, create_profile, unlock
from app.store import open_database
from app.store.migrations import LATEST_VERSION

REPO_ROOT = Path(__file__).resolve().parents[2]
CANARY_CHILD = Path(__file__).with_name("helpers") / "canary_child.py"
CANARY = "Marigoldqz7Canary"
PASSPHRASE = "amber harbour seventeen kites"
PAGE_SIZE = 4096  # SQLCipher 4's default page size
SQLITE_MAGIC = b"SQLite format 3\x00"

FileSearch = Callable[[Path, dict[str, bytes]], list[str]]


def canary_needles(canary: str = CANARY) -> dict[str, bytes]:
    # FTS5 keeps its terms lower-cased; JSON answers keep the text as typed.
    return {
        "canary": canary.encode(),
        "canary (lower case)": canary.lower().encode(),
        "canary (UTF-16)": canary.encode("utf-16-le"),
    }


def key_needles(key: bytes) -> dict[str, bytes]:
    return {"raw key": key, "key hex": key.hex().encode(), "KEY HEX": key.hex().upper().encode()}


def data_key(folder: Path, passphrase: str = PASSPHRASE) -> bytes:
    return keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), passphrase)


def apsw_open(path: Path, key: bytes) -> apsw.Connection:
    """Open with the independent SQLCipher-4 implementation, read-only, with a raw key."""
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    conn.execute("PRAGMA cipher = 'sqlcipher'")
    conn.execute("PRAGMA legacy = 4")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def fill_with_canary(session: Session, canary: str = CANARY) -> str:
    repo, actor = session.repo, session.actor
    child = repo.add_subject(actor, f"{canary} Child", known_as=canary)
    record = repo.create_draft(
        actor, child.id, "screening", 1, {"notes": canary}, summary=f"{canary} summary"
    )
    repo.save_draft(actor, record.id, {"notes": f"{canary} saved"}, summary=canary)
    for n in range(40):  # enough pages that a flipped byte can miss page 1
        repo.create_draft(actor, child.id, "screening", 1, {"n": n, "pad": "x" * 3000})
    return record.id


@pytest.fixture(scope="module")
def stored_profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A locked profile holding the canary as a child's name, an answer and search text."""
    folder = tmp_path_factory.mktemp("stored") / "profile"
    info = ProfileInfo("Casey Reader", "practitioner", "Agency", "Coventry")
    session = create_profile(folder, info, PASSPHRASE)
    fill_with_canary(session)
    session.lock()
    return folder, data_key(folder)


def test_canary_never_reaches_the_database_wal_temp_files_or_logs(
    tmp_path: Path, find_in_files: FileSearch
) -> None:
    folder = tmp_path / "profile"
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    log_file = tmp_path / "haven.log"
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        TMPDIR=str(temp_dir),
        SQLITE_TMPDIR=str(temp_dir),
    )
    proc = subprocess.Popen(
        [sys.executable, str(CANARY_CHILD), str(folder), CANARY, str(log_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    watchdog = threading.Timer(120, proc.kill)  # a hung child fails the test, not the run
    watchdog.start()
    try:
        proc.stdin.write(f"{PASSPHRASE}\n".encode())
        proc.stdin.flush()
        assert proc.stdout.readline() == b"saved\n"
        # While the profile is open: the newest pages live in the -wal.
        assert (folder / f"{DB_NAME}-wal").stat().st_size > 0
        assert find_in_files(tmp_path, canary_needles()) == []
        proc.stdin.write(b"lock\n")
        proc.stdin.close()
        proc.stdin = None
        out, err = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert out == b"locked\n"
    assert CANARY.encode() not in err and CANARY.lower().encode() not in err.lower()
    assert log_file.exists()
    assert find_in_files(tmp_path, canary_needles()) == []
    assert find_in_files(tmp_path, key_needles(data_key(folder))) == []

    # Control: the canary really is stored (so the searches above could have found it) and
    # the same search finds it at once in a plaintext export of the same database.
    session = unlock(folder, PASSPHRASE)
    try:
        names = [s.name for s in session.repo.list_subjects()]
        assert names == [f"{CANARY} Child"]
        assert session.repo.search(CANARY)
        plain = tmp_path / "control" / "plain.db"
        plain.parent.mkdir()
        session.db.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(plain),))
        session.db.execute("SELECT sqlcipher_export('plaintext')")
        session.db.execute("DETACH DATABASE plaintext")
    finally:
        session.lock()
    found = find_in_files(plain.parent, canary_needles())
    assert "plain.db: canary" in found and "plain.db: canary (lower case)" in found


def test_stdlib_sqlite3_cannot_read_the_store(stored_profile: tuple[Path, bytes]) -> None:
    folder, _key = stored_profile
    db = folder / DB_NAME
    assert not db.read_bytes().startswith(SQLITE_MAGIC)
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            conn.execute("SELECT name FROM sqlite_master").fetchall()
    finally:
        conn.close()


def test_independent_sqlcipher4_reader_opens_with_the_right_key_only(
    stored_profile: tuple[Path, bytes],
) -> None:
    folder, key = stored_profile
    conn = apsw_open(folder / DB_NAME, key)
    try:
        assert conn.execute("PRAGMA user_version").fetchall() == [(LATEST_VERSION,)]
        names = [r[0] for r in conn.execute("SELECT name FROM subjects")]
        assert names == [f"{CANARY} Child"]
        notes = [r[0] for r in conn.execute("SELECT answers FROM records")]
        assert any(f"{CANARY} saved" in n for n in notes)
        (hits,) = conn.execute(
            "SELECT count(*) FROM search_index WHERE search_index MATCH ?", (f'"{CANARY}"',)
        ).fetchall()
        assert isinstance(hits[0], int) and hits[0] >= 2  # the child and the record
    finally:
        conn.close()

    wrong = bytes(b ^ 0x01 for b in key)
    conn = apsw_open(folder / DB_NAME, wrong)
    try:
        with pytest.raises(apsw.NotADBError):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        conn.close()


def test_vacuum_into_copy_stays_encrypted(
    stored_profile: tuple[Path, bytes], tmp_path: Path, find_in_files: FileSearch
) -> None:
    folder, key = stored_profile
    backup = tmp_path / "backup" / "copy.db"
    backup.parent.mkdir()
    session = unlock(folder, PASSPHRASE)
    try:
        session.db.execute("VACUUM INTO ?", (str(backup),))
    finally:
        session.lock()
    assert find_in_files(backup.parent, canary_needles()) == []
    assert not backup.read_bytes().startswith(SQLITE_MAGIC)
    conn = apsw_open(backup, key)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM subjects")]
    finally:
        conn.close()
    assert names == [f"{CANARY} Child"]


@pytest.mark.parametrize("where", ["middle page", "last page"])
def test_flipped_byte_is_reported_and_haven_refuses_to_write(
    tmp_path: Path,
    new_profile: Callable[..., Session],
    snapshot: Callable[[Path], dict[str, tuple[str, int, int]]],
    profile_info: ProfileInfo,
    where: str,
) -> None:
    folder = tmp_path / "profile"
    session = new_profile(folder, PASSPHRASE)
    fill_with_canary(session)
    session.lock()
    key = data_key(folder)
    db = folder / DB_NAME
    pages = db.stat().st_size // PAGE_SIZE
    assert pages > 4
    page = pages // 2 + 1 if where == "middle page" else pages
    with db.open("r+b") as fh:
        fh.seek((page - 1) * PAGE_SIZE + 1000)
        byte = fh.read(1)
        fh.seek((page - 1) * PAGE_SIZE + 1000)
        fh.write(bytes([byte[0] ^ 0x10]))
    before = snapshot(folder)

    # SQLCipher's own check names the page (run on a copy: the original stays as it is).
    copy = tmp_path / "copy" / DB_NAME
    copy.parent.mkdir()
    shutil.copy2(db, copy)
    conn = sqlcipher3.connect(str(copy))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        report = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
    finally:
        conn.close()
    assert any(f"page {page}" in line for line in report), report

    main_file = db.read_bytes()

    def damaged_page() -> bytes:
        return db.read_bytes()[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    kept = damaged_page()

    # Issue 11: the whole-file check no longer runs on the unlock path. Unlock either meets
    # the damaged page on its own reads (SQLCipher checks each page's HMAC on every read)
    # and refuses, or succeeds quickly while the background check finds the damage; either
    # way every write after that is refused with the plain message, and the damaged file
    # itself is never rewritten: a write that needs it fails its HMAC, so it never reaches
    # the WAL. (Pages the unlock's own audit entry wrote before the check ended are
    # ordinary committed writes; SQLite folds them in when the last connection closes.)
    try:
        session = unlock(folder, PASSPHRASE)
    except StoreCorrupt as exc:
        assert str(exc) == StoreCorrupt.user_message
        assert snapshot(folder) == before
    else:
        assert session.db.integrity is not None
        assert session.db.integrity.wait(timeout=30) == "damaged"
        assert session.damaged and session.integrity_state() == "damaged"
        with pytest.raises(StoreCorrupt) as caught:
            session.repo.add_subject(session.actor, "Another Child")
        assert str(caught.value) == StoreCorrupt.user_message
        session.lock()
        assert damaged_page() == kept
        main_file = db.read_bytes()
    opened = open_database(db, key)
    try:
        check = opened.check_integrity_in_background(key, delay=0)
        assert check.wait(timeout=30) == "damaged"
        assert any(f"page {page}" in line for line in check.problems), check.problems
        with pytest.raises(StoreCorrupt), opened.transaction() as conn:
            conn.execute("DELETE FROM settings")
    finally:
        opened.close()
    with pytest.raises(ProfileExists):
        create_profile(folder, profile_info, PASSPHRASE)
    # Kept for recovery: the damaged main file byte for byte as it was.
    assert db.read_bytes() == main_file


def test_sound_file_passes_the_background_check_and_stays_writable(
    tmp_path: Path, new_profile: Callable[..., Session]
) -> None:
    folder = tmp_path / "profile"
    session = new_profile(folder, PASSPHRASE)
    fill_with_canary(session)
    session.lock()
    session = unlock(folder, PASSPHRASE)
    try:
        assert session.db.integrity is not None
        assert session.db.integrity.wait(timeout=30) == "ok"
        assert session.integrity_state() == "ok" and not session.damaged
        session.repo.add_subject(session.actor, "Another Child")
    finally:
        session.lock()


def test_tampered_first_page_is_refused_and_kept(
    tmp_path: Path,
    new_profile: Callable[..., Session],
    snapshot: Callable[[Path], dict[str, tuple[str, int, int]]],
) -> None:
    folder = tmp_path / "profile"
    new_profile(folder, PASSPHRASE).lock()
    db = folder / DB_NAME
    with db.open("r+b") as fh:
        fh.seek(200)
        byte = fh.read(1)
        fh.seek(200)
        fh.write(bytes([byte[0] ^ 0x01]))
    before = snapshot(folder)
    # Page 1's check fails on the first read, which cannot tell a damaged page from a
    # wrong key; either way Haven refuses and writes nothing.
    with pytest.raises((StoreCorrupt, StoreWrongKey)):
        unlock(folder, PASSPHRASE)
    assert snapshot(folder) == before


def test_logs_never_hold_the_canary_or_the_key(
    tmp_path: Path,
    new_profile: Callable[..., Session],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "profile"
    session = new_profile(folder, PASSPHRASE)
    record_id = fill_with_canary(session)
    session.repo.get_record(record_id, viewer=session.actor)
    session.repo.search(CANARY)
    session.lock()
    with pytest.raises(WrongPassphrase):
        unlock(folder, "not the right passphrase")
    session = unlock(folder, PASSPHRASE)
    session.lock()
    key = data_key(folder)
    out, err = capfd.readouterr()
    for text in (caplog.text, out, err):
        assert CANARY.lower() not in text.lower()
        assert key.hex() not in text.lower()
