"""The store's connection gets SQLite's wider lookaside pool (app.store.connection).

Why it matters: under cipher_memory_security every allocation that misses the pool is an
mlock and a munlock system call, which made full-text search on Haven's own connection
~20-50% slower than the same SQL on a fresh one (issue 11). The pool's size is read back
through SQLite's own counter (sqlite3_db_status), not from Haven's code.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import sqlcipher3

from app.store import open_database
from app.store.connection import LOOKASIDE_SLOTS, _sqlite_library

_DBSTATUS_LOOKASIDE_USED = 0


def _lookaside_high_water(conn: object) -> int:
    lib = _sqlite_library()
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    current, high = ctypes.c_int(), ctypes.c_int()
    rc = lib.sqlite3_db_status(
        ctypes.c_void_p(handle),
        ctypes.c_int(_DBSTATUS_LOOKASIDE_USED),
        ctypes.byref(current),
        ctypes.byref(high),
        ctypes.c_int(0),
    )
    assert rc == 0
    return high.value


def _busy(conn: object) -> None:
    """Prepare and keep many statements, as a long-lived connection does."""
    for n in range(60):
        conn.execute(f"SELECT {n}, x.* FROM t AS x WHERE x.a = ? LIMIT 1", (n,)).fetchall()  # type: ignore[attr-defined]


def _plain_high_water(path: Path) -> int:
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        _busy(conn)
        return _lookaside_high_water(conn)
    finally:
        conn.close()


def test_the_store_connection_has_a_wider_pool_than_a_plain_one(tmp_path: Path) -> None:
    plain = _plain_high_water(tmp_path / "plain.db")
    db = open_database(tmp_path / "haven.db", os.urandom(32), create=True)
    try:
        with db.transaction() as conn:
            conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        with db.reading() as conn:
            _busy(conn)
            high = _lookaside_high_water(conn)
    finally:
        db.close()
    # A plain connection runs out of its pool; the store's does not.
    assert plain < LOOKASIDE_SLOTS < high


def test_the_opening_pragmas_are_in_force(tmp_path: Path) -> None:
    """The key and pragmas run once without staying prepared; they still take effect."""
    key = os.urandom(32)
    open_database(tmp_path / "haven.db", key, create=True).close()
    db = open_database(tmp_path / "haven.db", key)
    try:
        found = {
            pragma: db.execute(f"PRAGMA {pragma}")[0][0]
            for pragma in (
                "journal_mode",
                "synchronous",
                "secure_delete",
                "foreign_keys",
                "temp_store",
                "busy_timeout",
                "cipher_memory_security",
            )
        }
    finally:
        db.close()
    assert found == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "secure_delete": 1,
        "foreign_keys": 1,
        "temp_store": 2,  # MEMORY: temp files would not be encrypted
        "busy_timeout": 5000,
        "cipher_memory_security": "1",
    }
