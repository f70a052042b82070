"""The audit log: append (with the change it records) and verify the hash chain."""

from __future__ import annotations

from typing import Any

from app import audit
from app.audit import AuditEntry, ChainStatus
from app.store.base import Store


class AuditStore(Store):
    """The audit log: append (with the change it records) and verify the hash chain."""

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
