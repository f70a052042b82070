"""Numbered schema migrations (PRAGMA user_version), "tested from empty and from each
earlier version": a database is built at every earlier version with data valid then, and
opening it the normal way must bring it to the latest version with that data intact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from app import audit, keys
from app.errors import StoreTooNew
from app.store import Repository, open_database
from app.store.connection import EncryptedDatabase
from app.store.migrations import LATEST_VERSION, MIGRATIONS, migrate, schema_version

Snapshot = Callable[[Path], dict[str, tuple[str, int, int]]]

LATEST_TABLES = {
    "settings",
    "subjects",
    "records",
    "audit",
    "missing_episodes",
    "outbox",
    "outbox_attempts",
    "search_index",
    "search_keys",
    "received",
    "subject_links",
    "index_pending",
}


def raw_keyed(path: Path, key: bytes) -> Any:
    """A bare SQLCipher connection, keyed the way Haven keys, with no migrations run."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def build_at_version(path: Path, key: bytes, version: int) -> None:
    """An encrypted database at `version`, holding data that was valid at that version."""
    conn = raw_keyed(path, key)
    # Write page 1 so the file really exists, encrypted, at user_version 0.
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("DROP TABLE scratch")
    db = EncryptedDatabase(conn, path)
    migrate(db, target=version)
    if version >= 1:
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO subjects (id, ref, name, known_as, dob, created_at, updated_at)"
                " VALUES ('s1', 'C-2024-AAAAAA', 'Taylor Oldversion', 'Tay', '2010-05-01',"
                " '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')"
            )
            tx.execute(
                "INSERT INTO records (id, ref, subject_id, form_id, form_version, status,"
                " answers, created_at, updated_at, created_by) VALUES ('r1', 'HVN-2024-BBBBBB',"
                " 's1', 'screening', 1, 'draft', ?, '2024-01-02T00:00:00+00:00',"
                " '2024-01-02T00:00:00+00:00', 'Old Worker')",
                (json.dumps({"q1": "yes", "notes": "from version 1"}),),
            )
            tx.execute("INSERT INTO settings (key, value) VALUES ('theme', 'dark')")
            audit.append(tx, "Old Worker", "child-create", None, "C-2024-AAAAAA")
            audit.append(tx, "Old Worker", "create", "r1", "screening v1")
            if version >= 2:
                # Version 2's repository indexed what it wrote (no key table yet).
                tx.execute(
                    "INSERT INTO search_index (kind, item_id, subject_id, body) VALUES"
                    " ('subject', 's1', 's1', 'Taylor Oldversion Tay C-2024-AAAAAA'),"
                    " ('record', 'r1', 's1', 'HVN-2024-BBBBBB')"
                )
            if version >= 3:
                # Version 3's repository keyed every index row (search_keys).
                tx.execute(
                    "INSERT INTO search_keys (id, kind, item_id)"
                    " SELECT rowid, kind, item_id FROM search_index"
                )
    db.close()
    assert path.stat().st_size > 0


def tables(db: EncryptedDatabase) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r[0]) for r in rows if not str(r[0]).startswith(("search_index_", "sqlite_"))}


def columns(db: EncryptedDatabase, table: str) -> set[str]:
    return {str(r[1]) for r in db.execute(f"PRAGMA table_info({table})")}


@pytest.mark.parametrize("start", range(LATEST_VERSION))
def test_upgrade_from_each_earlier_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / "haven.db"
    key = keys.new_data_key()
    build_at_version(path, key, start)

    db = open_database(path, key)
    try:
        assert schema_version(db) == LATEST_VERSION
        assert tables(db) == LATEST_TABLES
        assert {"episode_id", "reviewed_at", "reviewed_by", "review_comment"} <= columns(
            db, "records"
        )
        assert db.integrity_problems() == []
        repo = Repository(db)
        assert repo.verify_audit().ok
        if start >= 1:
            (child,) = repo.list_subjects()
            assert (child.name, child.known_as, child.dob) == (
                "Taylor Oldversion",
                "Tay",
                "2010-05-01",
            )
            record = repo.get_record("r1")
            assert record.answers == {"q1": "yes", "notes": "from version 1"}
            assert record.episode_id is None and record.reviewed_at is None
            assert repo.get_setting("theme") == "dark"
            assert [e.action for e in repo.audit_entries()] == ["child-create", "create"]
            # What existed before full-text search arrived can be found with it.
            assert [h.item_id for h in repo.search("Taylor")] == ["s1"]
            assert [h.item_id for h in repo.search("HVN-2024-BBBBBB")] == ["r1"]
        # The upgraded store takes every kind of write the latest schema has.
        child_id = repo.add_subject("New Worker", "Robin Afterupgrade").id
        draft = repo.create_draft("New Worker", child_id, "missing", 1, {})
        repo.save_draft("New Worker", draft.id, {"a": 1}, episode=("2025-01-01", None))
        assert len(repo.list_episodes(child_id)) == 1
        repo.enqueue("New Worker", None, "<m@haven>", "mash@example.org", "MASH", b"x")
        assert [h.item_id for h in repo.search("Robin")] == [child_id]
        assert repo.verify_audit().ok
    finally:
        db.close()

    # Opening again is a no-op: already at the latest version.
    db = open_database(path, key)
    try:
        assert schema_version(db) == LATEST_VERSION
    finally:
        db.close()


def test_a_new_store_starts_at_the_latest_version(tmp_path: Path) -> None:
    db = open_database(tmp_path / "haven.db", keys.new_data_key(), create=True)
    try:
        assert schema_version(db) == LATEST_VERSION
        assert tables(db) == LATEST_TABLES
    finally:
        db.close()


def test_a_failing_migration_leaves_the_earlier_version_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "haven.db"
    key = keys.new_data_key()
    build_at_version(path, key, 1)
    broken = (*MIGRATIONS[:1], (*MIGRATIONS[1], "CREATE TABLE records (duplicate INTEGER)"))
    monkeypatch.setattr("app.store.migrations.MIGRATIONS", broken)
    db = EncryptedDatabase(raw_keyed(path, key), path)
    try:
        with pytest.raises(sqlcipher3.DatabaseError):
            migrate(db, target=2)
        assert schema_version(db) == 1
        assert "missing_episodes" not in tables(db)
        assert "episode_id" not in columns(db, "records")
        assert db.execute("SELECT answers FROM records WHERE id = 'r1'") != []
    finally:
        db.close()


def test_a_store_from_a_newer_haven_is_refused_unchanged(
    tmp_path: Path, snapshot: Snapshot
) -> None:
    path = tmp_path / "store" / "haven.db"
    path.parent.mkdir()
    key = keys.new_data_key()
    open_database(path, key, create=True).close()
    conn = raw_keyed(path, key)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = snapshot(path.parent)
    with pytest.raises(StoreTooNew, match="newer version of Haven"):
        open_database(path, key)
    assert snapshot(path.parent) == before
