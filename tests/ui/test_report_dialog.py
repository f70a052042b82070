"""The LSCB dataset report dialog, through real widgets, offscreen: choose a quarter, save
a CSV or a PDF off the UI thread, see what happened; every control named and reachable
by keyboard. The platform's save dialog is the only thing replaced. Nothing sleeps.

The counts themselves are proved in tests/flows/test_lscb.py; here one screening is
enough to see a number travel from the store to the saved file.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers.accessibility import accessible_name, assert_all_named, tab_reaches_everything
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from app.profile import Session
from app.reports.lscb import lscb_dataset
from app.service import Haven
from tests.haven_testkit import CHILD_DOB, CHILD_NAME, DSL, NOW, example, new_session
from ui import report_dialog
from ui.report_dialog import ReportDialog

SLOW_MS = 60_000


@dataclass
class Desk:
    session: Session
    haven: Haven
    dialog: ReportDialog


@pytest.fixture
def desk(qtbot: QtBot, tmp_path: Path) -> Iterator[Desk]:
    session = new_session(tmp_path / "profile", DSL)
    haven = Haven(session, clock=lambda: NOW)
    child = haven.add_child(CHILD_NAME, CHILD_DOB, gender="Female")
    answers = example("screening")
    answers.update(child_name=CHILD_NAME, screening_date="2026-08-20", final_category="2")
    haven.complete(haven.start_record(child.id, "screening", answers=answers).id)
    dialog = ReportDialog(haven)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield Desk(session, haven, dialog)
    if session.is_open:
        session.lock()


def answer_save_dialog(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[str]:
    """The platform save dialog, answering `target`; returns the file names proposed."""
    proposed: list[str] = []

    def get_save_file_name(
        _parent: object, _caption: str = "", folder: str = "", _filter: str = "", *_a: object
    ) -> tuple[str, str]:
        proposed.append(Path(folder).name)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", get_save_file_name)
    return proposed


def report_entries(haven: Haven) -> list[str]:
    return [e.detail for e in haven.repo.audit_entries() if e.action == "report"]


def test_named_controls_and_keyboard(qtbot: QtBot, desk: Desk) -> None:
    dialog = desk.dialog
    assert_all_named(dialog)
    assert dialog.quarter.accessibleName() == "Quarter"  # QAccessible reads its current text
    assert accessible_name(dialog.csv_button) == "Save CSV"
    assert accessible_name(dialog.pdf_button) == "Save PDF"
    tab_reaches_everything(qtbot, dialog, dialog.quarter)
    # Offered: the current quarter (to date) and seven before it; the last ended one is
    # chosen, because that is what a quarterly return is for.
    assert dialog.quarter.count() == 8
    assert dialog.quarter.itemData(0) == "2026Q4"
    assert dialog.quarter.itemText(0).endswith("(to date)")
    assert dialog.chosen_quarter() == "2026Q3"
    assert dialog.quarter.itemText(1) == "2026 Q3: 1 July 2026 to 30 September 2026"


def test_save_csv_off_the_ui_thread(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = desk.dialog
    target = tmp_path / "out" / "lscb.csv"
    target.parent.mkdir()
    proposed = answer_save_dialog(monkeypatch, target)
    # Hold the worker at its start to see the dialog while it works.
    started, release = threading.Event(), threading.Event()
    ui_thread = threading.current_thread()
    seen_threads: list[threading.Thread] = []

    def held(*args: Any, **kwargs: Any) -> Any:
        seen_threads.append(threading.current_thread())
        started.set()
        assert release.wait(10)
        return lscb_dataset(*args, **kwargs)

    monkeypatch.setattr(report_dialog, "lscb_dataset", held)
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=SLOW_MS)
    assert not dialog.csv_button.isEnabled() and not dialog.pdf_button.isEnabled()
    assert not dialog.close_button.isEnabled() and dialog.progress.isVisible()
    dialog.reject()  # Escape / the window's close: the save finishes in view
    assert dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: "Saved the CSV" in dialog.status.text(), timeout=SLOW_MS)
    assert seen_threads and seen_threads[0] is not ui_thread
    assert proposed == ["lscb-2026Q3.csv"]
    assert dialog.status.text() == "Saved the CSV for 2026Q3 as lscb.csv."
    assert accessible_name(dialog.status) == dialog.status.text()
    assert dialog.csv_button.isEnabled() and not dialog.progress.isVisible()
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("OFFICIAL-SENSITIVE\r\n")
    assert CHILD_NAME not in text and CHILD_DOB not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Children screened for CSE", "Children screened", "", "", "Category 2", "<5", "<5"] in (
        rows
    )
    assert target.stat().st_mode & 0o777 == 0o600
    assert report_entries(desk.haven) == ["lscb 2026Q3"]


def test_save_pdf_for_another_quarter_by_keyboard(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = desk.dialog
    target = tmp_path / "q2.pdf"
    proposed = answer_save_dialog(monkeypatch, target)
    dialog.quarter.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.quarter)
    qtbot.keyClick(dialog.quarter, Qt.Key.Key_Down)
    assert dialog.chosen_quarter() == "2026Q2"
    dialog.pdf_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.pdf_button)
    qtbot.keyClick(dialog.pdf_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Saved the PDF" in dialog.status.text(), timeout=SLOW_MS)
    assert proposed == ["lscb-2026Q2.pdf"]
    assert target.read_bytes().startswith(b"%PDF")
    assert report_entries(desk.haven) == ["lscb 2026Q2"]


def test_cancelled_save_dialog_does_nothing(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    qtbot.mouseClick(desk.dialog.pdf_button, Qt.MouseButton.LeftButton)
    assert not desk.dialog.running and desk.dialog.status.text() == ""
    assert report_entries(desk.haven) == []


def test_a_failed_save_says_so_and_records_nothing(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = desk.dialog
    answer_save_dialog(monkeypatch, tmp_path / "no such folder" / "lscb.csv")
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=SLOW_MS)
    assert "could not save the file" in dialog.error.text()
    assert accessible_name(dialog.error).startswith("Error: ")
    assert "Saved" not in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.csv_button.isEnabled())
    assert report_entries(desk.haven) == []
