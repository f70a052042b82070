"""Drafts save themselves while the user types (SPEC 3), and say when they were recovered.

Stored answers are read through a second, freshly unlocked session on the same profile,
never from the view, so what is checked is what is on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers.form_driver import PASSPHRASE, FormDriver, Workbench
from PySide6.QtCore import Qt, QTimer

from app.profile import Session, unlock
from ui.form.autosave import DEADLINE_MS, draft_left_open, local_time


@pytest.fixture
def reader(bench: Workbench) -> Iterator[Session]:
    """A second session on the same profile: a fresh repository read of the store."""
    session = unlock(bench.folder, PASSPHRASE)
    yield session
    session.lock()


def stored(reader: Session, record_id: str) -> dict[str, Any]:
    return reader.repo.get_record(record_id).answers


def test_typing_is_saved_within_a_second_and_a_half(
    bench: Workbench, reader: Session, qtbot: Any
) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    # (Gender is prefilled from the child now: ethnicity is typed from nothing.)
    ethnicity = driver.item("ethnicity").inputs()[0]
    driver.focus(ethnicity)
    qtbot.keyClicks(ethnicity, "White British")
    qtbot.waitUntil(
        lambda: stored(reader, record_id).get("ethnicity") == "White British", timeout=1500
    )
    assert view.saved_label.text().startswith("Saved at ")
    assert view.saved_label.accessibleName() == view.saved_label.text()


def test_steady_typing_is_saved_without_a_pause(
    bench: Workbench, reader: Session, qtbot: Any
) -> None:
    """Someone who never pauses long enough for the debounce still loses at most ~1 s."""
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    edit = driver.item("lives_with").inputs()[0]
    driver.focus(edit)
    words = iter("Mother and younger brother, weekends with father" * 3)

    def type_one() -> None:
        ch = next(words, None)
        if ch is not None:
            qtbot.keyClicks(edit, ch)

    typist = QTimer()
    typist.setInterval(150)  # faster than the 700 ms debounce: never a pause
    typist.timeout.connect(type_one)
    typist.start()
    try:
        qtbot.waitUntil(lambda: bool(stored(reader, record_id).get("lives_with")), timeout=1500)
        assert typist.isActive(), "saved while the typing was still going on"
    finally:
        typist.stop()
    assert DEADLINE_MS <= 1000


def test_changing_section_saves_at_once(bench: Workbench, reader: Session, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    edit = driver.item("ethnicity").inputs()[0]
    driver.focus(edit)
    qtbot.keyClicks(edit, "White British")
    assert view.autosaver.pending
    driver.press(Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert view.current_section == 1
    assert not view.autosaver.pending
    assert stored(reader, record_id)["ethnicity"] == "White British"


def test_ctrl_s_saves_now(bench: Workbench, reader: Session, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    edit = driver.item("disability").inputs()[0]
    driver.focus(edit)
    qtbot.keyClicks(edit, "None known")
    with qtbot.waitSignal(view.saved, timeout=1000) as saved:
        qtbot.keyClick(edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved.args == [record_id]
    assert stored(reader, record_id)["disability"] == "None known"


def test_draft_left_open_by_a_crash_says_it_was_recovered(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    edit = driver.item("known_as").inputs()[0]
    driver.replace_text(edit, "Jay")
    with qtbot.waitSignal(view.saved, timeout=1500):
        pass
    # A crash: the window goes without closing (no save_now, so no clean-stop marker).
    view.autosaver.stop()
    view.hide()
    assert draft_left_open(bench.haven, record_id)

    again = bench.open_view(qtbot, record_id)
    saved_at = local_time(bench.haven.record(record_id).updated_at)
    assert again.recovered_banner.isVisible()
    text = again._banner_text(again.recovered_banner).text()
    assert text.startswith(f"Recovered your draft saved at {saved_at}")
    assert again.recovered_at == saved_at
    assert again.recovered_banner.accessibleName() == f"Recovered your draft saved at {saved_at}"
    assert FormDriver(qtbot, again).item("known_as").value() == "Jay"


def test_clean_close_is_not_a_recovery(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    driver.replace_text(driver.item("known_as").inputs()[0], "Jay")
    with qtbot.waitSignal(view.closed, timeout=1000):
        driver.click(view.close_button)
    assert not draft_left_open(bench.haven, record_id)
    assert bench.haven.record(record_id).answers["known_as"] == "Jay"
    again = bench.open_view(qtbot, record_id)
    assert not again.recovered_banner.isVisible()


def test_a_failed_save_is_shown_and_typing_goes_on(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    # The draft is deleted elsewhere (another window) while this one is open.
    other = unlock(bench.folder, PASSPHRASE)
    try:
        other.repo.delete_draft(other.actor, record_id)
    finally:
        other.lock()
    edit = driver.item("ethnicity").inputs()[0]
    driver.focus(edit)
    qtbot.keyClicks(edit, "W")
    qtbot.waitUntil(lambda: view.saved_label.text().startswith("Not saved"), timeout=2000)
    qtbot.keyClicks(edit, "hite")
    assert driver.item("ethnicity").value() == "White"
