"""The main window by keyboard alone (issue 14): every control shows where the focus is,
Tab follows the reading order, each Alt+letter means one thing per window, the form
list puts the profile's usual form first, and the shortcuts are written down."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMainWindow,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.widgets.focus_ring import OWN_FOCUS_PROPERTY, install_focus_ring, ring_target

MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Alt+letter → the visible menus, buttons and labels that claim it."""
    found: dict[str, list[str]] = defaultdict(list)
    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            for letter in MNEMONIC.findall(action.text()):
                found[letter.lower()].append(f"menu {action.text()}")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        text = ""
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            text = widget.text()
        for letter in MNEMONIC.findall(text):
            found[letter.lower()].append(f"{type(widget).__name__} {text}")
    return found


def assert_unique_mnemonics(window: QWidget) -> None:
    clashes = {k: v for k, v in mnemonics(window).items() if len(v) > 1}
    assert clashes == {}


def tab_walk(qtbot: QtBot, start: QWidget, limit: int = 80) -> list[QWidget]:
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    seen = [start]
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        current = QApplication.focusWidget()
        if current is start or current is None:
            break
        seen.append(current)
    return seen


def assert_ring_on(qtbot: QtBot, widget: QWidget) -> None:
    """The focus ring is drawn round `widget` (or the row that outlines it itself)."""
    ring = install_focus_ring()
    assert ring is not None
    if widget.property(OWN_FOCUS_PROPERTY):
        return
    target = ring_target(widget)
    assert target is not None, f"no ring for {type(widget).__name__}({widget.objectName()})"
    qtbot.waitUntil(lambda: ring.ringed() is target)
    frame = ring.frame
    assert frame is not None and frame.isVisible()
    top_left = frame.mapToGlobal(QPoint(0, 0))
    target_top_left = target.mapToGlobal(QPoint(0, 0))
    assert top_left.x() < target_top_left.x() and top_left.y() < target_top_left.y()
    assert frame.width() > target.width() and frame.height() > target.height()


@pytest.fixture
def chronology_window(window_factory: Any, open_session: Session, qtbot: QtBot) -> Any:
    window = window_factory(open_session)
    window.resize(1366, 768)
    qtbot.waitExposed(window)
    haven = window.haven
    child = haven.add_child("Jamie Example", "2012-02-10", gender="Female")
    haven.start_record(child.id, "screening")
    window.workspace.children_panel.refresh()
    window.show_child(child.id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_every_control_shows_focus_in_tab_order(qtbot: QtBot, chronology_window: Any) -> None:
    window = chronology_window
    panel = window.workspace.children_panel
    visited = tab_walk(qtbot, panel.search)
    names = [w.objectName() for w in visited]
    # The children list and the records table were the ones without visible focus.
    assert "childrenList" in names and "chronologyList" in names
    for widget in visited:
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(lambda w=widget: QApplication.focusWidget() is w)
        assert_ring_on(qtbot, widget)


def test_the_ring_is_drawn_in_the_highlight_colour(qtbot: QtBot, chronology_window: Any) -> None:
    window = chronology_window
    tree = window.chronology.tree
    tree.setFocus(Qt.FocusReason.TabFocusReason)
    ring = install_focus_ring()
    assert ring is not None
    qtbot.waitUntil(lambda: ring.ringed() is tree)
    frame = ring.frame
    assert frame is not None
    image = window.grab().toImage()
    left_middle = frame.mapTo(window, QPoint(0, frame.height() // 2))
    colour = QColor(image.pixel(left_middle))
    assert colour == tree.palette().color(QPalette.ColorRole.Highlight)
    # Without the focus, the same pixel is not the ring.
    window.workspace.children_panel.search.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: ring.ringed() is window.workspace.children_panel.search)
    image = window.grab().toImage()
    assert QColor(image.pixel(left_middle)) != tree.palette().color(QPalette.ColorRole.Highlight)


def test_tab_follows_the_reading_order(qtbot: QtBot, chronology_window: Any) -> None:
    """Children panel first, then the view: top to bottom, left to right on a row."""
    window = chronology_window
    panel = window.workspace.children_panel
    view = window.chronology
    visited = tab_walk(qtbot, panel.search)
    in_panel = [w for w in visited if panel.isAncestorOf(w)]
    in_view = [w for w in visited if view.isAncestorOf(w)]
    assert visited[: len(in_panel)] == in_panel, "the children panel comes first"
    assert in_panel == [panel.search, panel.list, panel.new_button]

    def place(widget: QWidget) -> tuple[int, int]:
        centre = widget.mapTo(window, widget.rect().center())
        return centre.y(), centre.x()

    tolerance = window.fontMetrics().height()
    for before, after in itertools.pairwise(in_view):
        (y1, x1), (y2, x2) = place(before), place(after)
        same_row = abs(y2 - y1) <= tolerance
        assert (same_row and x2 > x1) or (not same_row and y2 > y1), (
            f"Tab goes back from {before.objectName()} to {after.objectName()}"
        )


def test_mnemonics_are_unique_in_every_view(qtbot: QtBot, chronology_window: Any) -> None:
    window = chronology_window
    assert_unique_mnemonics(window)
    # The retention notice and the crash banner sit above every view when they show (made
    # once the window has painted).
    qtbot.waitUntil(lambda: window.reopen_banner is not None)
    for banner in (window.retention_notice, window.reopen_banner):
        banner.setVisible(True)
    window.retention_notice.show_button.setVisible(True)
    assert_unique_mnemonics(window)
    window.show_my_work()
    assert_unique_mnemonics(window)
    child_id = window.subject_id or window.haven.children()[0].id
    record = window.haven.start_record(child_id, "screening")
    window.open_record(record.id)
    assert_unique_mnemonics(window)
    window.show_queue()
    assert_unique_mnemonics(window)


def test_alt_letters_reach_the_form_list_and_start_the_usual_form(
    qtbot: QtBot, chronology_window: Any
) -> None:
    window = chronology_window
    view = window.chronology
    # A practitioner's usual form is the screening: first in the list, already chosen.
    assert view.form_choice.itemData(0) == "screening"
    assert view.form_choice.currentData() == "screening"
    window.workspace.children_panel.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.workspace.children_panel.search)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is view.form_choice
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is window.workspace.children_panel.search
    view.form_choice.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.view_name == "record")
    assert window.form_view.form.id == "screening"


def test_child_header_shows_age_and_gender(qtbot: QtBot, chronology_window: Any) -> None:
    window = chronology_window
    facts = window.chronology.facts.text()
    assert "born 10 February 2012" in facts
    born = (2012, 2, 10)
    today = window.haven.clock().date()
    age = today.year - born[0] - ((today.month, today.day) < born[1:])
    assert f"age {age}" in facts
    assert "Female" in facts


def test_help_lists_the_keyboard_shortcuts(qtbot: QtBot, chronology_window: Any) -> None:
    from ui.shortcuts_help import ShortcutsDialog

    window = chronology_window
    window.workspace.children_panel.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.findChild(ShortcutsDialog) is not None)
    dialog = window.findChild(ShortcutsDialog)
    qtbot.waitExposed(dialog)
    rows = dialog.rows()
    keys = " ".join(k for k, _ in rows)
    for needed in ("Alt+Left", "Alt+Right", "Ctrl+N", "Ctrl+F", "Ctrl+L", "F9"):
        assert needed in keys, needed
    assert any("Previous section" in what for _, what in rows)
    assert window.shortcuts_action.toolTip().endswith("(F1)")
    assert "(Ctrl+L)" in window.lock_action.toolTip()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_mnemonics_are_unique_in_the_dialogs_too(
    qtbot: QtBot, chronology_window: Any, tmp_path: Any
) -> None:
    from ui.first_run import FirstRunDialog

    first_run = FirstRunDialog(tmp_path / "new-profile")
    qtbot.addWidget(first_run)
    first_run.show()
    qtbot.waitExposed(first_run)
    first_run.activateWindow()
    qtbot.waitUntil(first_run.isActiveWindow)
    assert_unique_mnemonics(first_run)
    first_run.name.setFocus()
    qtbot.keyClick(first_run.name, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is first_run.agency
    qtbot.keyClick(first_run.agency, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is first_run.passphrase

    window = chronology_window
    window.new_child()
    from ui.new_child_dialog import NewChildDialog

    qtbot.waitUntil(lambda: window.findChild(NewChildDialog) is not None)
    dialog = window.findChild(NewChildDialog)
    qtbot.waitExposed(dialog)
    assert_unique_mnemonics(dialog)
