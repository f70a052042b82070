"""SQL for retention (SPEC 3): which records belong together, and deleting them for good.

A record is never purged on its own. Its whole version chain (supersedes/superseded_by),
the records started from it (parent_id: its sharing decisions, a risk assessment started
from a screening) and the records of the same missing episode (a return interview) form
one `RetentionUnit`: deleting part of it would leave a decision about a record that no
longer exists, or a foreign key pointing nowhere. A unit goes in one transaction with
one `purge` audit entry per record, whose detail holds a hash of the record id, the form
and dates, never a name, a reference or an answer.

Nothing here decides WHEN a unit is due: that is app.retention's policy, passed in as
`still_due` and asked again inside the deleting transaction, so a record that changed
since the list was made (a new sharing decision, an amendment) is not purged on the
strength of a stale list.

After the deletions `compact` rebuilds the full-text index (FTS5 keeps deleted terms in
older segments until they are merged) and VACUUMs, so no page of the file still holds
the purged text; secure_delete (app.store.connection) zeroes freed space meanwhile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app import audit
from app.store.connection import EncryptedDatabase
from app.store.rows import unindex_row

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def opaque_id(value: str) -> str:
    """What the audit keeps of a purged record's or child's id: sha256, 16 hex digits."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def stamp(value: object) -> datetime | None:
    """A store timestamp as an aware UTC datetime (stamps without a zone are UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class RecordFacts:
    """What retention needs to know of one record; no answers."""

    id: str
    ref: str
    subject_id: str
    form_id: str
    status: str
    version: int
    created_at: str
    updated_at: str
    supersedes: str | None
    superseded_by: str | None
    parent_id: str | None
    episode_id: str | None
    received_state: str | None  # the state of the package it was filed from, if received


@dataclass(frozen=True)
class RetentionUnit:
    """Records kept or purged together, with the rows that hang off them."""

    records: tuple[RecordFacts, ...]  # oldest first
    episode_ids: tuple[str, ...]
    outbox_ids: tuple[str, ...]
    received_ids: tuple[str, ...]
    subject_ids: tuple[str, ...]
    last_action: datetime

    @property
    def key(self) -> str:
        """A stable name for the unit while nothing in it changes: its smallest record id."""
        return min(r.id for r in self.records)

    def record_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.records)

    def chains(self) -> list[tuple[RecordFacts, ...]]:
        """Version chains, oldest version first; a chain's last element is its head."""
        by_id = {r.id: r for r in self.records}
        out: list[tuple[RecordFacts, ...]] = []
        for record in self.records:
            if record.supersedes is not None and record.supersedes in by_id:
                continue  # not the first version of its chain
            chain = [record]
            seen = {record.id}
            while chain[-1].superseded_by in by_id and chain[-1].superseded_by not in seen:
                nxt = by_id[str(chain[-1].superseded_by)]
                chain.append(nxt)
                seen.add(nxt.id)
            out.append(tuple(chain))
        return out


@dataclass(frozen=True)
class PurgedUnit:
    unit: RetentionUnit
    children: int  # children (subjects) left with nothing, purged with the unit


class _Groups:
    """Union-find over record ids."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, a: str | None, b: str | None) -> None:
        if a is None or b is None or a not in self.parent or b not in self.parent:
            return
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class PurgeStore:
    """Reads of retention units and their deletion, over one profile's encrypted database."""

    def __init__(self, db: EncryptedDatabase) -> None:
        self.db = db

    def units(self) -> list[RetentionUnit]:
        with self.db.reading() as conn:
            return _load_units(conn)

    def unit(self, key: str) -> RetentionUnit | None:
        """The unit holding record `key` as it is now (None: no such record)."""
        with self.db.reading() as conn:
            return _load_unit(conn, key)

    def purge_unit(
        self,
        actor: str,
        key: str,
        still_due: Callable[[RetentionUnit], str | None],
    ) -> PurgedUnit | None:
        """Delete the unit that holds record `key`, if `still_due` says why (else None).

        `still_due` sees the unit as it is inside this transaction and returns the reason
        for the audit entries (e.g. "sent 12 months"), or None to keep it.
        """
        with self.db.transaction() as conn:
            unit = _load_unit(conn, key)
            if unit is None:
                return None
            reason = still_due(unit)
            if reason is None:
                return None
            children = _delete_unit(conn, actor, unit, reason)
        return PurgedUnit(unit, children)

    def compact(self) -> None:
        """Leave no trace of deleted rows in any page: rebuild the index, VACUUM, checkpoint.

        VACUUM cannot run inside a transaction; it takes the connection's lock for its
        whole run, so the window's autosave waits for it (purges are rare and run off the
        UI thread).
        """
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO search_index (search_index) VALUES ('rebuild')")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


_RECORD_SQL = (
    "SELECT id, ref, subject_id, form_id, status, version, created_at, updated_at,"
    " supersedes, superseded_by, parent_id, episode_id, completed_at, reviewed_at, rowid"
    " FROM records"
)
_RECEIVED_SQL = (
    "SELECT id, kind, state, record_id, received_at, decided_at FROM received"
    " WHERE record_id IS NOT NULL"
)
_EPISODE_SQL = "SELECT id, subject_id, record_id, created_at, updated_at FROM missing_episodes"
_OUTBOX_SQL = (
    "SELECT o.id, o.record_id, o.created_at, o.sent_at,"
    " (SELECT MAX(a.at) FROM outbox_attempts a WHERE a.outbox_id = o.id) FROM outbox o"
    " WHERE o.record_id IS NOT NULL"
)


@dataclass
class _Rows:
    """Raw rows of the tables a unit spans (all of them, or one unit's)."""

    records: list[Any]
    received: list[Any]
    episodes: list[Any]
    outbox: list[Any]


def _load_units(conn: Any) -> list[RetentionUnit]:
    return _assemble(
        _Rows(
            records=list(conn.execute(_RECORD_SQL + " ORDER BY created_at, version, rowid")),
            received=list(conn.execute(_RECEIVED_SQL + " ORDER BY received_at, rowid")),
            episodes=list(conn.execute(_EPISODE_SQL)),
            outbox=list(conn.execute(_OUTBOX_SQL)),
        )
    )


def _load_unit(conn: Any, key: str) -> RetentionUnit | None:
    """The unit holding record `key`, found by walking its links (not reading every row).

    Each step is one query per record, so re-checking a unit inside its deleting
    transaction costs about the unit's size, not the store's.
    """
    records: dict[str, Any] = {}
    episodes: dict[str, Any] = {}
    frontier = [key]
    while frontier:
        rid = frontier.pop()
        if rid in records:
            continue
        row = conn.execute(_RECORD_SQL + " WHERE id = ?", (rid,)).fetchone()
        if row is None:
            continue
        records[rid] = row
        frontier.extend(str(v) for v in (row[8], row[9], row[10]) if v is not None)
        frontier.extend(
            str(r[0])
            for r in conn.execute(
                "SELECT id FROM records WHERE supersedes = ? OR superseded_by = ? OR parent_id = ?",
                (rid, rid, rid),
            )
        )
        linked = list(conn.execute(_EPISODE_SQL + " WHERE record_id = ? OR id = ?", (rid, row[11])))
        for episode in linked:
            episodes[str(episode[0])] = episode
            if episode[2] is not None:
                frontier.append(str(episode[2]))
            frontier.extend(
                str(r[0])
                for r in conn.execute("SELECT id FROM records WHERE episode_id = ?", (episode[0],))
            )
    if key not in records:
        return None
    ordered = sorted(records.values(), key=lambda r: (str(r[6]), int(r[5]), int(r[14])))
    received: list[Any] = []
    outbox: list[Any] = []
    for rid in (str(r[0]) for r in ordered):
        received.extend(
            conn.execute(_RECEIVED_SQL + " AND record_id = ? ORDER BY received_at, rowid", (rid,))
        )
        outbox.extend(conn.execute(_OUTBOX_SQL + " AND o.record_id = ?", (rid,)))
    received.sort(key=lambda r: str(r[4]))
    units = _assemble(_Rows(ordered, received, list(episodes.values()), outbox))
    return next((u for u in units if key in u.record_ids()), None)


def _assemble(rows: _Rows) -> list[RetentionUnit]:
    """Group records into units (union-find over their links) with their other rows."""
    received_state: dict[str, str] = {}
    received_by_record: dict[str, list[str]] = {}
    times: dict[str, list[datetime | None]] = {}

    def touch(record_id: str, *values: object) -> None:
        times.setdefault(record_id, []).extend(stamp(v) for v in values)

    for rid, kind, state, record_id, received_at, decided_at in rows.received:
        received_by_record.setdefault(str(record_id), []).append(str(rid))
        if kind == "record":
            received_state[str(record_id)] = str(state)  # the newest package wins
        touch(str(record_id), received_at, decided_at)

    records: dict[str, RecordFacts] = {}
    for row in rows.records:
        facts = RecordFacts(
            id=str(row[0]),
            ref=str(row[1]),
            subject_id=str(row[2]),
            form_id=str(row[3]),
            status=str(row[4]),
            version=int(row[5]),
            created_at=str(row[6]),
            updated_at=str(row[7]),
            supersedes=row[8],
            superseded_by=row[9],
            parent_id=row[10],
            episode_id=row[11],
            received_state=received_state.get(str(row[0])),
        )
        records[facts.id] = facts
        touch(facts.id, row[6], row[7], row[12], row[13])

    groups = _Groups(records)
    episodes: dict[str, tuple[str, str | None]] = {}  # id -> (subject_id, owning record)
    for eid, subject_id, record_id, created_at, updated_at in rows.episodes:
        episodes[str(eid)] = (str(subject_id), record_id)
        if record_id is not None and record_id in records:
            touch(str(record_id), created_at, updated_at)
    for record in records.values():
        groups.join(record.id, record.supersedes)
        groups.join(record.id, record.superseded_by)
        groups.join(record.id, record.parent_id)
        if record.episode_id is not None and record.episode_id in episodes:
            groups.join(record.id, episodes[record.episode_id][1])
    by_episode: dict[str, str] = {}
    for record in records.values():
        # Records of the same episode go together even when the episode has no owner.
        if record.episode_id is not None:
            groups.join(record.id, by_episode.setdefault(record.episode_id, record.id))

    outbox_of: dict[str, list[str]] = {}
    for oid, record_id, created_at, sent_at, last_attempt in rows.outbox:
        if record_id in records:
            outbox_of.setdefault(str(record_id), []).append(str(oid))
            touch(str(record_id), created_at, sent_at, last_attempt)

    members: dict[str, list[RecordFacts]] = {}
    for record in records.values():
        members.setdefault(groups.find(record.id), []).append(record)
    episodes_of: dict[str, list[str]] = {}
    for eid, (_subject, owner) in episodes.items():
        if owner is not None and owner in records:
            episodes_of.setdefault(groups.find(owner), []).append(eid)
    for record in records.values():
        # An episode with no owning record goes with the records that point at it.
        episode = episodes.get(record.episode_id or "")
        if episode is not None and (episode[1] is None or episode[1] not in records):
            listed = episodes_of.setdefault(groups.find(record.id), [])
            if record.episode_id not in listed:
                listed.append(str(record.episode_id))

    units: list[RetentionUnit] = []
    for root, group in members.items():
        ids = [r.id for r in group]
        episode_ids = tuple(sorted(episodes_of.get(root, ())))
        moments = [m for i in ids for m in times.get(i, ()) if m is not None]
        subjects = {r.subject_id for r in group} | {episodes[e][0] for e in episode_ids}
        units.append(
            RetentionUnit(
                records=tuple(group),
                episode_ids=episode_ids,
                outbox_ids=tuple(sorted(o for i in ids for o in outbox_of.get(i, ()))),
                received_ids=tuple(sorted(x for i in ids for x in received_by_record.get(i, ()))),
                subject_ids=tuple(sorted(subjects)),
                last_action=max(moments, default=_EPOCH),
            )
        )
    return units


def _delete_unit(conn: Any, actor: str, unit: RetentionUnit, reason: str) -> int:
    """Delete every row of the unit; returns how many children went with it."""
    for oid in unit.outbox_ids:
        conn.execute("DELETE FROM outbox_attempts WHERE outbox_id = ?", (oid,))
        conn.execute("DELETE FROM outbox WHERE id = ?", (oid,))
    for rid in unit.received_ids:
        conn.execute("DELETE FROM received WHERE id = ?", (rid,))
    # Links inside the unit first, so that no row is deleted while another still points
    # at it; a link from OUTSIDE the unit still fails the foreign key and rolls back.
    for record in unit.records:
        conn.execute(
            "UPDATE records SET supersedes = NULL, superseded_by = NULL, parent_id = NULL,"
            " episode_id = NULL WHERE id = ?",
            (record.id,),
        )
    for eid in unit.episode_ids:
        conn.execute("DELETE FROM missing_episodes WHERE id = ?", (eid,))
    last = unit.last_action.date().isoformat()
    for record in unit.records:
        unindex_row(conn, "record", record.id)
        conn.execute("DELETE FROM records WHERE id = ?", (record.id,))
        created = stamp(record.created_at)
        audit.append(
            conn,
            actor,
            "purge",
            None,
            f"record {opaque_id(record.id)} form {record.form_id}"
            f" created {created.date().isoformat() if created else 'unknown'}"
            f" last action {last} retention {reason}",
        )
    children = 0
    for subject_id in unit.subject_ids:
        in_use = conn.execute(
            "SELECT 1 FROM records WHERE subject_id = ? UNION ALL"
            " SELECT 1 FROM missing_episodes WHERE subject_id = ? LIMIT 1",
            (subject_id, subject_id),
        ).fetchone()
        if in_use is not None:
            continue
        row = conn.execute("SELECT created_at FROM subjects WHERE id = ?", (subject_id,)).fetchone()
        if row is None:
            continue
        conn.execute("DELETE FROM subject_links WHERE subject_id = ?", (subject_id,))
        unindex_row(conn, "subject", subject_id)
        conn.execute("DELETE FROM subjects WHERE id = ?", (subject_id,))
        created = stamp(row[0])
        audit.append(
            conn,
            actor,
            "purge",
            None,
            f"child {opaque_id(subject_id)}"
            f" created {created.date().isoformat() if created else 'unknown'}"
            " no records left",
        )
        children += 1
    return children
