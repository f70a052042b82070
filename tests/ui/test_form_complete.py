"""Every form can be filled in and completed through the real widgets, as a user would.

For each form in forms/ a fictional child's record is started, every shown question is
answered from forms/examples/<id>.json by typing, ticking and clicking (dates and times
by Tab between their boxes), section by section with Continue or the keyboard shortcuts,
then completed from the check-your-answers page. The stored record must be completed and
hold exactly the example's answers for the questions the example makes visible.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.form_driver import (
    FORM_IDS,
    PASSPHRASE,
    FormDriver,
    Workbench,
    example_answers,
)

from app.forms.engine import visible_items
from app.profile import unlock

NAVIGATION = {
    "screening": ("button", False),
    "risk-assessment": ("ctrl-pgdown", True),
    "information-report": ("alt-right", False),
    "sharing-decision": ("ctrl-enter", True),
    "missing-episode": ("button", True),
    "return-interview": ("ctrl-pgdown", False),
}
"""How each test moves on (Continue button or a shortcut) and whether it completes with
Control+Enter (True) or by clicking "Complete this record"."""


def visible_answers(bench: Workbench, form_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    form = bench.haven.registry.get(form_id)
    ctx = bench.haven.context()
    shown = {item.id for _, item in visible_items(form, answers, ctx)}
    return {key: value for key, value in answers.items() if key in shown}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_form_completes_through_the_widgets(bench: Workbench, qtbot: Any, form_id: str) -> None:
    example = example_answers(form_id)
    record_id = bench.start(form_id)
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    navigation, keyboard_complete = NAVIGATION[form_id]

    driver.fill_form(example, navigation)

    assert view.on_check_page
    assert not view.check_page.summary.isVisible()
    with qtbot.waitSignal(view.completed, timeout=5000) as completed:
        driver.complete(keyboard=keyboard_complete)
    assert completed.args == [record_id]

    fresh = unlock(bench.folder, PASSPHRASE)
    try:
        stored = fresh.repo.get_record(record_id)
    finally:
        fresh.lock()
    assert stored.status == "completed"
    expected = visible_answers(bench, form_id, example)
    assert visible_answers(bench, form_id, stored.answers) == expected
    # The completed record now opens read-only, with the Amend button offered.
    assert view.read_only
    assert view.amend_button.isVisible()


def test_tab_moves_through_a_section_in_reading_order(bench: Workbench, qtbot: Any) -> None:
    """Tab from the first field visits the page's fields top to bottom, then the footer."""
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    page = driver.page()
    expected = []
    for widget in page.widgets.values():
        expected.extend(w for w in widget.inputs() if w.isVisibleTo(page))
    driver.focus(expected[0])
    seen = [expected[0]]
    for _ in range(len(expected) - 1):
        seen.append(driver.tab())
    assert seen == expected
    # After the last question: the footer (Previous is disabled on the first section).
    assert driver.tab() is view.continue_button


def test_long_text_tab_moves_focus_instead_of_typing_a_tab(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    address = driver.item("address")
    edit = address.inputs()[0]
    driver.replace_text(edit, "1 Example Street")
    following = driver.tab()
    assert following is not edit
    assert "\t" not in address.value()
