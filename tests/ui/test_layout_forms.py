"""Every page of every form fits a school laptop: 1366 x 768 and 1280 x 720 (issue 14).

The main window is sized like the laptop's screen, a record of each form is opened in it
(filled with the form's fictional example answers, so long answers and group entries
show), and every section page and Check your answers is laid out and measured: the
question column keeps at least 60% of the window, nothing scrolls sideways, and no text
of a question, option, answer or button is cut off (a word-wrapping label is as tall as
its text needs at its width; any other text fits its widget's width).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.form_driver import EXAMPLES
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QScrollArea,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.forms.loader import load_registry
from app.profile import Session

SIZES = [(1366, 768), (1280, 720)]
FORM_IDS = [form.id for form in load_registry().latest()]


def _example(form_id: str) -> dict[str, Any]:
    path = EXAMPLES / f"{form_id}.json"
    data = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    return data if isinstance(data, dict) else {}


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def cut_off(page: QWidget, viewport: QWidget) -> list[str]:
    """Text widgets under `page` whose words do not all show, described for a message."""
    problems: list[str] = []
    right_edge = viewport.width()
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page) or widget.width() <= 0:
            continue
        name = f"{type(widget).__name__}({widget.objectName() or '?'})"
        left = widget.mapTo(viewport, widget.rect().topLeft()).x()
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if needed > widget.height() + 1:
                    problems.append(f"{name} {widget.text()[:40]!r} needs {needed}px height")
            elif widget.sizeHint().width() > widget.width() + 1:
                problems.append(f"{name} {widget.text()[:40]!r} is wider than its box")
        elif isinstance(widget, QAbstractButton) and widget.text():
            if widget.sizeHint().width() > widget.width() + 1:
                problems.append(f"{name} {widget.text()[:40]!r} is elided")
        elif isinstance(widget, QComboBox) and widget.currentText():
            room = widget.width() - widget.iconSize().width() - 2 * widget.height() // 2
            if widget.fontMetrics().horizontalAdvance(widget.currentText()) > room:
                problems.append(f"{name} {widget.currentText()[:40]!r} is elided")
        else:
            continue
        if left + widget.width() > right_edge + 1:
            problems.append(f"{name} runs past the right edge ({left + widget.width()}px)")
    return problems


def check_page(window: Any, view: Any, scroll: QScrollArea, where: str) -> list[str]:
    problems: list[str] = []
    share = view.stack.width() / window.width()
    if share < 0.6:
        problems.append(f"{where}: the question column has {share:.0%} of the window")
    bar = scroll.horizontalScrollBar()
    if bar.isVisible() and bar.maximum() > 0:
        problems.append(f"{where}: scrolls sideways by {bar.maximum()}px")
    page = scroll.widget()
    if page is not None and page.width() > scroll.viewport().width() + 1:
        problems.append(
            f"{where}: page is {page.width()}px in a {scroll.viewport().width()}px view"
        )
    if page is not None:
        problems.extend(f"{where}: {p}" for p in cut_off(page, scroll.viewport()))
    return problems


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_page_fits_a_school_laptop(
    qtbot: QtBot,
    window_factory: Any,
    open_session: Session,
    form_id: str,
    size: tuple[int, int],
) -> None:
    window = window_factory(open_session)
    window.resize(*size)
    qtbot.waitExposed(window)
    haven = window.haven
    child = haven.add_child("Jamie Example", "2012-02-10", known_as="JJ", gender="Female")
    record = haven.start_record(child.id, form_id, answers=_example(form_id))
    window.workspace.children_panel.refresh()
    window.open_record(record.id)
    view = window.form_view
    assert view is not None
    _settle()
    assert window.width() == size[0]
    # The children list folds away while a record is open; F9 brings it back.
    assert not window.workspace.children_panel.isVisible()

    problems: list[str] = []
    for index, section in enumerate(view.form.sections):
        view.go_to_section(index, focus=False)
        _settle()
        if view.stack.currentWidget() is not view._scrolls.get(index):
            continue  # a section hidden by the example's answers
        problems += check_page(window, view, view._scrolls[index], f"{form_id}/{section.id}")
    view.show_check_page(focus=False)
    _settle()
    problems += check_page(window, view, view.check_scroll, f"{form_id}/check-answers")
    assert problems == []


def test_children_list_comes_back_with_f9_and_after_the_record(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    window.resize(1366, 768)
    qtbot.waitExposed(window)
    haven = window.haven
    child = haven.add_child("Jamie Example", "2012-02-10")
    record = haven.start_record(child.id, "screening")
    window.workspace.children_panel.refresh()
    window.show_child(child.id)
    panel = window.workspace.children_panel
    assert panel.isVisible()
    window.open_record(record.id)
    assert not panel.isVisible()
    from PySide6.QtCore import Qt

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F9)
    assert panel.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F9)
    assert not panel.isVisible()
    qtbot.mouseClick(window.form_view.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.view_name == "chronology")
    assert panel.isVisible()


def test_side_panels_fold_on_a_narrow_view_and_the_user_can_bring_them_back(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    from PySide6.QtCore import Qt

    window = window_factory(open_session)
    window.resize(1024, 700)
    qtbot.waitExposed(window)
    haven = window.haven
    child = haven.add_child("Jamie Example", "2012-02-10")
    record = haven.start_record(child.id, "screening")
    window.open_record(record.id)
    view = window.form_view
    _settle()
    # 1024 px: the sections list folds away first, the questions keep 60%.
    assert not view.nav_panel.isVisible()
    assert view.stack.width() >= 0.6 * window.width()
    assert view.sections_toggle.text() == "Show sections"
    view.sections_toggle.setFocus()
    qtbot.keyClick(view.sections_toggle, Qt.Key.Key_Space)
    assert view.nav_panel.isVisible()
    assert view.sections_toggle.text() == "Hide sections"
    # The user's choice holds when the window is resized.
    window.resize(1000, 700)
    _settle()
    assert view.nav_panel.isVisible()
    both = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view.sections_toggle, Qt.Key.Key_G, both)
    assert not view.outcome_scroll.isVisible()
    assert view.suggestions_toggle.text() == "Show suggestions"


def test_layout_module_finds_cut_off_text(qtbot: QtBot, tmp_path: Path) -> None:
    """The measure itself: a label too narrow for its words is reported."""
    from PySide6.QtWidgets import QVBoxLayout

    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    label = QLabel("Category 2 – Medium. Significant risk of harm. " * 3, page)
    label.setFixedWidth(150)
    layout.addWidget(label)
    page.resize(200, 300)
    page.show()
    _settle()
    assert cut_off(page, page) != []
    label.setWordWrap(True)
    _settle()
    assert cut_off(page, page) == []
