"""Row helpers shared by the stores that read and write over one profile's connection.

Column lists, row-to-value converters, opaque references and the search-index and
episode rows that several stores write inside their own transactions.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.domain import Subject

if TYPE_CHECKING:
    from app.record_values import MissingEpisode, OutboxItem, Record

_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# Autosave runs every second while someone types; one "change" entry per record, user and
# five minutes says what happened without flooding the log.
_CHANGE_COALESCE = timedelta(minutes=5)

_RECORD_COLUMNS = (
    "id, ref, subject_id, form_id, form_version, status, answers, problem_count, created_at,"
    " updated_at, created_by, completed_at, completed_by, version, supersedes, superseded_by,"
    " amend_reason, parent_id, episode_id, reviewed_at, reviewed_by, review_comment"
)
_SUBJECT_COLUMNS = "id, ref, name, known_as, dob, gender, local_authority, created_at, updated_at"
# The children list's page query: ChildListing's fields, in its order.
LISTING_COLUMNS = "id, ref, name, known_as, dob"
_EPISODE_COLUMNS = (
    "id, subject_id, record_id, missing_from, returned_at, interviewed_at, created_at, updated_at"
)
_OUTBOX_COLUMNS = (
    "id, record_id, message_id, recipient, recipient_label, status, attempts, next_attempt_at,"
    " last_error, last_reply, created_at, sent_at"
)


def new_id() -> str:
    """A new random id: a version 4 UUID as text.

    `uuid` is imported here, when the first thing is saved, rather than with the store:
    it imports `platform`, a few milliseconds of every start (issue 11)."""
    import uuid

    return str(uuid.uuid4())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_ref(prefix: str) -> str:
    year = datetime.now(UTC).year
    body = "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
    return f"{prefix}-{year}-{body}"


def _record(row: Sequence[Any]) -> Record:
    from app.record_values import Record  # made when first used (app.domain says why)

    values = list(row)
    values[6] = json.loads(values[6])
    return Record(*values)


def _subject(row: Sequence[Any]) -> Subject:
    return Subject(*row)


def subjects_from_rows(rows: Iterable[Sequence[Any]]) -> list[Subject]:
    """`[Subject(*row) for row in rows]` at about half the cost, for reading many children.

    A frozen dataclass's generated __init__ sets each of Subject's nine fields through
    object.__setattr__; for a page of 50 children that was most of the time Haven spent
    beyond the query itself (issue 11). Filling the new instance's __dict__ by unpacking
    the row gives an equal, equally frozen value (same fields, __eq__, __hash__, repr).
    The targets follow _SUBJECT_COLUMNS; tests compare the result with Subject(*row).
    """
    out: list[Subject] = []
    append = out.append
    new = object.__new__
    for row in rows:
        subject = new(Subject)
        d = subject.__dict__
        (
            d["id"],
            d["ref"],
            d["name"],
            d["known_as"],
            d["dob"],
            d["gender"],
            d["local_authority"],
            d["created_at"],
            d["updated_at"],
        ) = row
        append(subject)
    return out


def _episode(row: Sequence[Any]) -> MissingEpisode:
    from app.record_values import MissingEpisode

    return MissingEpisode(*row)


def _outbox(row: Sequence[Any]) -> OutboxItem:
    from app.record_values import OutboxItem

    return OutboxItem(*row)


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word a quoted prefix term."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in text).split() if w]
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words[:12])


# ---- row helpers shared by the stores that write over the same connection ------------------


def unique_ref(conn: Any, table: str, prefix: str) -> str:
    """A fresh opaque reference (e.g. HVN-2026-7KQ2MX) not yet used in `table`."""
    while True:
        ref = _new_ref(prefix)
        if conn.execute(f"SELECT 1 FROM {table} WHERE ref = ?", (ref,)).fetchone() is None:
            return ref


def index_row(conn: Any, kind: str, item_id: str, subject_id: str, body: str) -> None:
    """(Re)write one search-index row, found through search_keys (migration 3)."""
    row = conn.execute(
        "SELECT id FROM search_keys WHERE kind = ? AND item_id = ?", (kind, item_id)
    ).fetchone()
    if row is not None:
        key = int(row[0])
        conn.execute("DELETE FROM search_index WHERE rowid = ?", (key,))
    else:
        key = int(
            conn.execute(
                "INSERT INTO search_keys (kind, item_id) VALUES (?, ?)", (kind, item_id)
            ).lastrowid
        )
    conn.execute(
        "INSERT INTO search_index (rowid, kind, item_id, subject_id, body) VALUES (?, ?, ?, ?, ?)",
        (key, kind, item_id, subject_id, body),
    )


def unindex_row(conn: Any, kind: str, item_id: str) -> None:
    row = conn.execute(
        "SELECT id FROM search_keys WHERE kind = ? AND item_id = ?", (kind, item_id)
    ).fetchone()
    if row is not None:
        conn.execute("DELETE FROM search_index WHERE rowid = ?", (row[0],))
        conn.execute("DELETE FROM search_keys WHERE id = ?", (row[0],))


def upsert_episode(
    conn: Any,
    record_id: str,
    subject_id: str,
    missing_from: str | None,
    returned_at: str | None,
    now: str,
) -> None:
    """Keep the episodes table in step with a missing-episode record (section 11 flags)."""
    row = conn.execute(
        "SELECT id FROM missing_episodes WHERE record_id = ?", (record_id,)
    ).fetchone()
    if row:
        conn.execute(
            "UPDATE missing_episodes SET missing_from = ?, returned_at = ?, updated_at = ?"
            " WHERE id = ?",
            (missing_from, returned_at, now, row[0]),
        )
    else:
        conn.execute(
            f"INSERT INTO missing_episodes ({_EPISODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            (new_id(), subject_id, record_id, missing_from, returned_at, now, now),
        )
