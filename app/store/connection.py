"""Opening the SQLCipher database safely.

Rules from SPEC.md section 3 and notes/security-anchors.md section 2:
- a raw 256-bit key (`PRAGMA key = "x'...'"`): no per-open PBKDF2, the key is already random;
- never create a database over one that exists (mode=rw for existing files), and never
  create one without a key;
- a wrong key is detected by the first read, BEFORE any pragma that could write (WAL mode
  would create a -wal file), so a wrong key leaves the file byte-for-byte unchanged;
- SQLCipher checks every page's HMAC each time it is read, so a damaged page is refused
  on every read; the whole-file `cipher_integrity_check` (every page read and checked,
  seconds on a store of several hundred MB) runs AFTER unlock on its own read-only
  connection in a background thread (`IntegrityCheck`), so unlock does not grow with the
  file. A failure there, or a damaged page met by any read, marks the database damaged:
  every later write raises StoreCorrupt, and the file is kept for recovery;
- WAL with synchronous=FULL (NORMAL can lose the last commits on power loss),
  secure_delete, foreign_keys, temp_store=MEMORY (temp files are not encrypted) and
  cipher_memory_security.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.errors import StoreCorrupt, StoreWrongKey
from app.store.migrations import migrate

_NOT_A_DATABASE = ("file is not a database", "file is encrypted")
# What SQLCipher/SQLite say when a page fails its HMAC or the b-tree is inconsistent.
_DAMAGE = (*_NOT_A_DATABASE, "malformed", "corrupt")


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
        self._damaged = False
        self.integrity: IntegrityCheck | None = None

    @property
    def damaged(self) -> bool:
        """True once the whole-file check or any read found a damaged page."""
        return self._damaged

    def mark_damaged(self) -> None:
        """Stop every later write: a damaged file is kept as it is for recovery."""
        self._damaged = True

    def check_integrity_in_background(self, key: bytes, *, delay: float = 0.5) -> IntegrityCheck:
        """Start the whole-file check on its own connection (see IntegrityCheck)."""
        if self.integrity is not None:
            self.integrity.cancel()
        self.integrity = IntegrityCheck(self.path, key, self.mark_damaged, delay=delay)
        self.integrity.start()
        return self.integrity

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._lock:
            if self._damaged:
                raise StoreCorrupt()
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
            except BaseException as exc:
                self._depth = 0
                with contextlib.suppress(Exception):
                    self._conn.execute("ROLLBACK")
                if _is_damage(exc):
                    self.mark_damaged()
                    raise StoreCorrupt() from exc
                raise
            self._depth = 0
            try:
                self._conn.execute("COMMIT")
            except Exception as exc:
                if _is_damage(exc):
                    self.mark_damaged()
                    raise StoreCorrupt() from exc
                raise

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self._lock:
            yield self._conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, params).fetchall())
            except Exception as exc:
                if _is_damage(exc):
                    self.mark_damaged()
                    raise StoreCorrupt() from exc
                raise

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
        # The background check reads pages under the old key: stop it first, or every page
        # re-encrypted under it would look damaged.
        if self.integrity is not None:
            self.integrity.cancel()
        with self._lock:
            if self._damaged:
                raise StoreCorrupt()
            # Run once, not kept prepared: the new key in hex must not stay in the cache.
            _run_once(self._conn, f"PRAGMA rekey = \"x'{new_key.hex()}'\"")

    def close(self) -> None:
        if self.integrity is not None:
            self.integrity.cancel()
        with self._lock:
            try:
                # A damaged file is left as it is: folding the WAL in would write to it.
                if not self._damaged:
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._conn.close()


def _is_damage(exc: BaseException) -> bool:
    sqlcipher3 = _sqlcipher()
    return isinstance(exc, sqlcipher3.DatabaseError) and any(s in str(exc) for s in _DAMAGE)


class IntegrityCheck:
    """The whole-file `cipher_integrity_check`, off the unlock path.

    Why in the background: the check reads and HMAC-verifies every page (0.6 GB/s here),
    so on a store of years of records it took seconds of every unlock. SQLCipher already
    verifies each page's HMAC whenever it is read, so nothing damaged is ever *used*; the
    whole-file check is there to find damage in pages not read yet and to stop writing to
    such a file. It runs on its own read-only connection (it can never write), at low
    priority after `delay` seconds so the window paints first. A damaged page is
    confirmed by a second pass (a page being checkpointed at the moment it is read must
    not be mistaken for damage); then `on_damage` marks the database so every write
    raises StoreCorrupt. `cancel()` interrupts it (lock, rekey, quit).

    `state` is "pending", "running", "ok", "damaged" or "cancelled".
    """

    def __init__(
        self, path: Path, key: bytes, on_damage: Callable[[], None], *, delay: float = 0.5
    ) -> None:
        self.path = path
        self._key = bytearray(key)
        self._on_damage = on_damage
        self._delay = delay
        self._cancelled = threading.Event()
        self._done = threading.Event()
        self._conn: Any = None
        self._conn_lock = threading.Lock()
        self.state = "pending"
        self.problems: list[str] = []
        self._thread = threading.Thread(target=self._run, name="haven-integrity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> str:
        """Block until the check ends (tests, `haven doctor`); returns the state."""
        self._done.wait(timeout)
        return self.state

    def cancel(self) -> None:
        """Stop caring about the result, without waiting for it.

        SQLCipher does not stop `cipher_integrity_check` when interrupted (the whole file
        is read in one step, seconds on a large store), so lock and quit must not wait
        for it: the thread ends on its own, its read-only connection cannot write, and a
        cancelled check never marks anything damaged.
        """
        self._cancelled.set()
        with self._conn_lock:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.interrupt()

    def _run(self) -> None:
        try:
            with contextlib.suppress(AttributeError, OSError):
                # Linux gives each thread its own nice value: yield the CPU to the UI.
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            if self._cancelled.wait(self._delay):
                self.state = "cancelled"
                return
            self.state = "running"
            problems = self._check()
            if problems and not self._cancelled.is_set():
                problems = self._check()
            if self._cancelled.is_set():
                self.state = "cancelled"
            elif problems:
                self.problems = problems
                self.state = "damaged"
                self._on_damage()
            else:
                self.state = "ok"
        finally:
            for i in range(len(self._key)):
                self._key[i] = 0
            self._done.set()

    def _check(self) -> list[str]:
        sqlcipher3 = _sqlcipher()
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        with self._conn_lock:
            self._conn = conn
        try:
            conn.execute(_key_pragma(bytes(self._key)))
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute("PRAGMA cipher_memory_security = ON")
            return [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
        except sqlcipher3.OperationalError:
            if self._cancelled.is_set():
                return []  # interrupted
            raise
        except sqlcipher3.DatabaseError as exc:
            return [type(exc).__name__]
        finally:
            with self._conn_lock:
                self._conn = None
            conn.close()


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


def _has_wal(path: Path) -> bool:
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 0
    except OSError:
        return False


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


# SQLite's per-connection lookaside pool (SQLITE_DBCONFIG_LOOKASIDE, sqlite3.h): slot size
# in bytes and number of slots. SQLite's default is 40 slots of 1200 bytes.
LOOKASIDE_SLOT_SIZE = 1200
LOOKASIDE_SLOTS = 512
_SQLITE_DBCONFIG_LOOKASIDE = 1001


@functools.cache
def _sqlite_library() -> Any:
    """The SQLCipher library already loaded by sqlcipher3 (dlopen of the same file returns
    the same library, so calls act on the same connections)."""
    import ctypes

    import sqlcipher3._sqlite3 as extension

    lib = ctypes.CDLL(extension.__file__)
    lib.sqlite3_vfs_find.restype = ctypes.c_void_p
    lib.sqlite3_vfs_find.argtypes = [ctypes.c_char_p]
    lib.sqlite3_db_config.restype = ctypes.c_int
    return lib


def widen_lookaside(conn: Any) -> bool:
    """Give a new connection a larger lookaside pool; True when it was set.

    Why: with cipher_memory_security on, every heap allocation SQLCipher makes is mlocked
    and, when freed, wiped and munlocked: two system calls each. SQLite serves small
    allocations from the connection's lookaside pool instead, but each prepared statement
    the connection keeps (the statement cache, about a dozen statements after a few
    autosaves) pins some of its 40 default slots. Once they are gone a ranked full-text
    search made twice the allocations of the same query on a fresh connection
    (5,300 against 2,700 per search at 1k records): the whole of the "Haven's connection
    is slower on the same SQL" difference in the bench. 512 slots (600 KiB, allocated
    once through SQLCipher's allocator, so locked and wiped like the rest) keep it level.

    sqlcipher3 does not expose `sqlite3_db_config`, so this calls it with ctypes on the
    connection's handle: the first field after the object header of the DB-API
    Connection object (pysqlite's layout). The handle is used only if its first field is
    the default VFS, as a real `sqlite3` handle's is; otherwise, or if anything here
    fails, the connection keeps SQLite's default pool (slower, never less safe). It runs
    before the connection's first statement: SQLite refuses (SQLITE_BUSY) while any slot
    is in use.
    """
    import ctypes

    if sys.implementation.name != "cpython":
        return False
    try:
        lib = _sqlite_library()
        handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
        if not handle or ctypes.c_void_p.from_address(handle).value != lib.sqlite3_vfs_find(None):
            return False
        rc = lib.sqlite3_db_config(
            ctypes.c_void_p(handle),
            ctypes.c_int(_SQLITE_DBCONFIG_LOOKASIDE),
            ctypes.c_void_p(None),
            ctypes.c_int(LOOKASIDE_SLOT_SIZE),
            ctypes.c_int(LOOKASIDE_SLOTS),
        )
    except (OSError, AttributeError, ImportError, ValueError):
        return False
    return int(rc) == 0


# Set on every read-write connection after the key is proven (the module docstring says
# why each is there). bench/measures.py gives its floor connection the same list.
OPEN_PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = FULL",
    "secure_delete = ON",
    "foreign_keys = ON",
    "temp_store = MEMORY",
    "busy_timeout = 5000",
)


def _run_once(conn: Any, sql: str) -> None:
    """Run a statement used once per connection without keeping it prepared.

    `execute` keeps every statement in the connection's statement cache for the life of
    the connection. Two reasons not to for the key and the opening pragmas: the key
    statement's text (the key in hex) would stay in that cache, and each cached statement
    pins some of SQLite's per-connection lookaside slots. With cipher_memory_security on,
    an allocation that misses lookaside costs an mlock and a munlock system call, so the
    eleven opening statements left pinned made every later full-text search ~20% slower
    (118 more allocations per search of 50 snippets). `executescript` prepares, runs and
    finalizes each statement, freeing both.
    """
    conn.executescript(f"{sql};")


def open_database(path: Path, key: bytes, *, create: bool = False) -> EncryptedDatabase:
    """Open (or, with create=True and no file present, create) the encrypted database.

    Raises StoreWrongKey when the key does not open an existing file and StoreCorrupt when
    the first read fails its check; in both cases nothing has been written. The
    whole-file check is started separately (`check_integrity_in_background`), after
    unlock.
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
        widen_lookaside(conn)
        _run_once(conn, _key_pragma(key))
        _run_once(conn, "PRAGMA cipher_log_level = NONE")
        _run_once(conn, "PRAGMA cipher_memory_security = ON")
        try:
            _run_once(conn, "SELECT count(*) FROM sqlite_master")
        except sqlcipher3.DatabaseError as exc:
            if any(s in str(exc) for s in _NOT_A_DATABASE):
                raise StoreWrongKey() from exc
            raise StoreCorrupt() from exc
        if not create and _has_wal(path):
            try:
                # cipher_integrity_check reads only the main file. After a crash the newest
                # committed pages may still be in the -wal (a rekey cut short before its
                # checkpoint leaves the main file under the old key), so fold the WAL in
                # first; the key has just been proven right by the read above. A clean
                # lock leaves no WAL, so this costs nothing on an ordinary unlock.
                _run_once(conn, "PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlcipher3.DatabaseError as exc:
                raise StoreCorrupt() from exc
        for pragma in OPEN_PRAGMAS:
            _run_once(conn, f"PRAGMA {pragma}")
        db = EncryptedDatabase(conn, path)
        migrate(db)
        return db
    except BaseException:
        conn.close()
        raise
