"""Locking: idle timer -> saved, widgets destroyed, session closed; unlock -> same place."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.lock import IdleWatcher, Position

CANARY = "CANARY-Zanzibar-7731"
saves: list[str] = []


class FakeFormView(QWidget):
    """Stands in for ui.form_view.FormView with the interface the shell relies on."""

    closed = Signal()
    completed = Signal(str)

    def __init__(
        self, haven: Any, record_id: str, parent: QWidget | None, position: Position | None
    ) -> None:
        super().__init__(parent)
        self.haven = haven
        self.record_id = record_id
        self.went_to: tuple[int, str | None] | None = None
        self.section = 0
        self.item = "child_name"
        layout = QVBoxLayout(self)
        self.answer = QLineEdit(self)
        self.answer.setAccessibleName("Answer")
        layout.addWidget(self.answer)
        if position is not None and position.section_index is not None:
            self.go_to(position.section_index, position.item_id)

    def save_now(self) -> None:
        saves.append(self.answer.text())

    def position(self) -> tuple[int, str | None]:
        return self.section, self.item

    def go_to(self, section_index: int, item_id: str | None) -> None:
        self.went_to = (section_index, item_id)


class QPointer:
    """PySide6 has no QPointer: the same question asked through shiboken6.isValid."""

    def __init__(self, obj: QObject | None) -> None:
        self._obj = obj

    def isNull(self) -> bool:
        return self._obj is None or not shiboken6.isValid(self._obj)


def _all_line_edit_text() -> list[str]:
    return [w.text() for w in QApplication.allWidgets() if isinstance(w, QLineEdit)]


def _unlock(qtbot: QtBot, window: Any, passphrase: str) -> None:
    screen = window.unlock_screen
    assert screen is not None
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)


def test_idle_lock_destroys_record_widgets_and_unlock_returns_to_the_record(
    qtbot: QtBot, window_factory: Any, open_session: Session, shell_passphrase: str
) -> None:
    saves.clear()
    window = window_factory(
        open_session,
        form_view_factory=FakeFormView,
    )
    haven = window.haven
    child = haven.add_child("Canary Child", None)
    record = haven.start_record(child.id, "screening")
    window.workspace.children_panel.refresh()
    window.show_child(child.id)
    window.open_record(record.id)
    form = window.form_view
    assert isinstance(form, FakeFormView)
    assert window.view_name == "record"
    assert record.ref in window.windowTitle()
    form.section, form.item = 3, "risk_school"
    qtbot.keyClicks(form.answer, CANARY)
    qtbot.keyClicks(window.workspace.children_panel.search, CANARY)
    assert CANARY in _all_line_edit_text()

    watched = [
        QPointer(form),
        QPointer(form.answer),
        QPointer(window.workspace),
        QPointer(window.workspace.children_panel.search),
        QPointer(window.workspace.children_panel.list),
    ]
    old_session = window.session

    with qtbot.waitSignal(window.locked, timeout=5000):
        window.lock.set_idle_ms(30)

    # Saved first, then destroyed (not hidden), then the store closed.
    assert saves == [CANARY]
    qtbot.waitUntil(lambda: all(p.isNull() for p in watched))
    assert CANARY not in _all_line_edit_text()
    for line_edit in window.findChildren(QLineEdit):
        assert CANARY not in line_edit.text()
    assert window.session is None and window.haven is None
    assert not old_session.is_open
    assert window.unlock_screen is not None and window.unlock_screen.isVisible()
    assert window.windowTitle() == "Haven — locked"
    assert not window.lock_action.isEnabled()

    _unlock(qtbot, window, shell_passphrase)
    restored = window.form_view
    assert isinstance(restored, FakeFormView) and restored is not form
    assert restored.record_id == record.id
    assert restored.went_to == (3, "risk_school")
    assert window.view_name == "record" and window.subject_id == child.id
    assert window.workspace.children_panel.current_subject_id() == child.id
    assert window.lock.idle.running


def test_ctrl_l_locks_and_unlock_returns_to_the_same_child(
    qtbot: QtBot, window_factory: Any, open_session: Session, shell_passphrase: str
) -> None:
    window = window_factory(open_session)
    haven = window.haven
    haven.add_child("First Child", None)
    second = haven.add_child("Second Child", None)
    window.workspace.children_panel.refresh()
    window.show_child(second.id)
    chronology = QPointer(window.chronology)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.session is None)
    qtbot.waitUntil(lambda: chronology.isNull())

    _unlock(qtbot, window, shell_passphrase)
    assert window.view_name == "chronology"
    assert window.chronology is not None and window.chronology.subject_id == second.id
    assert window.workspace.children_panel.current_subject_id() == second.id


def test_lock_closes_open_dialogs_holding_typed_text(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    window.new_child()
    from ui.new_child_dialog import NewChildDialog

    dialog = window.findChild(NewChildDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.name, CANARY)
    pointer = QPointer(dialog)
    window.lock_now()
    qtbot.waitUntil(lambda: pointer.isNull())
    assert CANARY not in _all_line_edit_text()


def test_idle_watcher_restarts_on_input_and_reads_the_setting(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    open_session.repo.set_setting("test", "idle_lock_minutes", "7")
    window = window_factory(open_session)
    assert window.lock.idle.interval_ms == 7 * 60_000

    watcher = IdleWatcher(minutes=1)
    watcher.start()
    try:
        field = QLineEdit()
        qtbot.addWidget(field)
        seen = watcher.inputs_seen
        qtbot.keyClick(field, Qt.Key.Key_A)
        assert watcher.inputs_seen > seen
        assert watcher.running and watcher.remaining_ms > 50_000
        watcher.set_interval_ms(0)  # 0 turns idle locking off
        assert not watcher.running
    finally:
        watcher.stop()


def test_position_is_plain_data() -> None:
    pos = Position(view="record", subject_id="s", record_id="r", section_index=2, item_id="x")
    assert pos == Position("record", "s", "r", 2, "x")


def test_lock_and_unlock_with_the_real_form_view(
    qtbot: QtBot, window_factory: Any, open_session: Session, shell_passphrase: str
) -> None:
    """The contract with ui/form_view.py: saved, destroyed, re-created at the same place."""
    pytest.importorskip("ui.form_view")
    from PySide6.QtWidgets import QPlainTextEdit

    window = window_factory(open_session)
    qtbot.waitUntil(window.isActiveWindow)
    haven = window.haven
    child = haven.add_child("Real Form Child", "2012-01-01")
    record = haven.start_record(child.id, "screening")
    window.workspace.children_panel.refresh()
    window.open_record(record.id)
    view = window.form_view
    assert view is not None
    fields = [
        w
        for w in view.findChildren(QLineEdit)
        if w.isVisible() and w.isEnabled() and not w.isReadOnly() and not w.text()
    ]
    assert fields, "the first section has an empty text box"
    field = fields[0]
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    qtbot.keyClicks(field, CANARY)
    before = view.position()
    pointer = QPointer(view)

    window.lock_now()
    qtbot.waitUntil(lambda: window.session is None)
    qtbot.waitUntil(pointer.isNull)
    texts = _all_line_edit_text() + [
        w.toPlainText() for w in QApplication.allWidgets() if isinstance(w, QPlainTextEdit)
    ]
    assert not any(CANARY in t for t in texts)

    _unlock(qtbot, window, shell_passphrase)
    assert CANARY in str(window.haven.record(record.id).answers)
    restored = window.form_view
    assert restored is not None and window.record_id == record.id
    after = restored.position()
    assert (after.section_index, after.item_id) == (before.section_index, before.item_id)


_SCREENSAVER_PROBE = """
import subprocess, sys
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.lock import ScreenLockListener
listener = ScreenLockListener()
got = []
phase = []
loop = QEventLoop()
listener.screen_locked.connect(lambda: (got.append(phase[-1]), loop.quit()))
def send(value):
    phase.append(value)
    subprocess.run(["dbus-send", "--session", "--type=signal", "/org/gnome/ScreenSaver",
                    "org.gnome.ScreenSaver.ActiveChanged", "boolean:" + value], check=True)
QTimer.singleShot(0, lambda: send("false"))
QTimer.singleShot(500, lambda: send("true"))
QTimer.singleShot(10000, loop.quit)
loop.exec()
print("LOCKED" if got == ["true"] else "NOT LOCKED", got, len(listener.listening))
"""


def test_screensaver_activation_on_dbus_locks(tmp_path: Any) -> None:
    """Linux: the desktop's screensaver ActiveChanged(true) on the session bus locks Haven
    (a private bus started with dbus-run-session; ActiveChanged(false) does not lock)."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if not (shutil.which("dbus-run-session") and shutil.which("dbus-send")):
        pytest.skip("D-Bus tools are not installed")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    result = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-c", _SCREENSAVER_PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert "LOCKED ['true'] 3" in result.stdout, result.stdout + result.stderr
    assert "NOT LOCKED" not in result.stdout
