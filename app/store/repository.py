"""The repository: the only place in Haven that writes SQL.

Every write runs in one short transaction together with its audit entry (app.audit), so a
change and its record in the log land together or not at all. Autosave (`save_draft`) is a
single UPDATE plus the search-index row: about a millisecond on the project machine.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from app import audit
from app.audit import AuditEntry, ChainStatus
from app.domain import (
    MissingEpisode,
    OutboxItem,
    ProfileInfo,
    Record,
    RecordFilter,
    SearchHit,
    Subject,
)
from app.errors import InvalidState, NotFound
from app.store.connection import EncryptedDatabase

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
_EPISODE_COLUMNS = (
    "id, subject_id, record_id, missing_from, returned_at, interviewed_at, created_at, updated_at"
)
_OUTBOX_COLUMNS = (
    "id, record_id, message_id, recipient, recipient_label, status, attempts, next_attempt_at,"
    " last_error, last_reply, created_at, sent_at"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_ref(prefix: str) -> str:
    year = datetime.now(UTC).year
    body = "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
    return f"{prefix}-{year}-{body}"


def _record(row: Sequence[Any]) -> Record:
    values = list(row)
    values[6] = json.loads(values[6])
    return Record(*values)


def _subject(row: Sequence[Any]) -> Subject:
    return Subject(*row)


def _episode(row: Sequence[Any]) -> MissingEpisode:
    return MissingEpisode(*row)


def _outbox(row: Sequence[Any]) -> OutboxItem:
    return OutboxItem(*row)


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word a quoted prefix term."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in text).split() if w]
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words[:12])


class Repository:
    """Use-case-sized reads and writes over one profile's encrypted database."""

    def __init__(self, db: EncryptedDatabase) -> None:
        self.db = db

    # ---- settings and profile -------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        rows = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_setting(self, actor: str, key: str, value: str, *, audited: bool = True) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            if audited:
                audit.append(conn, actor, "settings-change", None, key)

    def profile_info(self) -> ProfileInfo | None:
        raw = self.get_setting("profile")
        return ProfileInfo(**json.loads(raw)) if raw else None

    def save_profile_info(self, info: ProfileInfo, *, created: bool = False) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('profile', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (json.dumps(info.__dict__),),
            )
            audit.append(
                conn,
                info.name,
                "profile-create" if created else "settings-change",
                None,
                "profile",
            )

    # ---- audit -----------------------------------------------------------------------

    def audit(
        self, actor: str, action: str, record_id: str | None = None, detail: str = ""
    ) -> None:
        with self.db.transaction() as conn:
            audit.append(conn, actor, action, record_id, detail)

    def audit_entries(self, record_id: str | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, at, actor, action, record_id, detail, prev_hash, hash FROM audit"
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " WHERE record_id = ?"
            params = (record_id,)
        return [AuditEntry(*r) for r in self.db.execute(sql + " ORDER BY seq", params)]

    def verify_audit(self) -> ChainStatus:
        with self.db.reading() as conn:
            rows = [
                tuple(r)
                for r in conn.execute(
                    "SELECT seq, at, actor, action, record_id, detail, prev_hash, hash"
                    " FROM audit ORDER BY seq"
                )
            ]
            head_row = conn.execute(
                "SELECT value FROM settings WHERE key = ?", (audit.HEAD_KEY,)
            ).fetchone()
        return audit.verify_rows(rows, str(head_row[0]) if head_row else None)

    # ---- subjects (children) ---------------------------------------------------------

    def add_subject(
        self,
        actor: str,
        name: str,
        dob: str | None = None,
        *,
        known_as: str = "",
        gender: str = "",
        local_authority: str = "",
    ) -> Subject:
        now = _now()
        subject_id = str(uuid.uuid4())
        with self.db.transaction() as conn:
            ref = self._unique_ref(conn, "subjects", "C")
            conn.execute(
                f"INSERT INTO subjects ({_SUBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (subject_id, ref, name, known_as, dob, gender, local_authority, now, now),
            )
            self._index(conn, "subject", subject_id, subject_id, f"{name} {known_as} {ref}")
            audit.append(conn, actor, "child-create", None, ref)
        return self.get_subject(subject_id)

    def update_subject(self, actor: str, subject_id: str, **fields: str | None) -> Subject:
        allowed = {"name", "known_as", "dob", "gender", "local_authority"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        current = self.get_subject(subject_id)
        merged = {**{k: getattr(current, k) for k in allowed}, **fields}
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE subjects SET name = ?, known_as = ?, dob = ?, gender = ?,"
                " local_authority = ?, updated_at = ? WHERE id = ?",
                (
                    merged["name"],
                    merged["known_as"] or "",
                    merged["dob"],
                    merged["gender"] or "",
                    merged["local_authority"] or "",
                    _now(),
                    subject_id,
                ),
            )
            self._index(
                conn,
                "subject",
                subject_id,
                subject_id,
                f"{merged['name']} {merged['known_as'] or ''} {current.ref}",
            )
            audit.append(conn, actor, "child-change", None, current.ref)
        return self.get_subject(subject_id)

    def get_subject(self, subject_id: str) -> Subject:
        rows = self.db.execute(
            f"SELECT {_SUBJECT_COLUMNS} FROM subjects WHERE id = ? OR ref = ?",
            (subject_id, subject_id),
        )
        if not rows:
            raise NotFound("There is no child with that id.")
        return _subject(rows[0])

    def list_subjects(self) -> list[Subject]:
        rows = self.db.execute(
            f"SELECT {_SUBJECT_COLUMNS} FROM subjects ORDER BY name COLLATE NOCASE"
        )
        return [_subject(r) for r in rows]

    # ---- records -----------------------------------------------------------------------

    def create_draft(
        self,
        actor: str,
        subject_id: str,
        form_id: str,
        form_version: int,
        answers: dict[str, Any],
        *,
        problem_count: int = 0,
        summary: str = "",
        parent_id: str | None = None,
        episode_id: str | None = None,
    ) -> Record:
        subject = self.get_subject(subject_id)
        now = _now()
        record_id = str(uuid.uuid4())
        with self.db.transaction() as conn:
            ref = self._unique_ref(conn, "records", "HVN")
            conn.execute(
                "INSERT INTO records (id, ref, subject_id, form_id, form_version, status,"
                " answers, problem_count, created_at, updated_at, created_by, parent_id,"
                " episode_id) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                (
                    record_id,
                    ref,
                    subject.id,
                    form_id,
                    form_version,
                    json.dumps(answers, ensure_ascii=False),
                    problem_count,
                    now,
                    now,
                    actor,
                    parent_id,
                    episode_id,
                ),
            )
            self._index(conn, "record", record_id, subject.id, f"{ref} {summary}")
            audit.append(conn, actor, "create", record_id, f"{form_id} v{form_version}")
        return self.get_record(record_id)

    def save_draft(
        self,
        actor: str,
        record_id: str,
        answers: dict[str, Any],
        *,
        problem_count: int = 0,
        summary: str = "",
        episode: tuple[str | None, str | None] | None = None,
    ) -> str:
        """The autosave path: one short transaction. Returns the saved time.

        `episode` (missing_from, returned_at) keeps the episodes table in step for forms
        whose definition maps answers onto it (`record_fields`).
        """
        now = _now()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT status, subject_id, ref FROM records WHERE id = ?", (record_id,)
            ).fetchone()
            if row is None:
                raise NotFound("There is no record with that id.")
            if row[0] != "draft":
                raise InvalidState(
                    "A completed record cannot be edited; amend it to make a new version."
                )
            conn.execute(
                "UPDATE records SET answers = ?, problem_count = ?, updated_at = ? WHERE id = ?",
                (json.dumps(answers, ensure_ascii=False), problem_count, now, record_id),
            )
            self._index(conn, "record", record_id, str(row[1]), f"{row[2]} {summary}")
            if episode is not None:
                self._upsert_episode(conn, record_id, str(row[1]), episode[0], episode[1], now)
            if not self._recent_change(conn, actor, record_id):
                audit.append(conn, actor, "change", record_id)
        return now

    def get_record(self, record_id: str, *, viewer: str | None = None) -> Record:
        """Read a record; with `viewer`, the view is audited (DPA 2018 s.62 consultation log)."""
        rows = self.db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM records WHERE id = ? OR ref = ?",
            (record_id, record_id),
        )
        if not rows:
            raise NotFound("There is no record with that id.")
        record = _record(rows[0])
        if viewer is not None:
            self.audit(viewer, "view", record.id)
        return record

    def list_records(self, flt: RecordFilter | None = None) -> list[Record]:
        flt = flt or RecordFilter()
        where: list[str] = []
        params: list[Any] = []
        if flt.subject_id:
            where.append("subject_id = ?")
            params.append(flt.subject_id)
        if flt.statuses:
            where.append(f"status IN ({', '.join('?' * len(flt.statuses))})")
            params.extend(flt.statuses)
        if flt.form_id:
            where.append("form_id = ?")
            params.append(flt.form_id)
        if not flt.include_superseded:
            where.append("superseded_by IS NULL")
        sql = f"SELECT {_RECORD_COLUMNS} FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC"
        return [_record(r) for r in self.db.execute(sql, tuple(params))]

    def complete_record(
        self, actor: str, record_id: str, answers: dict[str, Any], *, summary: str = ""
    ) -> Record:
        """Lock a validated draft (the caller has validated it with the form's engine)."""
        now = _now()
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT status, subject_id, ref, form_id FROM records WHERE id = ?", (record_id,)
            ).fetchone()
            if row is None:
                raise NotFound("There is no record with that id.")
            if row[0] != "draft":
                raise InvalidState("Only a draft can be completed.")
            conn.execute(
                "UPDATE records SET answers = ?, problem_count = 0, status = 'completed',"
                " completed_at = ?, completed_by = ?, updated_at = ? WHERE id = ?",
                (json.dumps(answers, ensure_ascii=False), now, actor, now, record_id),
            )
            self._index(conn, "record", record_id, str(row[1]), f"{row[2]} {summary}")
            audit.append(conn, actor, "complete", record_id, str(row[3]))
        return self.get_record(record_id)

    def amend_record(self, actor: str, record_id: str, reason: str) -> Record:
        """SPEC 3: a completed record is never edited in place; the amendment is a new draft."""
        if not reason.strip():
            raise InvalidState("Say why the record is being amended.")
        old = self.get_record(record_id)
        if old.is_draft:
            raise InvalidState(
                "A draft can be changed directly; only completed records are amended."
            )
        if old.superseded_by:
            raise InvalidState("This version has already been amended; amend the newest version.")
        if self.db.execute(
            "SELECT 1 FROM received WHERE kind = 'record' AND record_id = ?", (old.id,)
        ):
            raise InvalidState(
                "This record was received from another Haven and is read-only here; return "
                "it to its author to have it amended."
            )
        now = _now()
        new_id = str(uuid.uuid4())
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO records (id, ref, subject_id, form_id, form_version, status,"
                " answers, problem_count, created_at, updated_at, created_by, version,"
                " supersedes, amend_reason, parent_id, episode_id)"
                " VALUES (?, ?, ?, ?, ?, 'draft', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id,
                    f"{old.ref}-v{old.version + 1}",
                    old.subject_id,
                    old.form_id,
                    old.form_version,
                    json.dumps(old.answers, ensure_ascii=False),
                    now,
                    now,
                    actor,
                    old.version + 1,
                    old.id,
                    reason,
                    old.parent_id,
                    old.episode_id,
                ),
            )
            conn.execute("UPDATE records SET superseded_by = ? WHERE id = ?", (new_id, old.id))
            conn.execute(
                "UPDATE missing_episodes SET record_id = ? WHERE record_id = ?", (new_id, old.id)
            )
            self._unindex(conn, "record", old.id)
            self._index(conn, "record", new_id, old.subject_id, old.ref)
            audit.append(conn, actor, "amend", new_id, f"supersedes {old.id}")
        return self.get_record(new_id)

    def delete_draft(self, actor: str, record_id: str) -> None:
        record = self.get_record(record_id)
        if not record.is_draft:
            raise InvalidState("Only drafts can be deleted; completed records are kept.")
        with self.db.transaction() as conn:
            if record.supersedes:
                conn.execute(
                    "UPDATE records SET superseded_by = NULL WHERE id = ?", (record.supersedes,)
                )
                conn.execute(
                    "UPDATE missing_episodes SET record_id = ? WHERE record_id = ?",
                    (record.supersedes, record.id),
                )
            conn.execute("DELETE FROM missing_episodes WHERE record_id = ?", (record.id,))
            conn.execute("UPDATE records SET parent_id = NULL WHERE parent_id = ?", (record.id,))
            self._unindex(conn, "record", record.id)
            conn.execute("DELETE FROM records WHERE id = ?", (record.id,))
            audit.append(conn, actor, "delete", record.id, record.form_id)

    def set_status(
        self, actor: str, record_id: str, status: str, action: str, detail: str = ""
    ) -> None:
        """Advance completed -> signed -> queued -> sent; only after the step really succeeded."""
        order = {"completed": 1, "signed": 2, "queued": 3, "sent": 4}
        record = self.get_record(record_id)
        if record.is_draft or status not in order:
            raise InvalidState("That record cannot move to that state.")
        with self.db.transaction() as conn:
            if order[status] > order[record.status]:
                conn.execute(
                    "UPDATE records SET status = ?, updated_at = ? WHERE id = ?",
                    (status, _now(), record_id),
                )
            audit.append(conn, actor, action, record_id, detail)

    def review_record(self, actor: str, record_id: str, comment: str = "") -> Record:
        record = self.get_record(record_id)
        if record.is_draft:
            raise InvalidState("Only a completed record can be marked reviewed.")
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE records SET reviewed_at = ?, reviewed_by = ?, review_comment = ?"
                " WHERE id = ?",
                (_now(), actor, comment, record_id),
            )
            audit.append(conn, actor, "review", record_id)
        return self.get_record(record_id)

    def children_of(self, record_id: str, form_id: str | None = None) -> list[Record]:
        sql = f"SELECT {_RECORD_COLUMNS} FROM records WHERE parent_id = ? AND superseded_by IS NULL"
        params: tuple[Any, ...] = (record_id,)
        if form_id:
            sql += " AND form_id = ?"
            params = (record_id, form_id)
        # updated_at has one-second resolution: rowid (insertion order) breaks ties, so the
        # newest of two decisions recorded in the same second comes first (Appendix 13).
        return [
            _record(r)
            for r in self.db.execute(sql + " ORDER BY updated_at DESC, rowid DESC", params)
        ]

    # ---- missing episodes --------------------------------------------------------------

    def list_episodes(self, subject_id: str | None = None) -> list[MissingEpisode]:
        sql = f"SELECT {_EPISODE_COLUMNS} FROM missing_episodes"
        params: tuple[Any, ...] = ()
        if subject_id:
            sql += " WHERE subject_id = ?"
            params = (subject_id,)
        return [_episode(r) for r in self.db.execute(sql + " ORDER BY missing_from DESC", params)]

    def get_episode(self, episode_id: str) -> MissingEpisode:
        rows = self.db.execute(
            f"SELECT {_EPISODE_COLUMNS} FROM missing_episodes WHERE id = ? OR record_id = ?",
            (episode_id, episode_id),
        )
        if not rows:
            raise NotFound("There is no missing episode with that id.")
        return _episode(rows[0])

    def set_interviewed(self, actor: str, episode_id: str, interviewed_at: str | None) -> None:
        """Record when the return interview was held (clears the 72-hour flag); audited."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT record_id FROM missing_episodes WHERE id = ?", (episode_id,)
            ).fetchone()
            if row is None:
                raise NotFound("There is no missing episode with that id.")
            conn.execute(
                "UPDATE missing_episodes SET interviewed_at = ?, updated_at = ? WHERE id = ?",
                (interviewed_at, _now(), episode_id),
            )
            audit.append(conn, actor, "change", row[0], "return interview held")

    def _upsert_episode(
        self,
        conn: Any,
        record_id: str,
        subject_id: str,
        missing_from: str | None,
        returned_at: str | None,
        now: str,
    ) -> None:
        upsert_episode(conn, record_id, subject_id, missing_from, returned_at, now)

    # ---- search ------------------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        rows = self.db.execute(
            "SELECT kind, item_id, subject_id, snippet(search_index, 3, '[', ']', '…', 12)"
            " FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        )
        return [SearchHit(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def _index(self, conn: Any, kind: str, item_id: str, subject_id: str, body: str) -> None:
        index_row(conn, kind, item_id, subject_id, body)

    def _unindex(self, conn: Any, kind: str, item_id: str) -> None:
        unindex_row(conn, kind, item_id)

    # ---- outbox ------------------------------------------------------------------------

    def enqueue(
        self,
        actor: str,
        record_id: str | None,
        message_id: str,
        recipient: str,
        recipient_label: str,
        message: bytes,
    ) -> OutboxItem:
        """Queue a package; queuing the same message id twice keeps one item (idempotent)."""
        existing = self.db.execute("SELECT id FROM outbox WHERE message_id = ?", (message_id,))
        if existing:
            return self.get_outbox_item(str(existing[0][0]))
        item_id = str(uuid.uuid4())
        now = _now()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO outbox (id, record_id, message_id, recipient, recipient_label,"
                " message, status, attempts, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
                (item_id, record_id, message_id, recipient, recipient_label, message, now, now),
            )
            audit.append(conn, actor, "queue", record_id, recipient)
        return self.get_outbox_item(item_id)

    def get_outbox_item(self, item_id: str) -> OutboxItem:
        rows = self.db.execute(f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id = ?", (item_id,))
        if not rows:
            raise NotFound("There is no outbox item with that id.")
        return _outbox(rows[0])

    def outbox_message(self, item_id: str) -> bytes:
        rows = self.db.execute("SELECT message FROM outbox WHERE id = ?", (item_id,))
        if not rows:
            raise NotFound("There is no outbox item with that id.")
        return bytes(rows[0][0])

    def list_outbox(self, statuses: Sequence[str] = ()) -> list[OutboxItem]:
        sql = f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
        params: tuple[Any, ...] = ()
        if statuses:
            sql += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            params = tuple(statuses)
        return [_outbox(r) for r in self.db.execute(sql + " ORDER BY created_at, rowid", params)]

    def due_outbox(self, now: str) -> list[OutboxItem]:
        """Queued items whose next attempt is due, and items left 'sending' by a crash."""
        rows = self.db.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE status = 'sending'"
            " OR (status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"
            " ORDER BY created_at, rowid",
            (now,),
        )
        return [_outbox(r) for r in rows]

    def mark_sending(self, item_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE outbox SET status = 'sending' WHERE id = ?", (item_id,))

    def record_attempt(
        self,
        actor: str,
        item_id: str,
        *,
        ok: bool,
        reply_code: int | None,
        reply: str,
        next_attempt_at: str | None,
        give_up: bool = False,
    ) -> OutboxItem:
        item = self.get_outbox_item(item_id)
        now = _now()
        if ok:
            status = "sent"
        elif give_up:
            status = "failed"
        else:
            status = "queued"
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO outbox_attempts (outbox_id, at, ok, reply_code, reply)"
                " VALUES (?, ?, ?, ?, ?)",
                (item_id, now, int(ok), reply_code, reply[:2000]),
            )
            conn.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + 1, next_attempt_at = ?,"
                " last_error = ?, last_reply = ?, sent_at = ? WHERE id = ?",
                (
                    status,
                    None if ok else next_attempt_at,
                    None if ok else reply[:2000],
                    reply[:2000],
                    now if ok else None,
                    item_id,
                ),
            )
            if ok and item.record_id:
                conn.execute(
                    "UPDATE records SET status = 'sent', updated_at = ? WHERE id = ?"
                    " AND status IN ('completed', 'signed', 'queued')",
                    (now, item.record_id),
                )
            audit.append(
                conn,
                actor,
                "send" if ok else "send-failed",
                item.record_id,
                f"{item.recipient} {reply_code if reply_code is not None else ''}".strip(),
            )
        return self.get_outbox_item(item_id)

    def outbox_attempts(self, item_id: str) -> list[tuple[str, bool, int | None, str]]:
        rows = self.db.execute(
            "SELECT at, ok, reply_code, reply FROM outbox_attempts WHERE outbox_id = ? ORDER BY id",
            (item_id,),
        )
        return [(str(r[0]), bool(r[1]), r[2], str(r[3])) for r in rows]

    # ---- internals ---------------------------------------------------------------------

    def _unique_ref(self, conn: Any, table: str, prefix: str) -> str:
        return unique_ref(conn, table, prefix)

    def _recent_change(self, conn: Any, actor: str, record_id: str) -> bool:
        row = conn.execute(
            "SELECT actor, action, record_id, at FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if row is None or row[0] != actor or row[2] != record_id:
            return False
        if row[1] not in ("change", "create"):
            return False
        at = datetime.fromisoformat(str(row[3]))
        return datetime.now(UTC) - at < _CHANGE_COALESCE


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
            (str(uuid.uuid4()), subject_id, record_id, missing_from, returned_at, now, now),
        )
