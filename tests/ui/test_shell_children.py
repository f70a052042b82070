"""Children: add a child through the dialog by keyboard, find them with the search box."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.new_child_dialog import NewChildDialog


def _dialog(window: Any) -> NewChildDialog | None:
    found = window.findChild(NewChildDialog)
    return found if found is not None and found.isVisible() else None


def test_add_child_by_keyboard_then_find_with_search(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
    haven = window.haven
    haven.add_child("Alex Otherchild", None)
    window.workspace.children_panel.refresh()

    # Ctrl+N opens the dialog with focus in the name box.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _dialog(window) is not None)
    dialog = _dialog(window)
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name)

    focus = QApplication.focusWidget
    qtbot.keyClicks(focus(), "Zebedee Quartermain")
    qtbot.keyClick(focus(), Qt.Key.Key_Tab)
    assert focus() is dialog.known_as
    qtbot.keyClicks(focus(), "Zeb")
    qtbot.keyClick(focus(), Qt.Key.Key_Tab)
    assert focus() is dialog.dob.day
    qtbot.keyClicks(focus(), "4")
    qtbot.keyClick(focus(), Qt.Key.Key_Tab)
    assert focus() is dialog.dob.month
    qtbot.keyClicks(focus(), "11")
    qtbot.keyClick(focus(), Qt.Key.Key_Tab)
    assert focus() is dialog.dob.year
    qtbot.keyClicks(focus(), "2011")
    qtbot.keyClick(focus(), Qt.Key.Key_Tab)
    assert focus() is dialog.gender
    qtbot.keyClicks(focus(), "Boy")
    qtbot.keyClick(focus(), Qt.Key.Key_Tab)
    assert focus() is dialog.local_authority
    qtbot.keyClicks(focus(), "Dudley")
    qtbot.keyClick(focus(), Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: _dialog(window) is None)
    children = {c.name: c for c in haven.children()}
    zeb = children["Zebedee Quartermain"]
    assert zeb.dob == "2011-11-04"
    assert zeb.known_as == "Zeb"
    assert zeb.local_authority == "Dudley"
    # The window shows the new child's chronology; the title carries the reference only.
    assert window.view_name == "chronology" and window.subject_id == zeb.id
    assert zeb.ref in window.windowTitle() and "Zebedee" not in window.windowTitle()

    # Ctrl+F goes to the search box; typing searches the encrypted index off the UI thread.
    panel = window.workspace.children_panel
    assert len(panel.visible_subject_ids()) == 2
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is panel.search
    qtbot.keyClicks(panel.search, "quarter")
    qtbot.waitUntil(lambda: panel.visible_subject_ids() == [zeb.id], timeout=5000)
    assert panel.result_status.text() == "1 child found"

    panel.search.clear()
    qtbot.waitUntil(lambda: len(panel.visible_subject_ids()) == 2, timeout=5000)
    qtbot.keyClicks(panel.search, "nobody-like-this")
    qtbot.waitUntil(lambda: panel.visible_subject_ids() == [], timeout=5000)
    assert panel.result_status.text() == "No children match your search."


def test_new_child_dialog_reports_a_date_that_is_not_real(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    window.new_child()
    dialog = _dialog(window)
    assert dialog is not None
    qtbot.keyClicks(dialog.name, "Pat Example")
    qtbot.keyClicks(dialog.dob.day, "31")
    qtbot.keyClicks(dialog.dob.month, "2")
    qtbot.keyClicks(dialog.dob.year, "2012")
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.dob_error.text() == "Date of birth must be a real date"
    assert dialog.summary.isVisible()
    assert QApplication.focusWidget() is dialog.dob.day
    assert window.haven.children() == []

    dialog.dob.month.setText("")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.dob_error.text() == "Date of birth must include a month"
    assert QApplication.focusWidget() is dialog.dob.month


def test_chronology_lists_records_and_offers_forms(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    haven = window.haven
    child = haven.add_child("Sam Chrono", "2010-05-06")
    haven.start_record(child.id, "screening")
    window.workspace.children_panel.refresh()
    window.show_child(child.id)
    view = window.chronology
    assert view is not None
    assert view.entry_count() == 1
    assert "Draft" in view.tree.topLevelItem(0).text(2)
    form_ids = [view.form_choice.itemData(i) for i in range(view.form_choice.count())]
    assert "screening" in form_ids and "missing-episode" in form_ids
    # The draft screening offers its follow-up forms (starts_with in the form file).
    assert view.follow_choice.count() >= 1
