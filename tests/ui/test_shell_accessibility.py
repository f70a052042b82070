"""Screen readers and keyboards: every interactive widget has an accessible name (as a
screen reader would get it, through QAccessible), and Tab reaches every control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.children import NewChildDialog
from ui.first_run import FirstRunDialog
from ui.widgets.date_input import DateInput

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QAbstractSlider,
    QTextEdit,
    QPlainTextEdit,
)


def _accessible_name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name) if iface is not None else ""


def _interactive(root: QWidget) -> list[QWidget]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or isinstance(widget, QScrollBar):
            continue
        if isinstance(widget, INTERACTIVE) or (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
            and not widget.isWindow()
        ):
            found.append(widget)
    return found


def assert_all_named(root: QWidget) -> None:
    unnamed = [
        f"{type(w).__name__}({w.objectName() or '?'})"
        for w in _interactive(root)
        if not _accessible_name(w).strip()
    ]
    assert unnamed == [], f"interactive widgets without an accessible name: {unnamed}"


def tab_reaches_everything(qtbot: QtBot, root: QWidget, start: QWidget) -> None:
    """Press Tab from `start` until focus comes back; every focusable control must be hit."""
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    visited = [start]
    for _ in range(200):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        current = QApplication.focusWidget()
        if current is start:
            break
        visited.append(current)
    expected = [
        w
        for w in _interactive(root)
        if w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not isinstance(w, DateInput)
        and w.isVisibleTo(root)
        and type(w).__name__ != "QHeaderView"
    ]
    missing = [f"{type(w).__name__}({w.objectName()})" for w in expected if w not in visited]
    assert missing == [], f"not reachable by Tab: {missing}"


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
        assert _accessible_name(part) == f"{name}, Date of birth"
