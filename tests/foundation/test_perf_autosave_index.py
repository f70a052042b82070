"""Autosave keeps the search index off the keystroke transaction without losing an update.

Issue 11: "the search index and audit coalescing happen off the keystroke transaction ...
without ever losing an index update (test: kill after save, reopen, search finds it)". The
save queues the record in `index_pending` in its own transaction; search, completion and
`Haven.index_pending()` write the index rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

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
        assert [h.item_id for h in haven.search(WORD)] == [record_id]
    finally:
        haven.session.lock()
