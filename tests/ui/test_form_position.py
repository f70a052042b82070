"""Locking destroys the form view; unlocking re-creates it at the same place.

`position()` says where the user is (section, focused question, check page); a new
FormView given that position opens on the same section with the same field focused.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from helpers.form_driver import FormDriver, Workbench, example_answers
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from ui.form.form_pages import FormPosition
from ui.form_view import FormView


def lock_and_reopen(bench: Workbench, qtbot: Any, view: FormView) -> FormView:
    """What the lock screen does: position, save, clear, destroy, then a new view."""
    position = view.position()
    view.save_now()
    view.clear()
    bench.views.remove(view)
    view.close()
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=2000)
    return bench.open_view(qtbot, position.record_id, position=position)


def test_same_section_and_field_after_a_lock(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    driver.press(Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert view.current_section == 1
    driver.focus(driver.item("ref_name").inputs()[0])
    driver.tab()
    driver.tab()
    phone = driver.item("ref_phone").inputs()[0]
    assert QApplication.focusWidget() is phone
    driver.replace_text(phone, "07700 900999")

    position = view.position()
    assert position == FormPosition(record_id, 1, "ref_phone", False)

    again = lock_and_reopen(bench, qtbot, view)
    assert again.current_section == 1
    assert not again.on_check_page
    reopened = FormDriver(qtbot, again).item("ref_phone")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is reopened.inputs()[0], timeout=2000)
    assert reopened.value() == "07700 900999", "the typing was saved before the lock"
    assert not again.recovered_banner.isVisible(), "a lock is a clean stop, not a crash"


def test_field_inside_a_group_entry(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "information-report", answers=example_answers("information-report")
    )
    view = bench.open_view(qtbot, record.id)
    index = [s.id for s in view.form.sections].index("information")
    view.go_to_section(index, focus="people[1].description")
    position = view.position()
    assert position.section_index == index
    assert position.item_id == "people[1].description"
    again = lock_and_reopen(bench, qtbot, view)
    target = FormDriver(qtbot, again).item("people[1].description").inputs()[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=2000)


def test_date_part_position_is_the_question(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    dob = driver.item("dob")
    driver.focus(dob.date.month)
    assert view.position().item_id == "dob"


def test_check_page_position(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("missing-episode"))
    view.show_check_page()
    position = view.position()
    assert position.on_check_page
    again = lock_and_reopen(bench, qtbot, view)
    assert again.on_check_page


def test_clear_drops_all_record_text(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "screening", answers=example_answers("screening")
    )
    view = bench.open_view(qtbot, record.id)
    view.show_check_page()
    view.clear()
    QApplication.processEvents()
    texts = [edit.text() for edit in view.findChildren(QLineEdit) if shiboken6.isValid(edit)]
    assert "Jamie Example" not in texts
    labels = [w.text() for w in view.findChildren(type(view.status_label))]
    assert not any("Jamie" in text for text in labels)
    assert view.answers == {}
    assert bench.haven.record(record.id).answers["child_name"] == "Jamie Example"


def test_shell_style_restore_with_go_to(bench: Workbench, qtbot: Any) -> None:
    """The main window re-creates the view and then calls go_to(section, item)."""
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    view.go_to(1, "ref_email")
    target = FormDriver(qtbot, view).item("ref_email").inputs()[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=2000)
    assert view.position() == FormPosition(record_id, 1, "ref_email", False)


def test_first_show_puts_the_cursor_in_the_form(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    first = FormDriver(qtbot, view).page().first_input()
    assert first is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=2000)
