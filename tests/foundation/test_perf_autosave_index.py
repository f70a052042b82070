"""Autosave keeps the search index off the keystroke transaction without losing an update.

Issue 11: "the search index and audit coalescing happen off the keystroke transaction ...
without ever losing an index update (test: kill after save, reopen, search finds it)". The
save queues the record in `index_pending` in its own transaction, with the audit "change"
entry it owes; search, completion and `Haven.flush_pending()` write the index rows and the
entry, and the log writes what is owed before anything else is logged or read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.errors import NotFound
from app.profile import Session, unlock
from app.service import Haven

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("helpers") / "perf_index_child.py"
WORD = "Quillonbridge"


def _draft(haven: Haven) -> str:
    child = haven.add_child("Kit Example", "2012-02-10")
    return haven.start_record(child.id, "screening").id


def test_a_save_queues_the_index_and_search_writes_it(
    tmp_path: Path, new_profile: Callable[..., Session]
) -> None:
    haven = Haven(new_profile(tmp_path / "profile"))
    record_id = _draft(haven)
    answers = dict(haven.record(record_id).answers)
    answers["address"] = f"1 {WORD} Lane"
    haven.save_draft(record_id, answers)
    assert [r for r, _seq in haven.repo.pending_index()] == [record_id]
    assert haven.repo.search(WORD) == []  # not written by the keystroke transaction
    hits = haven.search(WORD)
    assert [h.item_id for h in hits] == [record_id]
    assert haven.repo.pending_index() == []


def test_a_save_after_the_drain_read_stays_queued(
    tmp_path: Path, new_profile: Callable[..., Session]
) -> None:
    haven = Haven(new_profile(tmp_path / "profile"))
    record_id = _draft(haven)
    answers = dict(haven.record(record_id).answers)
    answers["address"] = "first words"
    haven.save_draft(record_id, answers)
    (queued,) = haven.repo.pending_index()
    answers["address"] = f"then {WORD}"
    haven.save_draft(record_id, answers)  # races the drain: queued again, newer version
    haven.repo.index_records([(record_id, queued[1], "first words")])
    assert [r for r, _seq in haven.repo.pending_index()] == [record_id]
    assert [h.item_id for h in haven.search(WORD)] == [record_id]


def test_the_drain_writes_the_index_and_the_owed_change_together(
    tmp_path: Path, new_profile: Callable[..., Session]
) -> None:
    haven = Haven(new_profile(tmp_path / "profile"))
    record_id = _draft(haven)
    haven.repo.audit(haven.actor, "validate", record_id)
    answers = dict(haven.record(record_id).answers)
    for n in range(5):
        answers["address"] = f"{n} {WORD} Lane"
        haven.save_draft(record_id, answers)
    owed = haven.repo.db.execute("SELECT audit_actor FROM index_pending")
    assert [r[0] for r in owed] == [haven.actor]
    assert haven.flush_pending() == 1
    assert haven.repo.pending_index() == []
    assert [h.item_id for h in haven.repo.search(WORD)] == [record_id]
    stored = haven.repo.db.execute(
        "SELECT action FROM audit WHERE record_id = ? ORDER BY seq", (record_id,)
    )
    assert [r[0] for r in stored] == ["create", "validate", "change"]


def test_deleting_a_draft_clears_its_queued_index(
    tmp_path: Path, new_profile: Callable[..., Session]
) -> None:
    haven = Haven(new_profile(tmp_path / "profile"))
    record_id = _draft(haven)
    haven.save_draft(record_id, dict(haven.record(record_id).answers))
    haven.delete_draft(record_id)
    assert haven.repo.pending_index() == []


def test_killed_right_after_a_save_the_words_are_still_found(
    tmp_path: Path, new_profile: Callable[..., Session], passphrase: str
) -> None:
    folder = tmp_path / "profile"
    session = new_profile(folder, passphrase)
    record_id = _draft(Haven(session))
    session.lock()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder), record_id, WORD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(f"{passphrase}\n".encode())
        proc.stdin.close()
        assert proc.stdout.readline() == b"saved\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    haven = Haven(unlock(folder, passphrase))
    try:
        assert [r for r, _seq in haven.repo.pending_index()] == [record_id]
        # Unlocking logged itself, so the owed change went into the log just before it.
        logged = haven.repo.db.execute(
            "SELECT action, record_id FROM audit ORDER BY seq DESC LIMIT 2"
        )
        assert [tuple(r) for r in logged] == [("unlock", None), ("change", record_id)]
        assert haven.flush_pending() == 1
        assert [h.item_id for h in haven.repo.search(WORD)] == [record_id]
        assert haven.repo.pending_index() == []
        changes = [e for e in haven.repo.audit_entries(record_id) if e.action == "change"]
        assert len(changes) == 1 and changes[0].actor == haven.actor
        assert haven.repo.verify_audit().ok
    finally:
        haven.session.lock()


def test_the_owed_change_is_logged_even_when_the_index_cannot_be_written(
    tmp_path: Path, new_profile: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    haven = Haven(new_profile(tmp_path / "profile"))
    record_id = _draft(haven)
    haven.repo.audit(haven.actor, "validate", record_id)
    haven.save_draft(record_id, dict(haven.record(record_id).answers))

    def no_form(record: object) -> object:
        raise NotFound("no such form")

    monkeypatch.setattr(haven, "form_for", no_form)
    with pytest.raises(NotFound):
        haven.flush_pending()
    stored = haven.repo.db.execute(
        "SELECT action FROM audit WHERE record_id = ? ORDER BY seq", (record_id,)
    )
    assert [r[0] for r in stored] == ["create", "validate", "change"]
    assert [r for r, _seq in haven.repo.pending_index()] == [record_id]  # still queued
