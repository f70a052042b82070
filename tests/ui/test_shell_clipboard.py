"""The clipboard: Haven's copies are cleared after the (injected) timeout, only if unchanged."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.clipboard import ClipboardGuard


def _clipboard_text() -> str:
    return QApplication.clipboard().text()


def test_haven_text_is_cleared_after_the_timeout(qtbot: QtBot) -> None:
    guard = ClipboardGuard(timeout_ms=40)
    guard.copy("Copied from a record")
    assert _clipboard_text() == "Copied from a record"
    with qtbot.waitSignal(guard.cleared, timeout=3000):
        pass
    assert _clipboard_text() == ""
    assert not guard.holds_haven_text


def test_text_replaced_by_another_program_is_left_alone(qtbot: QtBot) -> None:
    guard = ClipboardGuard(timeout_ms=40)
    guard.copy("Copied from a record")
    # No Haven widget has focus: this is another program's copy.
    assert QApplication.focusWidget() is None
    with qtbot.assertNotEmitted(guard.cleared):
        QApplication.clipboard().setText("the user's own text")
        qtbot.waitUntil(lambda: not guard.holds_haven_text)
    assert _clipboard_text() == "the user's own text"
    assert guard.clear_if_owned() is False
    assert _clipboard_text() == "the user's own text"


def test_ctrl_c_in_a_haven_field_is_cleared_too(qtbot: QtBot) -> None:
    guard = ClipboardGuard(timeout_ms=40)
    field = QLineEdit("Answer text from a record")
    qtbot.addWidget(field)
    field.show()
    field.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    field.selectAll()
    field.copy()
    qtbot.waitUntil(lambda: guard.holds_haven_text)
    with qtbot.waitSignal(guard.cleared, timeout=3000):
        pass
    assert _clipboard_text() == ""


def test_lock_clears_haven_text_at_once(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    guard = ClipboardGuard(timeout_ms=60_000)
    window = window_factory(open_session, clipboard=guard)
    guard.copy("Copied before locking")
    window.lock_now()
    qtbot.waitUntil(lambda: window.session is None)
    assert _clipboard_text() == ""
