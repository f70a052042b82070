"""The audit log: who created, viewed, changed, completed, exported, sent or deleted what.

SPEC.md section 3 and DPA 2018 s.62: every action on a record is logged with time, user,
action and record id, never with answer content. Each entry's hash covers the previous
entry's hash, so editing, removing or reordering an entry breaks the chain; the chain's
head (last sequence number and hash) is kept in settings so that cutting entries off the
end is detected too. Entries are written inside the same transaction as the change they
record, so there is never a change without its entry, or an entry without its change.
Autosave is the exception that keeps the rule: its keystroke transaction commits, with the
answers, a note that the coalesced "change" entry is owed (who, and since when), and the
entry is written from that note before anything else is logged or the log is read
(app.store.audit_store).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
HEAD_KEY = "audit_head"

ACTIONS = frozenset(
    {
        "profile-create",
        "unlock",
        "lock",
        "passphrase-change",
        "rekey",
        "keychain-on",
        "keychain-off",
        "recovery-key-set",
        "child-create",
        "child-change",
        "create",
        "view",
        "change",
        "validate",
        "alert-shown",
        "complete",
        "amend",
        "review",
        "return",
        "receive",
        "receive-refused",
        "returned",
        "child-link",
        "delete",
        "share-decision",
        "export",
        "sign",
        "queue",
        "send",
        "send-failed",
        "purge",
        "backup",
        "restore",
        "report",
        "settings-change",
    }
)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    record_id: str | None
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainStatus:
    """The result of checking the chain; `problem` names the first bad entry, no content."""

    ok: bool
    entries: int
    problem: str = ""


def entry_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, record_id: str | None, detail: str
) -> str:
    body = json.dumps(
        [prev_hash, seq, at, actor, action, record_id, detail],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def append(
    conn: Any,
    actor: str,
    action: str,
    record_id: str | None,
    detail: str = "",
    *,
    at: str | None = None,
) -> int:
    """Append one entry using an open transaction's connection; returns its sequence number.

    `detail` must hold no personal data: recipients' functional mailboxes, reasons codes,
    form ids and counts are fine; names and answers are not. `at` is for an entry owed
    since an earlier moment (autosave's "change", written after the keystroke by
    app.store.audit_store): it carries the time the change was made, not written.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    # Chain from the recorded head, not from whatever row is last now: if entries were cut
    # off the end, the next entry must leave a visible gap rather than heal the chain.
    head = conn.execute("SELECT value FROM settings WHERE key = ?", (HEAD_KEY,)).fetchone()
    row = (
        str(head[0]).split(":", 1)
        if head
        else conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    )
    seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
    at = at or now_utc()
    digest = entry_hash(prev, seq, at, actor, action, record_id, detail)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, record_id, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, record_id, detail, prev, digest),
    )
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (HEAD_KEY, f"{seq}:{digest}"),
    )
    return seq


def verify_rows(rows: list[tuple[Any, ...]], head: str | None) -> ChainStatus:
    """Check rows (seq, at, actor, action, record_id, detail, prev_hash, hash) in seq order."""
    prev = GENESIS
    expected_seq = 1
    for row in rows:
        seq, at, actor, action, record_id, detail, prev_hash, digest = row
        if seq != expected_seq:
            return ChainStatus(False, len(rows), f"entry {expected_seq} is missing or out of order")
        if prev_hash != prev:
            return ChainStatus(False, len(rows), f"entry {seq} does not follow entry {seq - 1}")
        if entry_hash(prev_hash, seq, at, actor, action, record_id, detail) != digest:
            return ChainStatus(False, len(rows), f"entry {seq} was changed")
        prev = digest
        expected_seq += 1
    last = f"{expected_seq - 1}:{prev}" if rows else None
    if head != last:
        return ChainStatus(False, len(rows), "entries were removed from the end of the log")
    return ChainStatus(True, len(rows))
