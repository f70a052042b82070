"""The shell's small parts: date input, background helper, crash log, text cleaning, theme."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.errors import WrongPassphrase
from ui import plain_text
from ui.errors import CrashLog, redacted_traceback, show_error
from ui.theme import apply_theme, high_contrast_palette, normal_palette
from ui.widgets.date_input import DateInput
from ui.workers import run_task, wait_for_all

# ---- DateInput -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month", "year", "value", "error"),
    [
        ("", "", "", None, None),
        ("2", "4", "2011", "2011-04-02", None),
        ("29", "2", "2012", "2012-02-29", None),
        ("29", "2", "2013", None, "Date of birth must be a real date"),
        ("", "4", "2011", None, "Date of birth must include a day"),
        ("2", "", "", None, "Date of birth must include a month and a year"),
        ("2", "4", "11", None, "The year of the date of birth must include 4 numbers"),
        ("2", "4", "2099", "2099-04-02", "Date of birth must be in the past"),
    ],
)
def test_date_input_values_and_messages(
    qtbot: QtBot, day: str, month: str, year: str, value: str | None, error: str | None
) -> None:
    widget = DateInput("Date of birth", must_be_past=True, today=date(2026, 11, 20))
    qtbot.addWidget(widget)
    qtbot.keyClicks(widget.day, day)
    qtbot.keyClicks(widget.month, month)
    qtbot.keyClicks(widget.year, year)
    assert widget.value() == value
    assert widget.error() == error


def test_date_input_set_value_and_changed_signal(qtbot: QtBot) -> None:
    widget = DateInput("Date of the interview")
    qtbot.addWidget(widget)
    widget.setValue("2011-04-02")
    assert widget.parts() == ("2", "4", "2011")
    assert widget.value() == "2011-04-02"
    with qtbot.waitSignal(widget.changed):
        qtbot.keyClicks(widget.day, "1")
    widget.setValue(None)
    assert widget.is_empty()
    assert widget.day.accessibleName() == "Day, Date of the interview"
    # Letters are refused: the boxes take numbers only.
    qtbot.keyClicks(widget.month, "ab")
    assert widget.month.text() == ""


# ---- background work -------------------------------------------------------------------


def test_run_task_success_progress_and_failure_on_the_ui_thread(qtbot: QtBot) -> None:
    ui_thread = threading.current_thread()
    seen: list[object] = []

    def work(n: int, progress: object) -> int:
        assert threading.current_thread() is not ui_thread
        progress(50, "half")  # type: ignore[operator]
        return n * 2

    def on_success(result: object) -> None:
        assert threading.current_thread() is ui_thread
        seen.append(result)

    run_task(work, 21, on_success=on_success, on_progress=lambda p, t: seen.append((p, t)))
    qtbot.waitUntil(lambda: 42 in seen)
    assert (50, "half") in seen

    failures: list[BaseException] = []

    def broken() -> None:
        raise WrongPassphrase()

    run_task(broken, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], WrongPassphrase)


def test_results_for_a_destroyed_widget_are_dropped(qtbot: QtBot) -> None:
    gate = threading.Event()
    owner = QObject()
    delivered: list[object] = []
    run_task(gate.wait, 5, context=owner, on_success=delivered.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _valid(owner))
    gate.set()
    assert wait_for_all(5000)
    QApplication.processEvents()
    assert delivered == []


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


# ---- errors and the crash log ----------------------------------------------------------


def test_crash_log_has_no_personal_data(tmp_path: Path, qtbot: QtBot) -> None:
    crash = CrashLog(tmp_path / "logs" / "crash.log")
    crash.install()
    try:
        try:
            {"name": "x"}["Jamie Example"]
        except KeyError as exc:
            crash._excepthook(type(exc), exc, exc.__traceback__)
        try:
            raise WrongPassphrase()
        except WrongPassphrase as exc:
            crash.write_exception(type(exc), exc, exc.__traceback__)
    finally:
        crash.uninstall()
    text = (tmp_path / "logs" / "crash.log").read_text("utf-8")
    assert "builtins.KeyError" in text
    assert "test_shell_parts.py" in text
    assert "Jamie" not in text
    assert "That passphrase is not right" in text  # HavenError messages are safe
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox):
            assert "Jamie" not in box.text()
            box.close()


def test_show_error_uses_the_safe_message_or_a_generic_one(qtbot: QtBot) -> None:
    show_error(None, WrongPassphrase())
    show_error(None, ValueError("Jamie Example's answers"))
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    texts = sorted(b.text() for b in boxes)
    assert any("passphrase is not right" in t for t in texts)
    assert any(t.startswith("Something went wrong inside Haven") for t in texts)
    assert not any("Jamie" in t for t in texts)
    for box in boxes:
        box.close()


def test_redacted_traceback_drops_messages() -> None:
    try:
        raise RuntimeError("secret answer text")
    except RuntimeError as exc:
        text = redacted_traceback(type(exc), exc, exc.__traceback__)
    assert "RuntimeError" in text and "secret" not in text


# ---- text and theme --------------------------------------------------------------------


def test_plain_text_strips_control_and_bidi_characters() -> None:
    assert plain_text("Ja\x00mie\u202e Ex\x1bample") == "Jamie Example"
    assert plain_text("two\nlines", one_line=True) == "two lines"
    assert plain_text(None) == ""
    assert len(plain_text("x" * 5000, limit=100)) == 100


def test_theme_uses_fusion_palettes_and_never_pixel_fonts(qapp: QApplication) -> None:
    assert apply_theme(qapp, high_contrast=True) is True
    assert qapp.style().name().lower() == "fusion"
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert high_contrast_palette().color(QPalette.ColorRole.Text).name() == "#000000"
    assert apply_theme(qapp, high_contrast=False) is False
    assert qapp.palette().color(QPalette.ColorRole.Window) == normal_palette().color(
        QPalette.ColorRole.Window
    )
    assert QFont(qapp.font()).pixelSize() == -1  # sizes stay in points, from the system
    ui_dir = Path(__file__).resolve().parents[2] / "ui"
    shell_files = [
        "app.py",
        "children.py",
        "chronology.py",
        "first_run.py",
        "lock.py",
        "main_window.py",
        "my_work.py",
        "theme.py",
        "unlock.py",
        "widgets/date_input.py",
    ]
    for name in shell_files:
        source = (ui_dir / name).read_text("utf-8")
        assert "setPixelSize" not in source and "px;" not in source, name
