"""Screen readers and keyboards: every interactive widget has an accessible name (as a
screen reader would get it, through QAccessible), and Tab reaches every control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.accessibility import accessible_name, assert_all_named
from helpers.accessibility import tab_reaches_everything as shared_tab_walk
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.first_run import FirstRunDialog
from ui.new_child_dialog import NewChildDialog
from ui.widgets.date_input import DateInput


def tab_reaches_everything(qtbot: QtBot, root: QWidget, start: QWidget) -> None:
    """The shared walk; a date input's day, month and year take the focus, not the box."""
    shared_tab_walk(qtbot, root, start, containers=(DateInput,))


def test_first_run_dialog_is_named_and_tabbable(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = FirstRunDialog(tmp_path / "p")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert_all_named(dialog)
    tab_reaches_everything(qtbot, dialog, dialog.name)
    # Order: who you are, then the passphrase, then the buttons.
    order = [
        dialog.name,
        dialog.role,
        dialog.agency,
        dialog.local_authority,
        dialog.passphrase,
        dialog.confirm,
        dialog.use_keychain,
    ]
    dialog.name.setFocus()
    for expected in order[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected


def test_unlock_screen_is_named(qtbot: QtBot, window_factory: Any) -> None:
    window = window_factory()
    qtbot.waitExposed(window)
    assert window.unlock_screen is not None
    assert_all_named(window)
    screen = window.unlock_screen
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.passphrase)


def test_workspace_views_and_dialogs_are_named_and_tabbable(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    qtbot.waitExposed(window)
    haven = window.haven
    child = haven.add_child("Access Ible", "2012-03-04")
    haven.start_record(child.id, "screening")
    window.workspace.children_panel.refresh()
    window.show_child(child.id)
    assert_all_named(window)
    tab_reaches_everything(qtbot, window.workspace, window.workspace.children_panel.search)

    window.show_my_work()
    assert_all_named(window)
    tab_reaches_everything(qtbot, window.workspace, window.workspace.children_panel.search)

    window.new_child()
    dialog = window.findChild(NewChildDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert_all_named(dialog)
    tab_reaches_everything(qtbot, dialog, dialog.name)
    for part, name in (
        (dialog.dob.day, "Day"),
        (dialog.dob.month, "Month"),
        (dialog.dob.year, "Year"),
    ):
        assert accessible_name(part) == f"{name}, Date of birth"
