"""SQL for backups: copying a profile's database into a new file under another key.

Both directions use SQLCipher's `sqlcipher_export()` into an ATTACHed database (the
SQLCipher API's documented way to re-encrypt a whole database under a different key):

- backup: the open profile -> a new file keyed with the backup's database key;
- restore: the backup's database -> the new profile's `haven.db` keyed with a NEW random
  data key, so a restored profile never shares a key with the backup or its source.

`sqlcipher_export` copies tables, indexes, triggers, views and the FTS5 search index (its
shadow tables are ordinary tables) but not `PRAGMA user_version`, which is Haven's schema
version, so that is copied by hand. Every destination file is created empty and owner-only
(0600) before SQLite opens it: SQLite treats an empty file as a new database and gives its
journal the same mode.

The keys are bound as parameters (`KEY ?`), never put into the SQL text.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import audit
from app.errors import StoreCorrupt, StoreLocked, StoreTooNew, StoreWrongKey
from app.store.connection import FILE_MODE, EncryptedDatabase
from app.store.migrations import LATEST_VERSION

_ALIAS = "haven_copy"
_NOT_A_DATABASE = ("file is not a database", "file is encrypted")
# How often (in SQLite virtual-machine steps) a long copy asks whether to stop.
_CANCEL_CHECK_STEPS = 20_000


class CopyCancelled(Exception):
    """The copy stopped because `cancelled()` said so; the destination must be discarded."""


class CopyFailed(Exception):
    """SQLite could not write the copy (disk full, no permission); discard the destination.

    Carries no SQLite message: callers turn it into a user-safe one.
    """


@dataclass(frozen=True)
class CopyFacts:
    """What a copy holds, counted in the copy itself (no personal data)."""

    schema_version: int
    children: int
    records: int
    episodes: int
    audit_entries: int


def _raw_key(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("a database key must be 32 bytes")
    return f"x'{key.hex()}'"


def _create_empty(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def _count(conn: Any, schema: str, table: str) -> int:
    # schema and table are fixed names from this module, never user input.
    return int(conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0])


def _facts(conn: Any, schema: str) -> CopyFacts:
    return CopyFacts(
        schema_version=int(conn.execute(f'PRAGMA "{schema}".user_version').fetchone()[0]),
        children=_count(conn, schema, "subjects"),
        records=_count(conn, schema, "records"),
        episodes=_count(conn, schema, "missing_episodes"),
        audit_entries=_count(conn, schema, "audit"),
    )


def _export(
    conn: Any, destination: Path, key: bytes, cancelled: Callable[[], bool] | None
) -> CopyFacts:
    """ATTACH `destination` (created empty here) under `key`, export into it, DETACH."""
    import sqlcipher3

    _create_empty(destination)
    version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
    conn.execute("ATTACH DATABASE ? AS " + _ALIAS + " KEY ?", (str(destination), _raw_key(key)))
    stopped = False

    def check() -> int:
        nonlocal stopped
        stopped = bool(cancelled is not None and cancelled())
        return 1 if stopped else 0

    try:
        if cancelled is not None:
            conn.set_progress_handler(check, _CANCEL_CHECK_STEPS)
        try:
            conn.execute("SELECT sqlcipher_export(?)", (_ALIAS,)).fetchall()
            # An int read from the source, so formatting it cannot inject anything.
            conn.execute(f"PRAGMA {_ALIAS}.user_version = {version:d}")
        except sqlcipher3.OperationalError as exc:
            if stopped:
                raise CopyCancelled() from exc
            raise CopyFailed() from exc
        finally:
            if cancelled is not None:
                conn.set_progress_handler(None, 0)
        return _facts(conn, _ALIAS)
    finally:
        conn.execute("DETACH DATABASE " + _ALIAS)


def export_profile(
    db: EncryptedDatabase,
    destination: Path,
    key: bytes,
    *,
    cancelled: Callable[[], bool] | None = None,
) -> CopyFacts:
    """Copy the open profile into a new database file keyed with `key`.

    Runs on the profile's own connection under its lock, so the copy is one consistent
    snapshot: an autosave waits for it rather than landing half in and half out.
    """
    with db.reading() as conn:
        return _export(conn, destination, key, cancelled)


def record_backup(
    db: EncryptedDatabase, actor: str, detail: str, publish: Callable[[], None]
) -> None:
    """Audit a backup in the same transaction that puts its file in place.

    `publish` renames the finished file to its final name: if that fails the entry is
    rolled back, and if the entry cannot be written (the profile was locked meanwhile)
    the file is never published. A copy of every child's records never leaves without
    the log saying so (DPA 2018 s.62).
    """
    import sqlcipher3

    try:
        with db.transaction() as conn:
            audit.append(conn, actor, "backup", None, detail)
            publish()
    except sqlcipher3.ProgrammingError as exc:  # the connection was closed by a lock
        raise StoreLocked() from exc


def _open_copy(path: Path, key: bytes) -> Any:
    """Open a backup's database: the key is proven and every page checked before use."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        # PRAGMA key takes no bound parameters; the value is 64 hex digits from bytes.hex().
        conn.execute(f'PRAGMA key = "{_raw_key(key)}"')
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA cipher_memory_security = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            if any(s in str(exc) for s in _NOT_A_DATABASE):
                raise StoreWrongKey() from exc
            raise StoreCorrupt() from exc
        try:
            bad = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlcipher3.DatabaseError as exc:
            raise StoreCorrupt() from exc
        if bad or rows != ["ok"]:
            raise StoreCorrupt()
        return conn
    except BaseException:
        conn.close()
        raise


def copy_to_new_key(source: Path, source_key: bytes, destination: Path, key: bytes) -> CopyFacts:
    """Re-encrypt a backup's database into a new profile database keyed with `key`.

    Refuses (StoreTooNew) a database from a newer Haven before anything is copied: this
    Haven could not read it after restoring, and must not half-understand it.
    """
    conn = _open_copy(source, source_key)
    try:
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) > LATEST_VERSION:
            raise StoreTooNew()
        return _export(conn, destination, key, None)
    finally:
        conn.close()
