"""SQL for what other Haven profiles sent here: received packages, filed records, links.

A store of its own over the profile's one connection (the Repository keeps settings,
children, records, episodes, search and the outbox). Every write lands in one
transaction with its audit entry, as in the Repository: a record is never filed without
the log saying who sent it, and a package is never marked reviewed or returned without
the log saying who decided.

Filed records are ordinary `records` rows in state 'completed' with the sender's record
id, so a second copy of the same package, or of the same record, is recognised by id and
never stored twice; the row in `received` says where it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app import audit
from app.domain import ReceivedPackage
from app.errors import InvalidState, NotFound
from app.store.connection import EncryptedDatabase
from app.store.rows import index_row, unindex_row, unique_ref, upsert_episode

_COLUMNS = (
    "id, package_id, message_id, kind, state, record_id, origin_record_id, origin_subject_id,"
    " version, form_id, form_version, sender_name, sender_email, signer_name,"
    " signer_fingerprint, signer_certificate, signed_at, received_at, note, decided_at,"
    " decided_by"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _received(row: Sequence[Any]) -> ReceivedPackage:
    return ReceivedPackage(*row)


@dataclass(frozen=True)
class Provenance:
    """What a verified package says about itself and its signer, ready to store."""

    id: str
    package_id: str
    message_id: str
    kind: str
    origin_record_id: str
    origin_subject_id: str
    version: int
    form_id: str
    form_version: int
    sender_name: str
    sender_email: str
    signer_name: str
    signer_fingerprint: str
    signer_certificate: str
    signed_at: str | None


@dataclass(frozen=True)
class ChildDetails:
    name: str
    known_as: str
    dob: str | None
    gender: str
    local_authority: str


@dataclass(frozen=True)
class Filing:
    """How a received record becomes a local, read-only record.

    Exactly one of `subject_id` (a child confirmed or linked before) and `new_child`.
    `episode` (missing_from, returned_at) keeps the episodes table in step for
    missing-episode forms; `closes_episode_of` is the record id of the episode a return
    interview closes, with `interviewed_at`.
    """

    subject_id: str | None
    new_child: ChildDetails | None
    record_id: str
    record_ref: str
    answers: Mapping[str, Any]
    created_by: str
    completed_at: str | None
    completed_by: str | None
    version: int
    supersedes: str | None
    amend_reason: str | None
    summary: str
    episode: tuple[str | None, str | None] | None = None
    closes_episode_of: str | None = None
    interviewed_at: str | None = None


class ReceivedStore:
    """Reads and writes of received packages over one profile's encrypted database."""

    def __init__(self, db: EncryptedDatabase) -> None:
        self.db = db

    # ---- reads ---------------------------------------------------------------------------

    def get(self, received_id: str) -> ReceivedPackage:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM received WHERE id = ?", (received_id,))
        if not rows:
            raise NotFound("There is no received package with that id.")
        return _received(rows[0])

    def by_package(self, package_id: str) -> ReceivedPackage | None:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM received WHERE package_id = ?", (package_id,)
        )
        return _received(rows[0]) if rows else None

    def for_record(self, record_id: str) -> ReceivedPackage | None:
        """The package a local record was filed from (None: written here)."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM received WHERE kind = 'record' AND record_id = ?"
            " ORDER BY received_at DESC, rowid DESC LIMIT 1",
            (record_id,),
        )
        return _received(rows[0]) if rows else None

    def returns_for(self, record_id: str) -> list[ReceivedPackage]:
        """Returns received for a record written here, newest first."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM received WHERE kind = 'return' AND record_id = ?"
            " ORDER BY received_at DESC, rowid DESC",
            (record_id,),
        )
        return [_received(r) for r in rows]

    def list(self, states: Sequence[str] = (), kind: str | None = None) -> list[ReceivedPackage]:
        where: list[str] = []
        params: list[Any] = []
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        sql = f"SELECT {_COLUMNS} FROM received"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            _received(r)
            for r in self.db.execute(sql + " ORDER BY received_at, rowid", tuple(params))
        ]

    def payload(self, received_id: str) -> dict[str, Any]:
        rows = self.db.execute("SELECT payload FROM received WHERE id = ?", (received_id,))
        if not rows:
            raise NotFound("There is no received package with that id.")
        value = json.loads(str(rows[0][0]))
        return value if isinstance(value, dict) else {}

    def pdf(self, received_id: str) -> bytes | None:
        rows = self.db.execute("SELECT pdf FROM received WHERE id = ?", (received_id,))
        if not rows:
            raise NotFound("There is no received package with that id.")
        return bytes(rows[0][0]) if rows[0][0] is not None else None

    def linked_subject(self, fingerprint: str, origin_subject_id: str) -> str | None:
        """The local child a sender's child was filed under before, if any."""
        rows = self.db.execute(
            "SELECT subject_id FROM subject_links"
            " WHERE origin_fingerprint = ? AND origin_subject_id = ?",
            (fingerprint, origin_subject_id),
        )
        return str(rows[0][0]) if rows else None

    def record_exists(self, record_id: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)))

    # ---- writes --------------------------------------------------------------------------

    def hold(
        self, actor: str, prov: Provenance, payload: Mapping[str, Any], pdf: bytes | None
    ) -> ReceivedPackage:
        """Keep a verified package until someone confirms which child it is about."""
        with self.db.transaction() as conn:
            self._insert(conn, prov, "awaiting-child", None, payload, pdf)
            audit.append(conn, actor, "receive", None, f"package {prov.package_id} held")
        return self.get(prov.id)

    def file_record(
        self,
        actor: str,
        prov: Provenance,
        payload: Mapping[str, Any],
        pdf: bytes | None,
        filing: Filing,
    ) -> ReceivedPackage:
        """Store the record read-only under its child, with its provenance, in one step."""
        now = _now()
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM records WHERE id = ?", (filing.record_id,)).fetchone():
                raise InvalidState("That record is already here.")
            subject_id = filing.subject_id
            if subject_id is None:
                if filing.new_child is None:
                    raise InvalidState("Say which child the record is about.")
                subject_id = self._new_subject(conn, actor, filing.new_child, now)
            elif (
                conn.execute("SELECT 1 FROM subjects WHERE id = ?", (subject_id,)).fetchone()
                is None
            ):
                raise NotFound("There is no child with that id.")
            conn.execute(
                "INSERT OR REPLACE INTO subject_links"
                " (origin_fingerprint, origin_subject_id, subject_id) VALUES (?, ?, ?)",
                (prov.signer_fingerprint, prov.origin_subject_id, subject_id),
            )
            ref = filing.record_ref
            taken = conn.execute("SELECT 1 FROM records WHERE ref = ?", (ref,)).fetchone()
            if taken:
                ref = unique_ref(conn, "records", "HVN")
            supersedes = filing.supersedes
            if (
                supersedes is not None
                and not conn.execute(
                    "SELECT 1 FROM records WHERE id = ? AND superseded_by IS NULL", (supersedes,)
                ).fetchone()
            ):
                supersedes = None
            conn.execute(
                "INSERT INTO records (id, ref, subject_id, form_id, form_version, status,"
                " answers, problem_count, created_at, updated_at, created_by, completed_at,"
                " completed_by, version, supersedes, amend_reason)"
                " VALUES (?, ?, ?, ?, ?, 'completed', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    filing.record_id,
                    ref,
                    subject_id,
                    prov.form_id,
                    prov.form_version,
                    json.dumps(dict(filing.answers), ensure_ascii=False),
                    now,
                    now,
                    filing.created_by,
                    filing.completed_at,
                    filing.completed_by,
                    filing.version,
                    supersedes,
                    filing.amend_reason,
                ),
            )
            if supersedes is not None:
                conn.execute(
                    "UPDATE records SET superseded_by = ? WHERE id = ?",
                    (filing.record_id, supersedes),
                )
                conn.execute(
                    "UPDATE missing_episodes SET record_id = ? WHERE record_id = ?",
                    (filing.record_id, supersedes),
                )
                conn.execute(
                    "UPDATE received SET state = 'superseded' WHERE kind = 'record'"
                    " AND record_id = ? AND state IN ('awaiting-review', 'reviewed', 'returned')",
                    (supersedes,),
                )
                unindex_row(conn, "record", supersedes)
            index_row(conn, "record", filing.record_id, subject_id, f"{ref} {filing.summary}")
            if filing.episode is not None:
                upsert_episode(
                    conn, filing.record_id, subject_id, filing.episode[0], filing.episode[1], now
                )
            if filing.closes_episode_of and filing.interviewed_at:
                conn.execute(
                    "UPDATE missing_episodes SET interviewed_at = ?, updated_at = ?"
                    " WHERE record_id = ? AND interviewed_at IS NULL",
                    (filing.interviewed_at, now, filing.closes_episode_of),
                )
            if conn.execute("SELECT 1 FROM received WHERE id = ?", (prov.id,)).fetchone():
                conn.execute(
                    "UPDATE received SET state = 'awaiting-review', record_id = ? WHERE id = ?",
                    (filing.record_id, prov.id),
                )
                audit.append(conn, actor, "child-link", filing.record_id, ref)
            else:
                self._insert(conn, prov, "awaiting-review", filing.record_id, payload, pdf)
            audit.append(
                conn,
                actor,
                "receive",
                filing.record_id,
                f"{prov.form_id} v{prov.form_version} version {filing.version}"
                f" signed {prov.signer_fingerprint[:23]}",
            )
        return self.get(prov.id)

    def record_return(
        self, actor: str, prov: Provenance, payload: Mapping[str, Any], record_id: str
    ) -> ReceivedPackage:
        """A DSL returned a record written here: it now needs amending (audited)."""
        with self.db.transaction() as conn:
            self._insert(conn, prov, "applied", record_id, payload, None)
            audit.append(
                conn,
                actor,
                "returned",
                record_id,
                f"returned by {prov.signer_fingerprint[:23]} package {prov.package_id}",
            )
        return self.get(prov.id)

    def decide(
        self, actor: str, received_id: str, state: str, note: str, action: str
    ) -> ReceivedPackage:
        """Mark a received record reviewed or returned, with the DSL's note (audited)."""
        current = self.get(received_id)
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE received SET state = ?, note = ?, decided_at = ?, decided_by = ?"
                " WHERE id = ?",
                (state, note, _now(), actor, received_id),
            )
            if state == "reviewed" and current.record_id:
                conn.execute(
                    "UPDATE records SET reviewed_at = ?, reviewed_by = ?, review_comment = ?"
                    " WHERE id = ?",
                    (_now(), actor, note, current.record_id),
                )
            audit.append(conn, actor, action, current.record_id, f"package {current.package_id}")
        return self.get(received_id)

    def refused(self, actor: str, reason: str) -> None:
        """Audit a refused package: the reason code only (what was in it is not trusted)."""
        with self.db.transaction() as conn:
            audit.append(conn, actor, "receive-refused", None, reason)

    # ---- internals ---------------------------------------------------------------------

    def _insert(
        self,
        conn: Any,
        prov: Provenance,
        state: str,
        record_id: str | None,
        payload: Mapping[str, Any],
        pdf: bytes | None,
    ) -> None:
        conn.execute(
            f"INSERT INTO received ({_COLUMNS}, payload, pdf) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, NULL, ?, ?)",
            (
                prov.id,
                prov.package_id,
                prov.message_id,
                prov.kind,
                state,
                record_id,
                prov.origin_record_id,
                prov.origin_subject_id,
                prov.version,
                prov.form_id,
                prov.form_version,
                prov.sender_name,
                prov.sender_email,
                prov.signer_name,
                prov.signer_fingerprint,
                prov.signer_certificate,
                prov.signed_at,
                _now(),
                json.dumps(dict(payload), ensure_ascii=False),
                pdf,
            ),
        )

    def _new_subject(self, conn: Any, actor: str, child: ChildDetails, now: str) -> str:
        import uuid

        subject_id = str(uuid.uuid4())
        ref = unique_ref(conn, "subjects", "C")
        conn.execute(
            "INSERT INTO subjects (id, ref, name, known_as, dob, gender, local_authority,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                subject_id,
                ref,
                child.name,
                child.known_as,
                child.dob,
                child.gender,
                child.local_authority,
                now,
                now,
            ),
        )
        index_row(conn, "subject", subject_id, subject_id, f"{child.name} {child.known_as} {ref}")
        audit.append(conn, actor, "child-create", None, ref)
        return subject_id
