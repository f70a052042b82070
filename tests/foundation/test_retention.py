"""Retention and purge (issue 12, SPEC 3): "a configurable period after which sent/closed
records are purged (with a warning first); purge is audited without personal data".

Records are written through the use cases, then their timestamps are moved into the past
with SQL (the only way to make a record 13 months old in a test). The byte test reads the
purged profile with an independent SQLCipher-4 reader (apsw-sqlite3mc) and, because that
reader shows live rows only, also decrypts every page of the file itself (AES-256-CBC,
each page's HMAC-SHA512 checked first, so a page that did not decrypt cannot pass as
"no canary here").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app import keys
from app.domain import Record, Subject
from app.export.exports import Exports
from app.profile import DB_NAME, KEY_NAME, Session, unlock
from app.retention import (
    RetentionPolicyError,
    add_months,
    due_for_purge,
    load_policy,
    purge,
)
from app.service import Haven
from app.store.purge_store import PurgeStore
from app.store.received import ChildDetails, Filing, Provenance, ReceivedStore
from tests.haven_testkit import DSL, NOW, PASSPHRASE, example, new_session

GONE = "Quillfeatherzq8Gone"  # only in records the policy purges
KEEP = "Thistledownxk4Kept"  # only in records it keeps
PAGE_SIZE = 4096  # SQLCipher 4's default page size
RESERVE = 80  # per page: 16-byte IV + 64-byte HMAC-SHA512


def months_ago(now: datetime, months: int, *, days: int = 0) -> datetime:
    return add_months(now, -months) + timedelta(days=days)


@pytest.fixture(autouse=True)
def machine_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty machine-wide configuration folder: the shipped policy applies."""
    folder = tmp_path / "machine-config"
    folder.mkdir()
    monkeypatch.setenv("HAVEN_MACHINE_CONFIG", str(folder))
    return folder


@dataclass
class Profile:
    folder: Path
    session: Session
    haven: Haven
    exports: Exports

    @property
    def db(self) -> Any:
        return self.session.db

    def child(self, name: str) -> Subject:
        return self.haven.add_child(name, "2012-02-10", gender="Female")

    def completed(self, child: Subject, form_id: str, **changes: Any) -> Record:
        answers = example(form_id)
        if "child_name" in answers:
            answers["child_name"] = child.name
        answers.update(changes)
        draft = self.haven.start_record(child.id, form_id, answers=answers)
        return self.haven.complete(draft.id)

    def sent(self, record: Record, message: str) -> tuple[Record, str]:
        """Decide to share, queue and send (a real outbox item and delivery attempt)."""
        decision = self.exports.record_decision(record.id, example("sharing-decision"))
        repo, actor = self.haven.repo, self.haven.actor
        item = repo.enqueue(
            actor, record.id, f"<{record.id}@test>", "fib@example.org", "FIB", message.encode()
        )
        repo.record_attempt(
            actor, item.id, ok=True, reply_code=250, reply="250 OK", next_attempt_at=None
        )
        return decision, item.id

    def lock(self) -> None:
        if self.session.is_open:
            self.session.lock()


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Profile]:
    folder = tmp_path / "profile"
    session = new_session(folder, DSL)
    haven = Haven(session, clock=lambda: NOW)
    made = Profile(folder, session, haven, Exports(haven))
    yield made
    made.lock()


def age(profile: Profile, record_ids: list[str], when: datetime) -> None:
    """Move every timestamp of these records (and what hangs off them) to `when`."""
    t = when.astimezone(UTC).isoformat(timespec="seconds")
    with profile.db.transaction() as conn:
        for rid in record_ids:
            conn.execute(
                "UPDATE records SET created_at = ?, updated_at = ?,"
                " completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE ? END,"
                " reviewed_at = CASE WHEN reviewed_at IS NULL THEN NULL ELSE ? END"
                " WHERE id = ?",
                (t, t, t, t, rid),
            )
            conn.execute(
                "UPDATE missing_episodes SET created_at = ?, updated_at = ? WHERE record_id = ?",
                (t, t, rid),
            )
            conn.execute(
                "UPDATE outbox_attempts SET at = ?"
                " WHERE outbox_id IN (SELECT id FROM outbox WHERE record_id = ?)",
                (t, rid),
            )
            conn.execute(
                "UPDATE outbox SET created_at = ?,"
                " sent_at = CASE WHEN sent_at IS NULL THEN NULL ELSE ? END WHERE record_id = ?",
                (t, t, rid),
            )
            conn.execute(
                "UPDATE received SET received_at = ?,"
                " decided_at = CASE WHEN decided_at IS NULL THEN NULL ELSE ? END"
                " WHERE record_id = ?",
                (t, t, rid),
            )


def receive(
    profile: Profile, *, subject: Subject | None, child_name: str, text: str, reviewed: bool
) -> Record:
    """File a record as if another Haven had sent it (the provenance is plain data)."""
    store = ReceivedStore(profile.db)
    answers = {**example("screening"), "child_name": child_name, "reason": text}
    record_id = str(os.urandom(8).hex())
    prov = Provenance(
        id=f"received-{record_id}",
        package_id=f"package-{record_id}",
        message_id=f"<{record_id}@sender.example>",
        kind="record",
        origin_record_id=record_id,
        origin_subject_id=f"origin-child-{record_id}",
        version=1,
        form_id="screening",
        form_version=1,
        sender_name="Sam Sender",
        sender_email="sender@example.org",
        signer_name="Sam Sender",
        signer_fingerprint="AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23",
        signer_certificate="-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        signed_at=None,
    )
    filing = Filing(
        subject_id=subject.id if subject else None,
        new_child=None if subject else ChildDetails(child_name, "", "2012-02-10", "", ""),
        record_id=record_id,
        record_ref=f"HVN-2026-R{record_id[:5].upper()}",
        answers=answers,
        created_by="Sam Sender",
        completed_at=None,
        completed_by="Sam Sender",
        version=1,
        supersedes=None,
        amend_reason=None,
        summary="received screening",
    )
    got = store.file_record(profile.haven.actor, prov, {"answers": answers}, None, filing)
    if reviewed:
        store.decide(profile.haven.actor, got.id, "reviewed", "Seen", "review")
    return profile.haven.repo.get_record(record_id)


@dataclass
class Seeded:
    now: datetime
    gone_child: Subject  # left with nothing: purged
    kept_child: Subject
    due: dict[str, set[str]]  # unit name -> record ids, due now
    soon: dict[str, set[str]]  # within 30 days
    later: dict[str, set[str]]  # within 60 days
    kept: dict[str, set[str]]  # never, or not for a long time
    outbox_gone: str
    outbox_kept: str
    received_child: str


def seed(profile: Profile) -> Seeded:
    now = datetime.now(UTC).replace(microsecond=0)
    x = profile.child(f"{GONE} Child")
    y = profile.child(f"{KEEP} Child")
    padding = " ".join([GONE] * 400)  # several pages, so that VACUUM has pages to free

    # A: sent 13 months ago (sent: 12), amended once, with its sharing decision.
    a1 = profile.completed(x, "screening", reason=f"{GONE} first version. {padding}")
    a2 = profile.haven.amend(a1.id, "Add the date of the sighting")
    a2 = profile.haven.complete(a2.id)
    a_decision, outbox_gone = profile.sent(a2, f"Subject: referral\n\n{GONE} in the package")
    a = {a1.id, a2.id, a_decision.id}
    age(profile, sorted(a), months_ago(now, 13))

    # B: a missing episode and its return interview, completed 25 months ago.
    episode_record = profile.completed(x, "missing-episode", circumstances=f"{GONE} left")
    episode = profile.haven.repo.get_episode(episode_record.id)
    interview = profile.haven.start_record(
        x.id, "return-interview", episode_id=episode.id, answers=example("return-interview")
    )
    interview = profile.haven.complete(interview.id)
    b = {episode_record.id, interview.id}
    age(profile, sorted(b), months_ago(now, 25))

    # H: received from another Haven under a new child, reviewed 25 months ago.
    h = receive(
        profile, subject=None, child_name=f"{GONE} Sender Child", text=f"{GONE}", reviewed=True
    )
    age(profile, [h.id], months_ago(now, 25))

    # C: sent 12 months less 10 days ago: due in 10 days (listed, not purged).
    c = profile.completed(y, "screening", reason=f"{KEEP} sent")
    c_decision, outbox_kept = profile.sent(c, f"{KEEP} package")
    age(profile, [c.id, c_decision.id], months_ago(now, 12, days=10))
    # E: completed, due in 45 days.
    e = profile.completed(y, "screening", reason=f"{KEEP} completed")
    age(profile, [e.id], months_ago(now, 24, days=45))
    # F: sent 13 months ago, but a new sharing decision was recorded a month ago.
    f = profile.completed(y, "screening", reason=f"{KEEP} recent decision")
    f_decision, _ = profile.sent(f, f"{KEEP} package f")
    age(profile, [f.id, f_decision.id], months_ago(now, 13))
    f_new = profile.exports.record_decision(f.id, example("sharing-decision"))
    age(profile, [f_new.id], months_ago(now, 1))
    # Never: an old draft, an old queued record, a received record nobody reviewed.
    draft = profile.haven.start_record(y.id, "screening", answers={"reason": f"{KEEP} draft"})
    age(profile, [draft.id], months_ago(now, 60))
    q = profile.completed(y, "screening", reason=f"{KEEP} queued")
    profile.haven.repo.set_status(profile.haven.actor, q.id, "queued", "queue", "fib")
    age(profile, [q.id], months_ago(now, 60))
    g = receive(profile, subject=y, child_name=y.name, text=f"{KEEP} received", reviewed=False)
    age(profile, [g.id], months_ago(now, 36))

    return Seeded(
        now=now,
        gone_child=x,
        kept_child=y,
        due={"A": a, "B": b, "H": {h.id}},
        soon={"C": {c.id, c_decision.id}},
        later={"E": {e.id}},
        kept={
            "F": {f.id, f_decision.id, f_new.id},
            "draft": {draft.id},
            "queued": {q.id},
            "received awaiting review": {g.id},
        },
        outbox_gone=outbox_gone,
        outbox_kept=outbox_kept,
        received_child=h.subject_id,
    )


def listed(
    profile: Profile, items: list[Any], by_ref: dict[str, str] | None = None
) -> set[frozenset[str]]:
    """Each listed unit as the set of its record ids (looked up by reference)."""
    if by_ref is None:
        by_ref = {str(r[0]): str(r[1]) for r in profile.db.execute("SELECT ref, id FROM records")}
    return {frozenset(by_ref[ref] for ref in item.refs) for item in items}


def units(*groups: dict[str, set[str]]) -> set[frozenset[str]]:
    return {frozenset(ids) for group in groups for ids in group.values()}


def dump(profile: Profile) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed"."""
    tables = [
        str(r[0])
        for r in profile.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        )
    ]
    return {
        t: sorted(tuple(row) for row in profile.db.execute(f"SELECT * FROM {t}")) for t in tables
    }


def cells_containing(rows: dict[str, list[tuple[Any, ...]]], needle: str) -> list[str]:
    hits = []
    wanted = needle.lower()
    for table, table_rows in rows.items():
        for row in table_rows:
            for value in row:
                text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                if wanted in text.lower():
                    hits.append(table)
    return hits


# ---- the policy --------------------------------------------------------------------------


def test_shipped_policy_keeps_drafts_and_queued_records(machine_config: Path) -> None:
    policy = load_policy()
    assert policy.source == "default"
    assert policy.notice_days == 30
    assert dict(policy.months) == {
        "draft": None,
        "completed": 24,
        "signed": 24,
        "queued": None,
        "sent": 12,
        "received": 24,
    }


def test_machine_wide_policy_overrides_the_shipped_one(machine_config: Path) -> None:
    (machine_config / "retention.yaml").write_text(
        "version: 1\nnotice_days: 14\nretention_months:\n  sent: 6\n  draft: 36\n", "utf-8"
    )
    policy = load_policy()
    assert policy.source == "organisation"
    assert policy.notice_days == 14
    assert policy.period("sent") == 6
    assert policy.period("draft") == 36
    assert policy.period("completed") == 24  # not named by the organisation: the default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("retention_months:\n  sent: -1\n", "whole number of months"),
        ("retention_months:\n  sent: twelve\n", "whole number of months"),
        ("retention_months:\n  sent: true\n", "whole number of months"),
        ("retention_months:\n  closed: 12\n", "is not a record state"),
        ("retention: {sent: 12}\n", "does not know"),
        ("notice_days: 1000\n", "notice_days"),
        ("- sent\n", "must hold"),
        ("retention_months: [unclosed\n", "could not be read"),
    ],
)
def test_a_broken_organisation_policy_is_refused(
    machine_config: Path, text: str, message: str
) -> None:
    (machine_config / "retention.yaml").write_text(text, "utf-8")
    with pytest.raises(RetentionPolicyError, match=message):
        load_policy()


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 8, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2027, 1, 31, 8, tzinfo=UTC), 13, datetime(2028, 2, 29, 8, tzinfo=UTC)),
        (datetime(2026, 11, 15, tzinfo=UTC), 12, datetime(2027, 11, 15, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), -1, datetime(2026, 2, 28, tzinfo=UTC)),
    ],
)
def test_periods_are_calendar_months(start: datetime, months: int, expected: datetime) -> None:
    assert add_months(start, months) == expected


# ---- what is due ----------------------------------------------------------------------------


def test_dry_run_lists_exactly_what_is_due_and_changes_nothing(profile: Profile) -> None:
    seeded = seed(profile)
    before = dump(profile)

    now_items = due_for_purge(profile.haven, seeded.now)
    assert listed(profile, now_items) == units(seeded.due)
    assert all(item.is_due(seeded.now) for item in now_items)
    window = due_for_purge(profile.haven, seeded.now, 30)
    assert listed(profile, window) == units(seeded.due, seeded.soon)
    soon = next(i for i in window if not i.is_due(seeded.now))
    assert soon.state == "sent" and soon.months == 12
    assert soon.due_at.date() == (seeded.now + timedelta(days=10)).date()
    assert listed(profile, due_for_purge(profile.haven, seeded.now, 60)) == units(
        seeded.due, seeded.soon, seeded.later
    )

    by_units = {frozenset(ids): name for name, ids in seeded.due.items()}
    states = {by_units[next(iter(listed(profile, [i])))]: (i.state, i.months) for i in now_items}
    assert states == {"A": ("sent", 12), "B": ("completed", 24), "H": ("received", 24)}
    a_item = next(i for i in now_items if i.record_count == 3)
    assert a_item.form_id == "screening" and a_item.form_title
    assert a_item.ref.endswith("-v2")  # the newest version names the record

    assert dump(profile) == before  # not even an audit entry


def test_records_that_belong_together_form_one_unit(profile: Profile) -> None:
    """Versions, sharing decisions and a missing episode's return interview go together;
    the walk from any one record finds the same unit as reading the whole store."""
    seeded = seed(profile)
    store = PurgeStore(profile.db)
    every = store.units()
    assert {u.record_ids() for u in every} == units(
        seeded.due, seeded.soon, seeded.later, seeded.kept
    )
    for unit in every:
        for record_id in unit.record_ids():
            assert store.unit(record_id) == unit
    b = next(u for u in every if u.record_ids() == seeded.due["B"])
    assert len(b.episode_ids) == 1 and b.subject_ids == (seeded.gone_child.id,)
    a = next(u for u in every if u.record_ids() == seeded.due["A"])
    assert a.outbox_ids == (seeded.outbox_gone,)
    assert len(a.chains()) == 2  # the screening's two versions, and its decision
    assert store.unit("no such record") is None


def test_purge_removes_the_units_and_everything_that_hangs_off_them(profile: Profile) -> None:
    seeded = seed(profile)
    gone = set().union(*seeded.due.values())
    kept = set().union(*seeded.soon.values(), *seeded.later.values(), *seeded.kept.values())
    refs = {str(r[0]): str(r[1]) for r in profile.db.execute("SELECT id, ref FROM records")}
    entries_before = len(profile.haven.repo.audit_entries())

    report = purge(profile.haven, seeded.now)

    assert report.records == len(gone) == 6
    assert report.children == 2  # the child with only purged records, and the received one
    assert report.skipped == 0 and report.compacted
    by_ref = {ref: rid for rid, ref in refs.items()}
    assert listed(profile, list(report.purged), by_ref) == units(seeded.due)
    db = profile.db
    ids = {str(r[0]) for r in db.execute("SELECT id FROM records")}
    assert ids == kept
    assert db.execute("SELECT count(*) FROM missing_episodes")[0][0] == 0
    outbox = {str(r[0]) for r in db.execute("SELECT id FROM outbox")}
    assert seeded.outbox_kept in outbox and seeded.outbox_gone not in outbox
    assert len(outbox) == 2  # C's and F's
    assert (
        db.execute(
            "SELECT count(*) FROM outbox_attempts WHERE outbox_id = ?", (seeded.outbox_gone,)
        )[0][0]
        == 0
    )
    assert db.execute("SELECT count(*) FROM outbox_attempts")[0][0] == 2  # C's and F's
    received = {str(r[0]) for r in db.execute("SELECT record_id FROM received")}
    assert received == seeded.kept["received awaiting review"]
    subjects = {str(r[0]) for r in db.execute("SELECT id FROM subjects")}
    assert subjects == {seeded.kept_child.id}
    assert db.execute(
        "SELECT count(*) FROM subject_links WHERE subject_id = ?", (seeded.received_child,)
    ) == [(0,)]
    indexed = {str(r[0]) for r in db.execute("SELECT item_id FROM search_keys")}
    assert indexed.isdisjoint(gone | {seeded.gone_child.id, seeded.received_child})
    assert {str(r[0]) for r in db.execute("SELECT item_id FROM search_index")} == indexed
    assert profile.haven.search(GONE) == []
    assert profile.haven.search(KEEP)
    assert cells_containing(dump(profile), GONE) == []
    assert cells_containing(dump(profile), KEEP)

    # The audit keeps that a purge happened, and nothing personal about what was purged.
    repo = profile.haven.repo
    assert repo.verify_audit().ok
    purges = [e for e in repo.audit_entries() if e.action == "purge"]
    assert len(repo.audit_entries()) == entries_before + len(purges)
    assert len(purges) == 6 + 2
    assert all(e.record_id is None for e in purges)
    details = "\n".join(e.detail for e in purges)
    for rid in gone:
        assert hashlib.sha256(rid.encode()).hexdigest()[:16] in details
        assert rid not in details and refs[rid] not in details
    for sid in (seeded.gone_child.id, seeded.received_child):
        assert hashlib.sha256(sid.encode()).hexdigest()[:16] in details
        assert sid not in details
    for secret in (GONE, GONE.lower(), "Child", seeded.gone_child.ref, "Sam Sender"):
        assert secret not in details
    record_lines = [e.detail for e in purges if e.detail.startswith("record ")]
    assert len(record_lines) == 6
    last_action = months_ago(seeded.now, 13).date().isoformat()
    assert any(
        f"form screening created {last_action} last action {last_action}"
        " retention sent 12 months default" in line
        for line in record_lines
    )

    # Nothing more is due; a second purge changes nothing.
    again = purge(profile.haven, seeded.now)
    assert again.purged == () and again.records == 0 and not again.compacted


def test_machine_wide_policy_decides_what_is_purged(profile: Profile, machine_config: Path) -> None:
    seeded = seed(profile)
    (machine_config / "retention.yaml").write_text("retention_months:\n  sent: 6\n", "utf-8")
    items = due_for_purge(profile.haven, seeded.now)
    # C (sent 11.7 months ago) is now due; F's decision a month ago still keeps F.
    assert listed(profile, items) == units(seeded.due, seeded.soon)
    report = purge(profile.haven, seeded.now)
    assert report.policy.source == "organisation"
    assert report.records == 6 + 2
    purges = [e.detail for e in profile.haven.repo.audit_entries() if e.action == "purge"]
    assert any("retention sent 6 months organisation" in d for d in purges)


def test_a_unit_that_changed_since_it_was_listed_is_kept(profile: Profile) -> None:
    """A decision recorded between the list and the deletion (say, in the window while
    the purge runs in the background) makes the record recent again: it stays."""
    seeded = seed(profile)
    a2 = next(r for r in seeded.due["A"] if profile.haven.record(r).version == 2)
    changed: list[str] = []

    def progress(percent: int, text: str) -> None:
        if not changed:
            changed.append(profile.exports.record_decision(a2, example("sharing-decision")).id)

    report = purge(profile.haven, seeded.now, progress=progress)
    assert report.skipped == 1
    assert len(report.purged) == 2 and report.records == 3
    left = {str(r[0]) for r in profile.db.execute("SELECT id FROM records")}
    assert seeded.due["A"] | set(changed) <= left
    assert left.isdisjoint(seeded.due["B"] | seeded.due["H"])
    assert profile.haven.repo.verify_audit().ok


def test_cancelling_stops_before_the_next_unit(profile: Profile) -> None:
    seeded = seed(profile)
    calls: list[str] = []

    def cancelled() -> bool:
        return len(calls) >= 1

    report = purge(
        profile.haven,
        seeded.now,
        progress=lambda percent, text: calls.append(text),
        cancelled=cancelled,
    )
    assert len(report.purged) == 1
    assert report.compacted
    assert len(due_for_purge(profile.haven, seeded.now)) == 2


# ---- the bytes --------------------------------------------------------------------------------


def data_key(folder: Path) -> bytes:
    return keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), PASSPHRASE)


def decrypted_pages(path: Path, key: bytes) -> bytes:
    """Every page of a SQLCipher 4 file decrypted with the raw key, free pages included.

    apsw-sqlite3mc reads live rows only (it has no sqlite_dbpage table, and its rekey to
    plaintext rebuilds the pages): this reads the format directly. Each page's
    HMAC-SHA512 is checked first (key derived as SQLCipher 4 does for a raw key), so the
    plaintext here is what SQLCipher itself would read.
    """
    raw = path.read_bytes()
    assert len(raw) % PAGE_SIZE == 0
    salt = raw[:16]
    mac_key = hashlib.pbkdf2_hmac("sha512", key, bytes(b ^ 0x3A for b in salt), 2, 32)
    out = bytearray()
    for index in range(len(raw) // PAGE_SIZE):
        page = raw[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
        start = 16 if index == 0 else 0
        body, iv, mac = page[start:-64], page[-RESERVE:-64], page[-64:]
        expected = hmac.new(
            mac_key, body + (index + 1).to_bytes(4, "little"), hashlib.sha512
        ).digest()
        assert hmac.compare_digest(mac, expected), f"page {index + 1} does not authenticate"
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out += decryptor.update(page[start:-RESERVE]) + decryptor.finalize()
    return bytes(out)


def needles(text: str) -> dict[str, bytes]:
    # FTS5 keeps terms lower-cased and stores a term after the first on a page without the
    # prefix it shares with the term before it, so the lower-case tail is looked for too.
    return {
        "as typed": text.encode(),
        "lower case": text.lower().encode(),
        "lower-case tail": text.lower()[-7:].encode(),
        "UTF-16": text.encode("utf-16-le"),
    }


def found(data: bytes, text: str) -> list[str]:
    return [label for label, needle in needles(text).items() if needle in data]


def apsw_rows(path: Path, key: bytes) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    """Every row of every table in sqlite_master, through the independent reader."""
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        conn.execute("PRAGMA cipher = 'sqlcipher'")
        conn.execute("PRAGMA legacy = 4")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {str(t): [tuple(r) for r in conn.execute(f'SELECT * FROM "{t}"')] for t in tables}
        free = conn.execute("PRAGMA freelist_count").fetchall()[0][0]
    finally:
        conn.close()
    assert "records" in rows and "search_index_data" in rows
    return rows, int(free)


def test_purged_text_is_gone_from_every_page_of_the_file(profile: Profile) -> None:
    now = datetime.now(UTC)
    kept_child = profile.child(f"{KEEP} Child")
    kept = profile.completed(kept_child, "screening", reason=f"{KEEP} is kept")
    gone_child = profile.child(f"{GONE} Child")
    padding = " ".join(f"{GONE}{n}" for n in range(600))
    gone = profile.completed(gone_child, "screening", reason=f"{GONE} is purged. {padding}")
    decision, _ = profile.sent(gone, f"{GONE} in the sent package")
    age(profile, [gone.id, decision.id], months_ago(now, 13))
    profile.lock()
    db_path = profile.folder / DB_NAME
    key = data_key(profile.folder)
    # Control: before the purge both canaries are in the decrypted pages and in live rows.
    assert found(decrypted_pages(db_path, key), GONE) == [
        "as typed",
        "lower case",
        "lower-case tail",
    ]
    assert cells_containing(apsw_rows(db_path, key)[0], GONE)

    session = unlock(profile.folder, PASSPHRASE)
    profile.session = session
    profile.haven = Haven(session, clock=lambda: NOW)
    report = purge(profile.haven, now)
    assert report.records == 2 and report.children == 1
    session.lock()

    wal = profile.folder / f"{DB_NAME}-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    rows, free_pages = apsw_rows(db_path, key)
    assert cells_containing(rows, GONE) == []
    assert cells_containing(rows, KEEP)
    assert any(kept.id in str(row) for row in rows["records"])
    assert free_pages == 0  # VACUUM ran: no free page is left to hold old content
    pages = decrypted_pages(db_path, key)
    assert found(pages, GONE) == []
    assert "as typed" in found(pages, KEEP) and "lower-case tail" in found(pages, KEEP)


# ---- the command line ----------------------------------------------------------------------


def haven_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("haven")
    if not executable.exists():
        pytest.skip("the haven console script is not installed in this environment")
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [str(executable), *map(str, args)],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        env=env,
        check=False,
    )


def test_purge_from_the_shell(profile: Profile, machine_config: Path) -> None:
    now = datetime.now(UTC)
    child = profile.child(f"{GONE} Child")
    due = profile.completed(child, "screening", reason=f"{GONE} due")
    age(profile, [due.id], months_ago(now, 25))
    soon = profile.completed(child, "screening", reason=f"{GONE} soon")
    age(profile, [soon.id], months_ago(now, 24, days=20))
    profile.lock()
    where = ("--profile-dir", profile.folder, "--passphrase-stdin")

    dry = haven_cli("purge", "--dry-run", "--json", *where)
    assert dry.returncode == 0, dry.stderr
    listing = json.loads(dry.stdout)
    assert [i["ref"] for i in listing["due"]] == [due.ref]
    assert [i["ref"] for i in listing["upcoming"]] == [soon.ref]
    assert listing["policy"]["source"] == "default" and listing["within_days"] == 30
    text = haven_cli("purge", "--dry-run", *where)
    assert text.returncode == 0, text.stderr
    assert due.ref in text.stdout and soon.ref in text.stdout
    assert "Dry run: nothing was deleted." in text.stdout
    assert GONE not in text.stdout + text.stderr

    (machine_config / "retention.yaml").write_text("retention_months:\n  sent: 0\n", "utf-8")
    broken = haven_cli("purge", *where)
    assert broken.returncode == 1
    assert "retention for 'sent'" in broken.stderr
    (machine_config / "retention.yaml").unlink()

    session = unlock(profile.folder, PASSPHRASE)
    try:
        assert {r.id for r in session.repo.list_records()} == {due.id, soon.id}
    finally:
        session.lock()

    done = haven_cli("purge", "--json", *where)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [i["ref"] for i in result["purged"]] == [due.ref]
    assert result["records"] == 1 and result["children"] == 0 and result["compacted"]
    assert GONE not in done.stdout

    nothing = haven_cli("purge", *where)
    assert nothing.returncode == 0, nothing.stderr
    assert "Nothing is due" in nothing.stdout
    session = unlock(profile.folder, PASSPHRASE)
    try:
        assert [r.id for r in session.repo.list_records()] == [soon.id]
        assert session.repo.verify_audit().ok
    finally:
        session.lock()
