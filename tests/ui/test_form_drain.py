"""The form view has autosave's queued work written off the UI thread (issue 11).

A keystroke's save only queues the record's search-index rewrite and owes its audit
"change" entry; the view drains them (`Haven.flush_pending` on a worker) when the user
changes section, pauses typing, or closes the record. What is checked is read through a
second session on the same profile with plain SQL and the store's search, neither of
which drains anything, so only the view can have written it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers.form_driver import PASSPHRASE, FormDriver, Workbench
from PySide6.QtCore import Qt

from app.profile import Session, unlock
from ui.form_view import IDLE_DRAIN_MS, FormView

WORD = "Quillonbridge"


@pytest.fixture
def no_idle_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Views opened after this never drain on a pause: only the action tested can."""
    monkeypatch.setattr("ui.form_view.IDLE_DRAIN_MS", 600_000)


@pytest.fixture
def reader(bench: Workbench) -> Iterator[Session]:
    session = unlock(bench.folder, PASSPHRASE)
    yield session
    session.lock()


def found(reader: Session) -> list[str]:
    return [h.item_id for h in reader.repo.search(WORD)]


def changes_logged(reader: Session, record_id: str) -> int:
    rows = reader.repo.db.execute(
        "SELECT count(*) FROM audit WHERE record_id = ? AND action = 'change'", (record_id,)
    )
    return int(rows[0][0])


def saved(reader: Session, record_id: str) -> bool:
    return WORD in str(reader.repo.get_record(record_id).answers.get("ethnicity"))


def type_word(qtbot: Any, view: FormView) -> None:
    driver = FormDriver(qtbot, view)
    edit = driver.item("ethnicity").inputs()[0]
    driver.focus(edit)
    qtbot.keyClicks(edit, WORD)


def test_changing_section_writes_the_index_and_the_audit_entry(
    bench: Workbench, reader: Session, qtbot: Any, no_idle_drain: None
) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    start = view.current_section
    type_word(qtbot, view)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert view.current_section != start
    assert saved(reader, record_id)  # the section change saved the typing at once
    qtbot.waitUntil(lambda: found(reader) == [record_id], timeout=5000)
    qtbot.waitUntil(lambda: changes_logged(reader, record_id) == 1, timeout=5000)
    assert reader.repo.pending_index() == []


def test_a_pause_in_typing_writes_them(bench: Workbench, reader: Session, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    type_word(qtbot, view)
    qtbot.waitUntil(lambda: saved(reader, record_id), timeout=2000)
    # Saved, but the keystroke's transaction only queued the work ...
    assert found(reader) == [] and changes_logged(reader, record_id) == 0
    assert [r for r, _seq in reader.repo.pending_index()] == [record_id]
    # ... which the pause has written, with nothing else done in the window.
    qtbot.waitUntil(lambda: found(reader) == [record_id], timeout=IDLE_DRAIN_MS + 5000)
    qtbot.waitUntil(lambda: changes_logged(reader, record_id) == 1, timeout=5000)
    assert reader.repo.pending_index() == []


def test_closing_the_record_writes_them(
    bench: Workbench, reader: Session, qtbot: Any, no_idle_drain: None
) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    type_word(qtbot, view)
    with qtbot.waitSignal(view.closed, timeout=3000):
        qtbot.mouseClick(view.close_button, Qt.MouseButton.LeftButton)
    assert saved(reader, record_id)
    qtbot.waitUntil(lambda: found(reader) == [record_id], timeout=5000)
    qtbot.waitUntil(lambda: changes_logged(reader, record_id) == 1, timeout=5000)


def test_typing_on_after_a_drain_is_drained_again(
    bench: Workbench, reader: Session, qtbot: Any, no_idle_drain: None
) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    type_word(qtbot, view)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: found(reader) == [record_id], timeout=5000)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    driver = FormDriver(qtbot, view)
    edit = driver.item("ethnicity").inputs()[0]
    driver.focus(edit)
    qtbot.keyClicks(edit, " Zephyrwick")
    qtbot.keyClick(edit, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: [h.item_id for h in reader.repo.search("Zephyrwick")] == [record_id],
        timeout=5000,
    )
    assert reader.repo.pending_index() == []
    # Still one "change" entry: the same five minutes with nothing else logged between.
    assert changes_logged(reader, record_id) == 1
