"""Numbered schema migrations, tracked with PRAGMA user_version.

Each migration is a list of statements applied in one transaction, so a crash during an
upgrade leaves the previous version intact. Migrations are append-only: a released one is
never edited (tests build a database at every earlier version and upgrade it).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from app.errors import StoreTooNew


class EncryptedDatabase(Protocol):
    """What migrating needs of app.store.connection.EncryptedDatabase (which runs the
    migrations when it opens, so this module does not import it back)."""

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]: ...

    def transaction(self) -> AbstractContextManager[Any]: ...


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: children, records with their version chain, settings and the audit chain.
    (
        """CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE subjects (
            id TEXT PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            known_as TEXT NOT NULL DEFAULT '',
            dob TEXT,
            gender TEXT NOT NULL DEFAULT '',
            local_authority TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE records (
            id TEXT PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,
            subject_id TEXT NOT NULL REFERENCES subjects(id),
            form_id TEXT NOT NULL,
            form_version INTEGER NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('draft', 'completed', 'signed', 'queued', 'sent')),
            answers TEXT NOT NULL DEFAULT '{}',
            problem_count INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            completed_at TEXT,
            completed_by TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            supersedes TEXT REFERENCES records(id),
            superseded_by TEXT REFERENCES records(id),
            amend_reason TEXT,
            parent_id TEXT REFERENCES records(id)
        )""",
        "CREATE INDEX records_subject ON records(subject_id, updated_at)",
        "CREATE INDEX records_status ON records(status, updated_at)",
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            record_id TEXT,
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
    ),
    # 2: missing episodes (section 11), the outbox, review state and full-text search.
    (
        """CREATE TABLE missing_episodes (
            id TEXT PRIMARY KEY,
            subject_id TEXT NOT NULL REFERENCES subjects(id),
            record_id TEXT UNIQUE REFERENCES records(id),
            missing_from TEXT,
            returned_at TEXT,
            interviewed_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX episodes_subject ON missing_episodes(subject_id, missing_from)",
        "ALTER TABLE records ADD COLUMN episode_id TEXT REFERENCES missing_episodes(id)",
        "ALTER TABLE records ADD COLUMN reviewed_at TEXT",
        "ALTER TABLE records ADD COLUMN reviewed_by TEXT",
        "ALTER TABLE records ADD COLUMN review_comment TEXT",
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            record_id TEXT REFERENCES records(id),
            message_id TEXT NOT NULL UNIQUE,
            recipient TEXT NOT NULL,
            recipient_label TEXT NOT NULL DEFAULT '',
            message BLOB NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT,
            last_reply TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        """CREATE TABLE outbox_attempts (
            id INTEGER PRIMARY KEY,
            outbox_id TEXT NOT NULL REFERENCES outbox(id),
            at TEXT NOT NULL,
            ok INTEGER NOT NULL,
            reply_code INTEGER,
            reply TEXT NOT NULL DEFAULT ''
        )""",
        # Full-text search lives inside the encrypted file: an FTS5 table is ordinary pages.
        """CREATE VIRTUAL TABLE search_index USING fts5(
            kind UNINDEXED, item_id UNINDEXED, subject_id UNINDEXED, body,
            tokenize = 'unicode61 remove_diacritics 2'
        )""",
        # Index what version 1 already held, in the bodies Repository._index writes (a
        # record's summary was never stored, so its reference is what can be found).
        """INSERT INTO search_index (kind, item_id, subject_id, body)
            SELECT 'subject', id, id, name || ' ' || known_as || ' ' || ref FROM subjects""",
        """INSERT INTO search_index (kind, item_id, subject_id, body)
            SELECT 'record', id, subject_id, ref FROM records WHERE superseded_by IS NULL""",
    ),
    # 3: a key table for the search index, so that re-indexing one record on autosave
    # deletes its old row by rowid instead of scanning the whole FTS table (UNINDEXED
    # columns cannot be looked up).
    (
        """CREATE TABLE search_keys (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            item_id TEXT NOT NULL,
            UNIQUE (kind, item_id)
        )""",
        """INSERT OR IGNORE INTO search_keys (id, kind, item_id)
            SELECT rowid, kind, item_id FROM search_index""",
    ),
    # 4: Haven-to-Haven exchange. Packages received from other profiles (with who signed
    # them and what the DSL did with them), returns received for records written here, and
    # which local child a sender's child was filed under (never merged silently).
    (
        """CREATE TABLE received (
            id TEXT PRIMARY KEY,
            package_id TEXT NOT NULL UNIQUE,
            message_id TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('record', 'return')),
            state TEXT NOT NULL CHECK (state IN
                ('awaiting-child', 'awaiting-review', 'reviewed', 'returned', 'superseded',
                 'applied')),
            record_id TEXT,
            origin_record_id TEXT NOT NULL,
            origin_subject_id TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            form_id TEXT NOT NULL DEFAULT '',
            form_version INTEGER NOT NULL DEFAULT 0,
            sender_name TEXT NOT NULL DEFAULT '',
            sender_email TEXT NOT NULL DEFAULT '',
            signer_name TEXT NOT NULL DEFAULT '',
            signer_fingerprint TEXT NOT NULL,
            signer_certificate TEXT NOT NULL,
            signed_at TEXT,
            received_at TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            pdf BLOB,
            note TEXT NOT NULL DEFAULT '',
            decided_at TEXT,
            decided_by TEXT
        )""",
        "CREATE INDEX received_state ON received(state, received_at)",
        "CREATE INDEX received_record ON received(record_id)",
        """CREATE TABLE subject_links (
            origin_fingerprint TEXT NOT NULL,
            origin_subject_id TEXT NOT NULL,
            subject_id TEXT NOT NULL REFERENCES subjects(id),
            PRIMARY KEY (origin_fingerprint, origin_subject_id)
        )""",
    ),
    # 5: autosave queues a record's search-index rewrite here, in the keystroke's own
    # transaction, instead of rewriting the FTS row on every keystroke (issue 11). `seq`
    # grows with every save, so a drain that read an older version leaves the row queued.
    (
        """CREATE TABLE index_pending (
            record_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL DEFAULT 1
        ) WITHOUT ROWID""",
        # The children list pages through children by name (issue 11).
        "CREATE INDEX subjects_name ON subjects(name COLLATE NOCASE, id)",
    ),
    # 6: a record's children (its sharing decision, a return interview's episode form) are
    # looked up by parent on every export; without an index that read every record.
    ("CREATE INDEX records_parent ON records(parent_id)",),
    # 7: autosave also owes the audit log its coalesced "change" entry (issue 11): the
    # keystroke's transaction notes who changed the record and when the first unaudited
    # change was, and the drain (app.store.audit_store) writes the entry.
    (
        "ALTER TABLE index_pending ADD COLUMN audit_actor TEXT",
        "ALTER TABLE index_pending ADD COLUMN audit_at TEXT",
    ),
)

LATEST_VERSION = len(MIGRATIONS)


def schema_version(db: EncryptedDatabase) -> int:
    return int(db.execute("PRAGMA user_version")[0][0])


def migrate(db: EncryptedDatabase, target: int = LATEST_VERSION) -> int:
    """Bring the schema to `target`; returns the version it started at."""
    start = schema_version(db)
    if start > LATEST_VERSION:
        raise StoreTooNew()
    for number in range(start + 1, target + 1):
        with db.transaction() as conn:
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    return start
