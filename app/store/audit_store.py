"""The audit log: append (with the change it records) and verify the hash chain.

Autosave's "change" entries are owed, not written, by the keystroke's transaction (issue
11): it notes in the record's `index_pending` row who changed it and when the first
unaudited change was (`audit_actor`, `audit_at`, set only when not set already). The entry
is written, with that time, by `write_owed_audit` or inside any transaction of the stores
that appends for a record, completes, deletes or drains the search index, so the log keeps
its order and a change killed right after its save is logged when the profile is next
opened. Reading or verifying the log writes what is owed first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app import audit
from app.audit import AuditEntry, ChainStatus
from app.store.base import Store
from app.store.rows import _CHANGE_COALESCE

_OWED_SQL = (
    "SELECT record_id, audit_actor, audit_at FROM index_pending"
    " WHERE audit_at IS NOT NULL ORDER BY audit_at, record_id"
)


class AuditStore(Store):
    """The audit log: append (with the change it records) and verify the hash chain."""

    def audit(
        self, actor: str, action: str, record_id: str | None = None, detail: str = ""
    ) -> None:
        with self.db.transaction() as conn:
            self._write_owed_audit(conn)
            audit.append(conn, actor, action, record_id, detail)

    def audit_entries(self, record_id: str | None = None) -> list[AuditEntry]:
        self.write_owed_audit()
        sql = "SELECT seq, at, actor, action, record_id, detail, prev_hash, hash FROM audit"
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " WHERE record_id = ?"
            params = (record_id,)
        return [AuditEntry(*r) for r in self.db.execute(sql + " ORDER BY seq", params)]

    def verify_audit(self) -> ChainStatus:
        self.write_owed_audit()
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

    def write_owed_audit(self) -> int:
        """Write the "change" entries autosave owes; returns how many were owed.

        Needs no form definitions, so it runs wherever the log is read (and from
        `Haven.flush_pending`). A read first keeps it from taking the write lock for
        nothing on every call.
        """
        if not self.db.execute("SELECT 1 FROM index_pending WHERE audit_at IS NOT NULL LIMIT 1"):
            return 0
        with self.db.transaction() as conn:
            return self._write_owed_audit(conn)

    def _write_owed_audit(self, conn: Any) -> int:
        """Inside a write transaction: append every owed "change" entry, then forget it.

        Reading, deciding and clearing in the caller's transaction is what keeps a save
        from being lost: a save waits for the transaction and marks its change owed
        again afterwards (the marker is only ever set when empty).
        """
        owed = conn.execute(_OWED_SQL).fetchall()
        for record_id, actor, at in owed:
            self._change_entry(conn, str(actor), str(record_id), str(at))
            conn.execute(
                "UPDATE index_pending SET audit_actor = NULL, audit_at = NULL WHERE record_id = ?",
                (record_id,),
            )
        return len(owed)

    def _change_entry(self, conn: Any, actor: str, record_id: str, at: str) -> None:
        """A "change" entry made at `at`, unless the log's last entry already says so.

        The rule autosave always had: one entry per record, user and five minutes while
        nothing else is logged between, judged at the time of the change.
        """
        row = conn.execute(
            "SELECT actor, action, record_id, at FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if (
            row is not None
            and row[0] == actor
            and row[2] == record_id
            and row[1] in ("change", "create")
            and datetime.fromisoformat(at) - datetime.fromisoformat(str(row[3])) < _CHANGE_COALESCE
        ):
            return
        audit.append(conn, actor, "change", record_id, at=at)
