"""The outbox: queued packages (stored encrypted), send attempts and their replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app import audit
from app.errors import NotFound
from app.store.base import Store
from app.store.rows import (
    _OUTBOX_COLUMNS,
    _now,
    _outbox,
    new_id,
)

if TYPE_CHECKING:
    from app.record_values import OutboxItem


class OutboxStore(Store):
    """The outbox: queued packages (stored encrypted), send attempts and their replies."""

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
        item_id = new_id()
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
