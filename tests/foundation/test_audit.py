"""The audit log: every action is an entry with no answer content, and the hash chain
shows any edit, removal or reordering (SPEC 3; DPA 2018 s.62).

The issue: "haven doctor verifies the chain; tests show that editing, removing or
reordering any entry is detected". The tampering is done the way someone with the key
would do it: a raw SQLCipher connection, outside Haven.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
import sqlcipher3

from app import keys
from app.audit import AuditEntry
from app.domain import ProfileInfo, Record
from app.profile import DB_NAME, KEY_NAME, Session, unlock
from app.store import Repository
from tests.haven_testkit import PASSPHRASE, REPO_ROOT

NEW_PASSPHRASE = "violet tram seven orchards"  # a second one, for the passphrase change
CANARY = "Quillfeather9Canary"

ProfileFactory = Callable[..., Session]


def entries_text(entries: list[AuditEntry]) -> str:
    return "\n".join(repr(e) for e in entries)


def test_every_repository_action_appends_an_entry_without_answer_content(
    tmp_path: Path, new_profile: ProfileFactory
) -> None:
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE)
    repo, actor = session.repo, session.actor
    assert [e.action for e in repo.audit_entries()] == ["profile-create"]
    state: dict[str, str] = {}

    def step(expected: str, action: Callable[[], object], record_key: str | None = None) -> None:
        before = repo.audit_entries()
        action()
        after = repo.audit_entries()
        new = after[len(before) :]
        assert after[: len(before)] == before, f"{expected}: earlier entries changed"
        assert [e.action for e in new] == [expected]
        assert new[0].actor == actor
        if record_key is not None:
            assert new[0].record_id == state[record_key]

    def add_child() -> None:
        state["child"] = repo.add_subject(actor, f"{CANARY} Child", known_as=CANARY).id

    def create() -> None:
        state["record"] = repo.create_draft(
            actor, state["child"], "screening", 1, {"q": CANARY}, summary=CANARY
        ).id

    def amend() -> None:
        state["amended"] = repo.amend_record(actor, state["record"], f"{CANARY} reason").id

    def enqueue() -> None:
        item = repo.enqueue(
            actor, state["record"], "<m1@haven>", "mash@example.org", "MASH", CANARY.encode()
        )
        state["outbox"] = item.id

    step("child-create", add_child)
    step("child-change", lambda: repo.update_subject(actor, state["child"], known_as=CANARY * 2))
    step("create", create, "record")
    step("view", lambda: repo.get_record(state["record"], viewer=actor), "record")
    step("change", lambda: repo.save_draft(actor, state["record"], {"q": CANARY + "!"}), "record")
    step("complete", lambda: repo.complete_record(actor, state["record"], {"q": CANARY}), "record")
    step("sign", lambda: repo.set_status(actor, state["record"], "signed", "sign"), "record")
    step("export", lambda: repo.audit(actor, "export", state["record"], "pdf"), "record")
    step("queue", enqueue, "record")
    step(
        "send-failed",
        lambda: repo.record_attempt(
            actor,
            state["outbox"],
            ok=False,
            reply_code=451,
            reply="try later",
            next_attempt_at="2030-01-01T00:00:00+00:00",
        ),
        "record",
    )
    step(
        "send",
        lambda: repo.record_attempt(
            actor, state["outbox"], ok=True, reply_code=250, reply="ok", next_attempt_at=None
        ),
        "record",
    )
    step("review", lambda: repo.review_record(actor, state["record"], CANARY), "record")
    step("amend", amend, "amended")
    step("delete", lambda: repo.delete_draft(actor, state["amended"]), "amended")
    step("settings-change", lambda: repo.set_setting(actor, "theme", "dark"))
    step("passphrase-change", lambda: session.change_passphrase(PASSPHRASE, NEW_PASSPHRASE))
    step("keychain-on", session.enable_keychain)
    step("keychain-off", session.disable_keychain)
    step("rekey", lambda: session.rekey(NEW_PASSPHRASE))
    session.lock()
    session = unlock(folder, NEW_PASSPHRASE)
    try:
        entries = session.repo.audit_entries()
        assert [e.action for e in entries[-2:]] == ["lock", "unlock"]
        assert session.repo.verify_audit().ok
        # No answer, name, summary, reason or message content in any column of any entry.
        assert CANARY.lower() not in entries_text(entries).lower()
        # Each record's trail is readable on its own.
        trail = [e.action for e in session.repo.audit_entries(state["record"])]
        assert trail[:3] == ["create", "view", "change"]
    finally:
        session.lock()


class Drafted(NamedTuple):
    session: Session
    repo: Repository
    actor: str
    record: Record


@pytest.fixture
def drafted(tmp_path: Path, new_profile: ProfileFactory) -> Drafted:
    """A profile with one child and a new screening draft: where autosave's tests start."""
    session = new_profile(tmp_path / "a", PASSPHRASE)
    repo, actor = session.repo, session.actor
    child = repo.add_subject(actor, "Sam Example")
    return Drafted(session, repo, actor, repo.create_draft(actor, child.id, "screening", 1, {}))


def _logged(session: Session, record_id: str) -> list[str]:
    """The log as stored right now, read without writing what autosave owes."""
    rows = session.repo.db.execute(
        "SELECT action FROM audit WHERE record_id = ? ORDER BY seq", (record_id,)
    )
    return [str(r[0]) for r in rows]


def test_autosave_coalesces_change_entries(drafted: Drafted) -> None:
    session, repo, actor, record = drafted
    repo.get_record(record.id, viewer=actor)
    for n in range(30):
        repo.save_draft(actor, record.id, {"n": n}, defer_index=True)
    # The keystroke transactions only owe the entry (issue 11) ...
    assert _logged(session, record.id) == ["create", "view"]
    # ... which the drain writes once for the 30 saves; reading the log drains first.
    assert repo.write_owed_audit() == 1
    assert _logged(session, record.id) == ["create", "view", "change"]
    assert repo.write_owed_audit() == 0
    repo.save_draft(actor, record.id, {"n": 30}, defer_index=True)
    actions = [e.action for e in repo.audit_entries(record.id)]
    assert actions == ["create", "view", "change"]  # still the same five minutes
    assert repo.get_record(record.id).answers == {"n": 30}


def test_a_save_without_deferring_logs_its_change_at_once(drafted: Drafted) -> None:
    session, repo, actor, record = drafted
    repo.get_record(record.id, viewer=actor)
    for n in range(3):
        repo.save_draft(actor, record.id, {"n": n})
    assert _logged(session, record.id) == ["create", "view", "change"]


def test_an_owed_change_keeps_its_time_and_place_in_the_log(drafted: Drafted) -> None:
    _session, repo, actor, record = drafted
    repo.audit(actor, "validate", record.id, "0 problem(s)")
    repo.save_draft(actor, record.id, {"n": 1}, defer_index=True)
    (owed_at,) = [str(r[0]) for r in repo.db.execute("SELECT audit_at FROM index_pending")]
    repo.save_draft(actor, record.id, {"n": 2}, defer_index=True)
    # Another entry for the record: the owed change is written before it, at its time.
    repo.audit(actor, "alert-shown", record.id, "immediate-referral")
    entries = repo.audit_entries(record.id)
    assert [e.action for e in entries] == ["create", "validate", "change", "alert-shown"]
    assert entries[2].at == owed_at
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert repo.verify_audit().ok


def test_a_save_racing_the_drain_still_owes_its_entry(drafted: Drafted) -> None:
    session, repo, actor, record = drafted
    repo.audit(actor, "validate", record.id)
    repo.save_draft(actor, record.id, {"n": 1}, defer_index=True)
    (queued,) = repo.pending_index()  # a drain reads the queue ...
    repo.audit(actor, "alert-shown", record.id, "x")  # (writes the first change)
    repo.save_draft(actor, record.id, {"n": 2}, defer_index=True)  # ... a save lands ...
    repo.index_records([(record.id, queued[1], "")])  # ... and the drain writes
    assert _logged(session, record.id) == [
        "create",
        "validate",
        "change",
        "alert-shown",
        "change",
    ]
    assert [r for r, _ in repo.pending_index()] == [record.id]  # the index is still due
    repo.save_draft(actor, record.id, {"n": 3}, defer_index=True)
    repo.audit(actor, "validate", record.id)
    repo.save_draft(actor, record.id, {"n": 4}, defer_index=True)
    assert [e.action for e in repo.audit_entries(record.id)][5:] == ["validate", "change"]


@pytest.mark.parametrize("ending", ["complete", "delete"])
def test_completing_or_deleting_logs_the_owed_change_once_first(
    drafted: Drafted, ending: str
) -> None:
    session, repo, actor, record = drafted
    repo.audit(actor, "validate", record.id)
    for n in range(3):
        repo.save_draft(actor, record.id, {"n": n}, defer_index=True)
    if ending == "complete":
        repo.complete_record(actor, record.id, {"n": 2})
    else:
        repo.delete_draft(actor, record.id)
    assert _logged(session, record.id) == ["create", "validate", "change", ending]
    assert repo.pending_index() == []
    assert repo.write_owed_audit() == 0
    assert [e.action for e in repo.audit_entries(record.id)][-2:] == ["change", ending]


def test_an_amended_version_logs_its_owed_change_before_completing_and_amending(
    drafted: Drafted,
) -> None:
    session, repo, actor, first = drafted
    repo.complete_record(actor, first.id, {})
    second = repo.amend_record(actor, first.id, "wrong date")
    repo.save_draft(actor, second.id, {"n": 1}, defer_index=True)
    repo.complete_record(actor, second.id, {"n": 1})
    third = repo.amend_record(actor, second.id, "another")
    repo.save_draft(actor, third.id, {"n": 2}, defer_index=True)
    assert _logged(session, second.id) == ["amend", "change", "complete"]
    assert [e.action for e in repo.audit_entries(third.id)] == ["amend", "change"]
    assert repo.verify_audit().ok


def test_an_entry_owed_for_a_record_gone_since_is_still_written(drafted: Drafted) -> None:
    """A purge deletes rows without asking the records store; what was owed stays owed."""
    session, repo, actor, record = drafted
    repo.audit(actor, "validate", record.id)
    repo.save_draft(actor, record.id, {"n": 1}, defer_index=True)
    with repo.db.transaction() as conn:  # what a purge's transaction does to the record
        conn.execute("DELETE FROM search_keys WHERE item_id = ?", (record.id,))
        conn.execute("DELETE FROM records WHERE id = ?", (record.id,))
    assert repo.verify_audit().ok
    assert _logged(session, record.id) == ["create", "validate", "change"]


# ---- tampering ---------------------------------------------------------------------------


def _raw_tamper(folder: Path, statements: list[str]) -> None:
    key = keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), PASSPHRASE)
    conn = sqlcipher3.connect(str(folder / DB_NAME), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("BEGIN")
        for sql in statements:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _doctor(folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli.main",
            "doctor",
            "--profile-dir",
            str(folder),
            "--passphrase-stdin",
        ],
        input=f"{PASSPHRASE}\n",
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=60,
    )


@pytest.fixture
def audited_profile(tmp_path: Path, new_profile: ProfileFactory) -> Path:
    """A locked profile with a dozen audit entries."""
    folder = tmp_path / "a"
    session = new_profile(folder, PASSPHRASE)
    repo, actor = session.repo, session.actor
    child = repo.add_subject(actor, "Alex Example")
    record = repo.create_draft(actor, child.id, "screening", 1, {"q": 1})
    for _ in range(3):
        repo.get_record(record.id, viewer=actor)
    repo.complete_record(actor, record.id, {"q": 1})
    repo.review_record(actor, record.id)
    session.lock()
    return folder


TAMPERING = {
    "edit an entry's detail": ["UPDATE audit SET detail = 'harmless' WHERE seq = 3"],
    "edit an entry's actor": ["UPDATE audit SET actor = 'Someone Else' WHERE seq = 5"],
    "remove a middle entry": ["DELETE FROM audit WHERE seq = 4"],
    "remove the first entry": ["DELETE FROM audit WHERE seq = 1"],
    "remove the last entry": ["DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)"],
    "remove the last two entries": [
        "DELETE FROM audit WHERE seq >= (SELECT max(seq) - 1 FROM audit)"
    ],
    "swap two entries": [
        "UPDATE audit SET seq = -1 WHERE seq = 3",
        "UPDATE audit SET seq = 3 WHERE seq = 4",
        "UPDATE audit SET seq = 4 WHERE seq = -1",
    ],
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_tampering_is_detected_by_verify_and_doctor(audited_profile: Path, tampering: str) -> None:
    _raw_tamper(audited_profile, TAMPERING[tampering])
    session = unlock(audited_profile, PASSPHRASE)
    try:
        status = session.repo.verify_audit()
        assert not status.ok
        assert status.problem
    finally:
        session.lock()
    # Appending after the damage (every unlock and lock does) must not hide it.
    result = _doctor(audited_profile)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Audit chain: BROKEN" in result.stdout
    assert "Traceback" not in result.stderr


def test_doctor_reports_an_intact_chain(audited_profile: Path, profile_info: ProfileInfo) -> None:
    result = _doctor(audited_profile)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Audit chain: intact" in result.stdout
    assert "Alex Example" not in result.stdout + result.stderr
    assert profile_info.name not in result.stdout + result.stderr
