"""A form by keyboard alone (issue 14): radio options chosen with the arrow keys, Tab
onwards from an option group to the next question, focus landing on Haven's suggested
category, and the section shortcuts named where a user can find them."""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, Workbench, section_index
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from ui.form.option_widgets import ChoiceWidget


def test_arrow_keys_choose_within_a_radio_group(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "category"))
    widget = driver.item("final_category")
    assert isinstance(widget, ChoiceWidget)
    buttons = list(widget.buttons.values())
    driver.focus(buttons[0])
    assert widget.value() is None, "focus alone chooses nothing"
    driver.press(Qt.Key.Key_Down)
    assert QApplication.focusWidget() is buttons[1]
    assert widget.value() == "2"
    driver.press(Qt.Key.Key_Down)
    assert widget.value() == "3"
    driver.press(Qt.Key.Key_Up)
    assert QApplication.focusWidget() is buttons[1]
    assert widget.value() == "2"
    driver.press(Qt.Key.Key_Up)
    driver.press(Qt.Key.Key_Up)
    assert QApplication.focusWidget() is buttons[-1], "the arrows wrap round"
    assert widget.value() == "none"
    view.save_now()
    assert bench.haven.record(view.record.id).answers.get("final_category") == "none"


def test_tab_leaves_a_radio_group_for_the_next_question(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "category"))
    widget = driver.item("final_category")
    assert isinstance(widget, ChoiceWidget)
    first = next(iter(widget.buttons.values()))
    driver.focus(first)
    driver.press(Qt.Key.Key_Down)  # Category 2: the override reason and its actions show
    after = driver.tab()
    page = view.current_page()
    assert page is not None
    assert after is not view.previous_button
    assert page.isAncestorOf(after), f"Tab went to {after.objectName()}"
    assert driver.item("override_reason").owns(after) or driver.item("actions_cat2").isAncestorOf(
        after
    )


def test_focus_lands_on_the_suggested_category(bench: Workbench, qtbot: Any) -> None:
    """Haven suggests Category 2 (a current significant indicator): going to the decision,
    or tabbing into it, puts the focus on that option, which says it is the suggestion.
    Nothing is chosen for the user."""
    record = bench.haven.start_record(
        bench.child.id, "screening", answers={"sig_vehicles": ["current"]}
    )
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "category"))
    widget = driver.item("final_category")
    assert isinstance(widget, ChoiceWidget)
    suggested = widget.buttons["2"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is suggested)
    assert widget.value() is None
    assert "Haven’s suggestion" in suggested.accessibleDescription()
    row = widget.row_of(suggested)
    assert row is not None and row.suggestion is not None
    assert row.suggestion.objectName() == "suggestionMark" and row.suggestion.isVisible()
    marks = [m for m in widget.findChildren(QLabel, "suggestionMark") if m.isVisible()]
    assert marks == [row.suggestion]
    # Tab away and back in (Shift+Tab from the next control): the suggestion again.
    driver.press(Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not suggested)
    driver.press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is suggested)
    driver.press(Qt.Key.Key_Space)
    assert widget.value() == "2"


def test_no_suggestion_leaves_focus_on_the_first_option(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "category"))
    widget = driver.item("final_category")
    assert isinstance(widget, ChoiceWidget)
    assert widget.suggested() is None
    first = next(iter(widget.buttons.values()))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)


def test_tab_from_an_unanswered_last_question_reaches_continue(
    bench: Workbench, qtbot: Any
) -> None:
    """The category is the only question shown until it is answered: Tab from it goes to
    Continue, never first to Previous section (Enter there would go back)."""
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "category"))
    widget = driver.item("final_category")
    assert isinstance(widget, ChoiceWidget)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is next(iter(widget.buttons.values())))
    assert driver.tab() is view.continue_button
    assert driver.tab() is view.previous_button


def test_section_shortcuts_are_named_in_tooltips(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    assert "Alt+Left" in view.previous_button.toolTip()
    assert "Alt+Right" in view.continue_button.toolTip()
    assert "Ctrl+Return" in view.check_page.complete_button.toolTip()
    # Pressing what the tooltip names does what it says.
    driver = FormDriver(qtbot, view)
    driver.focus(view.continue_button)
    driver.press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert view.current_section == 1
    driver.press(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert view.current_section == 0


def test_position_caption_counts_sections_not_the_check_page(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    page = view.current_page()
    assert page is not None
    total = view.session.total
    assert page.caption.text() == f"Section 1 of {total}"
    rows = [view.nav_model.index(r).data() for r in range(view.nav_model.rowCount())]
    assert rows[-1] == "Check your answers"
    assert rows[total - 1].startswith(f"{total}. ")


def test_child_details_prefill_the_screening(bench: Workbench, qtbot: Any) -> None:
    """Gender and date of birth entered with the child are not asked again."""
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    assert driver.item("gender").value() == "Female"
    assert driver.item("dob").value() == "2012-02-10"
