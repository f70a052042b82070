"""The repository: every kind of data in one profile, over one connection.

SQL lives in the store layer only. Each kind of data has its own store (settings, audit,
children, records, episodes, search, outbox; received packages, purge and backup are
stores of their own beside them); `Repository` joins the first seven, so the use cases
hold one object. Every write runs in one short transaction together with its audit entry
(app.audit), so a change and its record in the log land together or not at all. Autosave's
keystroke is the one write whose entry is owed rather than written: the same transaction
records that it is owed, and the next transaction that logs anything (or a drain, or a
read of the log) writes it (app.store.audit_store).
"""

from __future__ import annotations

from app.store.outbox_store import OutboxStore
from app.store.records_store import RecordsStore
from app.store.rows import fts_query, index_row, unindex_row, unique_ref, upsert_episode
from app.store.settings_store import SettingsStore

__all__ = [
    "Repository",
    "fts_query",
    "index_row",
    "unindex_row",
    "unique_ref",
    "upsert_episode",
]


class Repository(SettingsStore, RecordsStore, OutboxStore):
    """Use-case-sized reads and writes over one profile's encrypted database."""
