"""Moving around a form by keyboard: section shortcuts, Continue, Change and back."""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, Workbench, example_answers
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def test_section_shortcuts_work_from_any_field(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "screening", answers=example_answers("screening")
    )
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    driver.focus(driver.item("address").inputs()[0])  # a multi-line box
    driver.press(Qt.Key.Key_PageDown, CTRL)
    assert view.current_section == 1
    assert QApplication.focusWidget() is driver.item("ref_name").inputs()[0]
    driver.press(Qt.Key.Key_Right, ALT)
    assert view.current_section == 2
    driver.press(Qt.Key.Key_Left, ALT)
    assert view.current_section == 1
    driver.press(Qt.Key.Key_PageUp, CTRL)
    assert view.current_section == 0
    driver.press(Qt.Key.Key_PageUp, CTRL)
    assert view.current_section == 0, "nothing before the first section"
    assert not view.previous_button.isEnabled()
    # Control+Enter is Continue on a section page.
    driver.press(Qt.Key.Key_Return, CTRL)
    assert view.current_section == 1


def test_change_goes_to_the_question_and_continue_comes_back(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "missing-episode", answers=example_answers("missing-episode")
    )
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    view.show_check_page()
    change = next(
        b for b in view.check_page.change_buttons if b.objectName() == "change:circumstances"
    )
    assert change.accessibleName() == "Change Circumstances of the episode"
    driver.focus(change)
    qtbot.keyClick(change, Qt.Key.Key_Space)
    circumstances = driver.item("circumstances").inputs()[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is circumstances, timeout=2000)
    assert view.continue_button.text() == "Return to check your answers"
    driver.replace_text(circumstances, "Left after tea and did not come back.")
    driver.click(view.continue_button)
    assert view.on_check_page
    answer = view.check_page.answer_labels["circumstances"]
    assert answer.text() == "Left after tea and did not come back."
    # Previous on the check page goes to the last section.
    driver.click(view.previous_button)
    assert view.current_section == len(view.form.sections) - 1


def test_progress_list_marks_where_you_are(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    driver.press(Qt.Key.Key_PageDown, CTRL)
    assert view.nav.currentIndex().row() == 1
    assert driver.page().caption.text() == "Section 2 of 8"
    view.show_check_page()
    assert view.nav.currentIndex().data() == "Check your answers"
