"""Opening the SQLCipher database safely.

Rules from SPEC.md section 3 and notes/security-anchors.md section 2:
- a raw 256-bit key (`PRAGMA key = "x'...'"`): no per-open PBKDF2, the key is already random;
- never create a database over one that exists (mode=rw for existing files), and never
  create one without a key;
- a wrong key is detected by the first read, BEFORE any pragma that could write (WAL mode
  would create a -wal file), so a wrong key leaves the file byte-for-byte unchanged;
- `cipher_integrity_check` runs at open: a tampered page means Haven refuses to write;
- WAL with synchronous=FULL (NORMAL can lose the last commits on power loss),
  secure_delete, foreign_keys, temp_store=MEMORY (temp files are not encrypted) and
  cipher_memory_security.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.errors import StoreCorrupt, StoreWrongKey
from app.store.migrations import migrate

_NOT_A_DATABASE = ("file is not a database", "file is encrypted")


def _sqlcipher() -> Any:
    import sqlcipher3

    return sqlcipher3


def _key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("the data key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


class EncryptedDatabase:
    """One open connection to a profile's encrypted database.

    A lock serialises use across threads (the UI thread autosaves, workers read).
    `transaction()` is the only way to write: BEGIN IMMEDIATE ... COMMIT, rolled back on
    any exception, so an autosave and its audit entry land together or not at all.
    """

    def __init__(self, conn: Any, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._conn
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self._lock:
            yield self._conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def integrity_problems(self) -> list[str]:
        """Rows of cipher_integrity_check then integrity_check; empty when the file is sound."""
        with self._lock:
            problems = [str(r[0]) for r in self._conn.execute("PRAGMA cipher_integrity_check")]
            rows = [str(r[0]) for r in self._conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems.extend(rows)
        return problems

    def cipher_version(self) -> str:
        return str(self.execute("PRAGMA cipher_version")[0][0])

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt every page with a new key; SQLCipher rolls back if interrupted."""
        with self._lock:
            self._conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")

    def close(self) -> None:
        with self._lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._conn.close()


def _prove_key_read_only(sqlcipher3: Any, path: Path, key: bytes) -> None:
    """Try the key on a read-only connection first.

    A read-write connection that fails (wrong key, another machine's file) still folds a
    leftover -wal into the main file when it closes, changing the file the user may need
    for recovery. A read-only connection cannot write, so the database and its -wal stay
    byte-for-byte as they were.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlcipher3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute(_key_pragma(key))
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        if any(s in str(exc) for s in _NOT_A_DATABASE):
            raise StoreWrongKey() from exc
        raise StoreCorrupt() from exc
    finally:
        conn.close()


FILE_MODE = 0o600
FOLDER_MODE = 0o700


def owner_only(path: Path) -> None:
    """Tighten a store (and its -wal/-shm) to owner-only, e.g. one an older Haven made 0644.

    The file is encrypted either way; the mode keeps other local accounts from even
    copying it for an offline attack on the passphrase. Best effort: on Windows chmod
    only toggles read-only, and the folder's ACL is what protects it.
    """
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if candidate.exists() and (candidate.stat().st_mode & 0o077):
                os.chmod(candidate, FILE_MODE)
        except OSError:
            continue


def open_database(path: Path, key: bytes, *, create: bool = False) -> EncryptedDatabase:
    """Open (or, with create=True and no file present, create) the encrypted database.

    Raises StoreWrongKey when the key does not open an existing file and StoreCorrupt when
    the integrity check fails; in both cases nothing has been written.
    """
    sqlcipher3 = _sqlcipher()
    exists = path.exists()
    if create and exists:
        raise FileExistsError(str(path))
    if not create and not exists:
        raise FileNotFoundError(str(path))
    if not create:
        _prove_key_read_only(sqlcipher3, path, key)
        owner_only(path)
    else:
        # Created empty and owner-only before SQLite sees it: SQLite treats an empty file
        # as a new database and gives its -wal and -shm files the same mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    mode = "rwc" if create else "rw"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(_key_pragma(key))
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA cipher_memory_security = ON")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            if any(s in str(exc) for s in _NOT_A_DATABASE):
                raise StoreWrongKey() from exc
            raise StoreCorrupt() from exc
        if not create:
            try:
                # cipher_integrity_check reads only the main file. After a crash the newest
                # committed pages may still be in the -wal (a rekey cut short before its
                # checkpoint leaves the main file under the old key), so fold the WAL in
                # first; the key has just been proven right by the read above.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                bad = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
            except sqlcipher3.DatabaseError as exc:
                raise StoreCorrupt() from exc
            if bad:
                raise StoreCorrupt()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA busy_timeout = 5000")
        db = EncryptedDatabase(conn, path)
        migrate(db)
        return db
    except BaseException:
        conn.close()
        raise
