"""Opening a record lays its first page out once, for the width it is shown at (issue 11).

The side panels that fit are decided as the view is first shown (not at Qt's default
width while it is built), and a page waits for its scroll area's real size before it is
laid out, beside the scroll bar a long page needs. These tests watch the page's resize
events, the observable trace of a layout pass, and check that nothing else changed: the
panels still fold on a narrow window, Tab still walks the page, and a view never shown
still holds its page.
"""

from __future__ import annotations

from typing import Any

from helpers.form_driver import Workbench, example_answers
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.forms.session import ShownProblem
from ui.form.check_answers import CheckAnswersPage
from ui.form.page_area import PageArea
from ui.form.tab_chain import focus_chain
from ui.form.wrap_label import WrapLabel
from ui.form_view import FormView
from ui.shortcuts import keys_text


class _Resizes(QObject):
    """Counts the resize events of one widget (each is a layout of everything in it)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.count += 1
        return False


def _shown_at(bench: Workbench, qtbot: Any, record_id: str, width: int, height: int) -> Any:
    view = FormView(bench.haven, record_id)
    bench.views.append(view)
    page = view.current_page()
    assert page is not None
    resizes = _Resizes(page)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    return view, page, resizes


def test_first_page_is_laid_out_once_at_its_width(bench: Workbench, qtbot: Any) -> None:
    view, page, resizes = _shown_at(bench, qtbot, bench.start("risk-assessment"), 1280, 860)
    area = view.stack.currentWidget()
    assert isinstance(area, PageArea)
    assert area.widget() is page
    assert resizes.count == 1
    # The long first page scrolls, and fills the width the scroll bar leaves.
    assert area.verticalScrollBar().isVisible()
    assert page.width() == area.viewport().width()
    assert view.nav_panel.isVisible() and view.outcome_scroll.isVisible()


def test_panels_fold_before_the_first_layout(bench: Workbench, qtbot: Any) -> None:
    """A window too narrow for the sections list: it is folded as the view is first
    shown, so the page is not laid out beside it and then again without it."""
    view, page, resizes = _shown_at(bench, qtbot, bench.start("risk-assessment"), 900, 700)
    assert not view.nav_panel.isVisible()
    assert view.sections_toggle.text() == "Show sections"
    assert view.stack.width() >= 0.6 * view.width()
    assert resizes.count == 1
    # Asked for, the list comes back and the page is laid out for its new width.
    view.set_sections_shown(True)
    QApplication.processEvents()
    assert view.nav_panel.isVisible()
    assert page.width() == view.stack.currentWidget().viewport().width()


def test_a_short_page_takes_the_whole_width(bench: Workbench, qtbot: Any) -> None:
    """No scroll bar is needed: the page is not left narrowed for one."""
    view, _page, _resizes = _shown_at(bench, qtbot, bench.start("risk-assessment"), 1280, 860)
    short = min(
        range(len(view.form.sections)),
        key=lambda index: len(view.form.sections[index].items),
    )
    view.go_to_section(short, focus=False)
    QApplication.processEvents()
    area = view.stack.currentWidget()
    assert isinstance(area, PageArea)
    page = view.current_page()
    assert area.widget() is page
    assert not area.verticalScrollBar().isVisible()
    assert page is not None and page.width() == area.viewport().width() == area.width()


def test_a_view_never_shown_still_holds_its_page(bench: Workbench, qtbot: Any) -> None:
    view = FormView(bench.haven, bench.start("screening"))
    bench.views.append(view)
    page = view.current_page()
    assert page is not None
    area = view.stack.currentWidget()
    assert isinstance(area, PageArea)
    assert area.content() is page and area.isAncestorOf(page)
    inputs = [w for item in page.widgets.values() for w in item.inputs()]
    chain = focus_chain(area)
    assert inputs and all(w in chain for w in inputs if w.isVisibleTo(page))
    # Focusing a question of a page not placed yet scrolls nothing and raises nothing.
    view.go_to(view.current_section, item_id=next(iter(page.widgets)))
    view.resize(1280, 860)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    assert area.widget() is page


def test_question_hints_keep_their_width_and_labels_their_height(
    bench: Workbench, qtbot: Any
) -> None:
    """Item widgets hint their unwrapped size (their height comes from heightForWidth at
    the real width): the hint's width is Qt's own, and every label shown is as tall as
    its text needs at the width it has."""
    view, page, _resizes = _shown_at(bench, qtbot, bench.start("risk-assessment"), 1280, 860)
    for index in range(len(view.form.sections)):
        view.go_to_section(index, focus=False)
        QApplication.processEvents()
        page = view.current_page()
        assert page is not None
        for item in page.widgets.values():
            layout = item.layout()
            assert layout is not None
            assert item.sizeHint().width() == layout.totalSizeHint().width()
            if item.isVisibleTo(page):
                assert item.height() >= item.heightForWidth(item.width())
        for label in page.findChildren(WrapLabel):
            if label.isVisibleTo(page) and label.text():
                assert label.height() >= label.heightForWidth(label.width()), label.text()


def test_check_page_is_made_when_first_shown(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    assert view.findChild(CheckAnswersPage) is None
    assert not view.on_check_page
    view.show_check_page()
    QApplication.processEvents()
    page = view.findChild(CheckAnswersPage)
    assert page is view.check_page and view.on_check_page
    assert view.check_scroll.widget() is page
    assert page.complete_button.toolTip() == f"Complete this record ({keys_text('continue')})"
    # Its buttons are connected: Change goes back to the question.
    assert page.change_buttons
    qtbot.mouseClick(page.change_buttons[0], Qt.MouseButton.LeftButton)
    assert not view.on_check_page


def test_error_summary_makes_its_words_when_first_shown(bench: Workbench, qtbot: Any) -> None:
    """Every page has a summary, most never shown: it holds no labels until a problem."""
    view = bench.open_view(qtbot, bench.start("screening"))
    page = view.current_page()
    assert page is not None
    summary = page.summary
    assert not summary.isVisible()
    assert summary.findChildren(QLabel) == []
    summary.show_problems([ShownProblem("dob", "Enter a date of birth", "error", None)])
    assert summary.isVisible()
    assert summary.title.text() == "There is a problem"
    assert [link.text() for link in summary.links] == ["Enter a date of birth"]
    summary.clear()
    assert not summary.isVisible() and summary.links == []


def test_outcome_reasons_become_selectable_when_pressed(bench: Workbench, qtbot: Any) -> None:
    """A reason's words can be selected with the mouse as before; the label is plain
    text (cheap to lay out and paint) until the user first presses on it."""
    record_id = bench.start("risk-assessment")
    bench.haven.save_draft(record_id, example_answers("risk-assessment"))
    view, _page, _resizes = _shown_at(bench, qtbot, record_id, 1280, 860)
    cards = view.outcome_panel.cards
    assert cards
    reason = cards[0].reason
    assert isinstance(reason, WrapLabel)
    assert reason.cursor().shape() == Qt.CursorShape.IBeamCursor
    assert not reason.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    height = reason.height()
    qtbot.mouseDClick(reason, Qt.MouseButton.LeftButton, pos=reason.rect().topLeft() + QPoint(8, 6))
    assert reason.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert reason.hasSelectedText()
    QApplication.processEvents()
    assert reason.height() == height
