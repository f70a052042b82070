"""Records and their version chain: drafts, autosave, complete, amend, delete, status.

Autosave with `defer_index` (the keystroke path, issue 11) is one UPDATE and one small
`index_pending` upsert (plus the episode row for forms that map one): neither the search
index nor the audit log is read or written there. The pending row queues the record's
index rewrite and notes that a "change" entry is owed; `index_records` writes both later
(on search, completion, section change, idle, unlock), and every other transaction here
that logs something writes what is owed first (app.store.audit_store). Because the
marker commits with the answers, a process killed right after a save still has the work
queued when it is next opened."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from app import audit
from app.errors import InvalidState, NotFound
from app.store.audit_store import AuditStore
from app.store.children_store import ChildrenStore
from app.store.episodes_store import EpisodesStore
from app.store.rows import (
    _RECORD_COLUMNS,
    _now,
    _record,
    new_id,
    unique_ref,
)

if TYPE_CHECKING:
    from app.record_values import Record, RecordFilter


class RecordsStore(ChildrenStore, EpisodesStore, AuditStore):
    """Records and their version chain: drafts, autosave, complete, amend, delete, status."""

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
        record_id = new_id()
        with self.db.transaction() as conn:
            self._write_owed_audit(conn)
            ref = unique_ref(conn, "records", "HVN")
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
        defer_index: bool = False,
    ) -> str:
        """The autosave path: one short transaction. Returns the saved time.

        `episode` (missing_from, returned_at) keeps the episodes table in step for forms
        whose definition maps answers onto it (`record_fields`). With `defer_index` the
        search-index row is queued (index_pending) rather than rewritten and the audit
        "change" entry is owed in the same row; `summary` is then unused, the caller
        summarises when it drains the queue. Without it (not a keystroke: a new record's
        first save, completion) both are written here.
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
            if defer_index:
                # The first unaudited change's actor and time stay until the entry is
                # written; later saves only bump the version the index drain compares.
                conn.execute(
                    "INSERT INTO index_pending (record_id, audit_actor, audit_at)"
                    " VALUES (?, ?, ?) ON CONFLICT(record_id) DO UPDATE SET seq = seq + 1,"
                    " audit_actor = coalesce(audit_actor, excluded.audit_actor),"
                    " audit_at = coalesce(audit_at, excluded.audit_at)",
                    (record_id, actor, audit.now_utc()),
                )
            else:
                self._index(conn, "record", record_id, str(row[1]), f"{row[2]} {summary}")
            if episode is not None:
                self._upsert_episode(conn, record_id, str(row[1]), episode[0], episode[1], now)
            if not defer_index:
                self._write_owed_audit(conn)
                self._change_entry(conn, actor, record_id, audit.now_utc())
        return now

    def pending_index(self) -> list[tuple[str, int]]:
        """Records whose search-index row autosave queued: (record id, queue version)."""
        return [
            (str(r[0]), int(r[1]))
            for r in self.db.execute("SELECT record_id, seq FROM index_pending ORDER BY seq")
        ]

    def index_records(self, entries: list[tuple[str, int, str | None]]) -> None:
        """Write queued index rows: (record id, queue version read, summary or None).

        One transaction for the lot. A marker is cleared only if no save queued the record
        again since it was read (its version is unchanged), so a save racing the drain is
        indexed by the next one. None drops the marker of a record that no longer exists.
        The owed audit entries are written first, in the same transaction, so clearing a
        marker never drops one.
        """
        with self.db.transaction() as conn:
            self._write_owed_audit(conn)
            for record_id, seq, summary in entries:
                if summary is not None:
                    row = conn.execute(
                        "SELECT subject_id, ref, superseded_by FROM records WHERE id = ?",
                        (record_id,),
                    ).fetchone()
                    if row is not None and row[2] is None:
                        self._index(conn, "record", record_id, str(row[0]), f"{row[1]} {summary}")
                conn.execute(
                    "DELETE FROM index_pending WHERE record_id = ? AND seq = ?", (record_id, seq)
                )

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
        if flt is None:
            from app.record_values import RecordFilter  # made when first used (app.domain says why)

            flt = RecordFilter()
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
            self._write_owed_audit(conn)
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
            conn.execute("DELETE FROM index_pending WHERE record_id = ?", (record_id,))
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
        amended_id = new_id()
        with self.db.transaction() as conn:
            self._write_owed_audit(conn)
            conn.execute(
                "INSERT INTO records (id, ref, subject_id, form_id, form_version, status,"
                " answers, problem_count, created_at, updated_at, created_by, version,"
                " supersedes, amend_reason, parent_id, episode_id)"
                " VALUES (?, ?, ?, ?, ?, 'draft', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    amended_id,
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
            conn.execute("UPDATE records SET superseded_by = ? WHERE id = ?", (amended_id, old.id))
            conn.execute(
                "UPDATE missing_episodes SET record_id = ? WHERE record_id = ?",
                (amended_id, old.id),
            )
            self._unindex(conn, "record", old.id)
            self._index(conn, "record", amended_id, old.subject_id, old.ref)
            audit.append(conn, actor, "amend", amended_id, f"supersedes {old.id}")
        return self.get_record(amended_id)

    def delete_draft(self, actor: str, record_id: str) -> None:
        record = self.get_record(record_id)
        if not record.is_draft:
            raise InvalidState("Only drafts can be deleted; completed records are kept.")
        with self.db.transaction() as conn:
            self._write_owed_audit(conn)  # the draft's changes are logged before its deletion
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
            conn.execute("DELETE FROM index_pending WHERE record_id = ?", (record.id,))
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
            self._write_owed_audit(conn)
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
            self._write_owed_audit(conn)
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
