"""Issue 14's definition of done: a school nurse completes a screening at 1366 x 768 with
the keyboard alone, never scrolling sideways and never losing sight of the focus.

The main window is 1366 x 768. The child is found with Alt+S and the arrow keys, the
screening (the practitioner's first form) is started with Alt+T, every answer of the
example screening is given with keys (typing, Tab, Space, arrows: the form driver's
clicks become Space on the focused button), sections change with Alt+Right and the
record is completed with Control+Enter. On every page: no sideways scrolling, and
whatever has the focus is inside the visible part of the page with the focus ring
round it.
"""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, example_answers
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.profile import Session
from ui.widgets.focus_ring import OWN_FOCUS_PROPERTY, install_focus_ring, ring_target

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


class KeyboardDriver(FormDriver):
    """The shared driver, with every click replaced by Space on the focused control."""

    def click(self, button: QWidget) -> None:
        self.focus(button)
        self.qtbot.keyClick(button, Qt.Key.Key_Space)
        self.check_focus_in_sight()

    def replace_text(self, widget: QWidget, text: str) -> None:
        super().replace_text(widget, text)
        self.check_focus_in_sight()

    def check_focus_in_sight(self) -> None:
        """The focused control is on screen, in the page's visible part, and ringed."""
        focused = QApplication.focusWidget()
        assert focused is not None
        view = self.view
        scroll = view.stack.currentWidget()
        viewport = getattr(scroll, "viewport", lambda: None)()
        if viewport is not None and viewport.isAncestorOf(focused):
            QApplication.processEvents()
            where = QRect(focused.mapTo(viewport, QPoint(0, 0)), focused.size())
            assert viewport.rect().intersects(where), f"{focused.objectName()} is out of sight"
            assert where.right() <= viewport.width() + 1, f"{focused.objectName()} is cut off"
        if not focused.property(OWN_FOCUS_PROPERTY):
            ring = install_focus_ring()
            assert ring is not None
            target = ring_target(focused)
            self.qtbot.waitUntil(lambda: ring.ringed() is target, timeout=1000)


def test_a_screening_by_keyboard_alone_at_1366x768(
    qtbot: QtBot, window_factory: Any, open_session: Session
) -> None:
    window = window_factory(open_session)
    window.resize(1366, 768)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    haven = window.haven
    haven.add_child("Jamie Example", "2012-02-10", known_as="JJ", gender="Female")
    window.workspace.children_panel.refresh()
    panel = window.workspace.children_panel

    # Alt+S: the search; Tab: the list; the first child is current, Enter opens it.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, ALT)
    assert QApplication.focusWidget() is panel.search
    qtbot.keyClick(panel.search, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.list
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chronology is not None)
    chronology = window.chronology
    assert chronology.form_choice.currentData() == "screening"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_T, ALT)
    qtbot.waitUntil(lambda: window.view_name == "record")
    view = window.form_view
    assert view.form.id == "screening"
    # The side panels fold as the layout settles (a resize event); wait for it, not a tick.
    qtbot.waitUntil(lambda: view.stack.width() >= 0.6 * window.width(), timeout=5_000)
    driver = KeyboardDriver(qtbot, view)

    answers = example_answers("screening")
    for _ in range(len(view.form.sections) + 1):
        if view.on_check_page:
            break
        bar = view.stack.currentWidget().horizontalScrollBar()
        assert not (bar.isVisible() and bar.maximum() > 0), "the page scrolls sideways"
        before = view.current_section
        driver.fill_section(answers)
        driver.press(Qt.Key.Key_Right, ALT)
        assert view.on_check_page or view.current_section != before
    assert view.on_check_page
    bar = view.check_scroll.horizontalScrollBar()
    assert not (bar.isVisible() and bar.maximum() > 0)
    complete = view.check_page.complete_button
    driver.focus(complete)
    driver.check_focus_in_sight()
    with qtbot.waitSignal(view.completed, timeout=5000) as done:
        driver.press(Qt.Key.Key_Return, CTRL)
    record = haven.record(done.args[0])
    assert not record.is_draft
    assert record.answers["final_category"] == answers["final_category"]
