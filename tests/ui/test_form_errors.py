"""The GOV.UK error summary: shown on Continue, linked to each question, announced.

Messages come from the engine (app.forms.validation); the page shows them at the top and
beside the question, moves focus to the summary, and each link puts the cursor in the
question. A draft may move on with problems (Continue twice) but cannot be completed.
"""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, Workbench, example_answers
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication


def section_index(view: Any, section_id: str) -> int:
    return [s.id for s in view.form.sections].index(section_id)


def test_continue_with_a_missing_answer_shows_the_summary(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    referrer = section_index(view, "referrer")
    view.go_to_section(referrer)
    page = driver.page()

    driver.click(view.continue_button)

    summary = page.summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    assert view.current_section == referrer, "the first Continue stays to show the problem"
    assert summary.hasFocus()
    assert summary.title.text() == "There is a problem"
    interface = QAccessible.queryAccessibleInterface(summary)
    assert interface.text(QAccessible.Text.Name) == "There is a problem"
    assert interface.role() == QAccessible.Role.AlertMessage
    assert "Reason for completing screening tool" in interface.text(QAccessible.Text.Description)
    paths = [p.path for p in summary.problems]
    assert paths == ["reason"]
    message = summary.problems[0].message
    assert "Reason for completing screening tool" in message
    # The same words beside the question, and in its accessible description.
    reason = driver.item("reason")
    assert reason.error_label is not None and reason.error_label.isVisible()
    assert reason.error_label.text() == message
    assert message in reason.inputs()[0].accessibleDescription()

    # Tab reaches the link; activating it from the keyboard moves focus to the question.
    link = summary.links[0]
    driver.focus(link)
    qtbot.keyClick(link, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is reason.inputs()[0], timeout=2000)

    # Continue again: a draft may move on; the section stays marked in the progress list.
    driver.click(view.continue_button)
    qtbot.waitUntil(lambda: view.current_section == referrer + 1, timeout=2000)
    row = view.nav_model.index(view._nav_rows.index(referrer))
    assert row.data().endswith("There is a problem")
    assert row.data(Qt.ItemDataRole.AccessibleTextRole).endswith("There is a problem")

    # Fixing the answer clears the message as soon as it is saved.
    view.go_to_section(referrer, focus="reason")
    driver.replace_text(reason.inputs()[0], "Seen getting into a car with an adult")
    qtbot.waitUntil(lambda: not reason.error_label.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: not summary.isVisible(), timeout=3000)


def test_link_on_another_section_goes_there(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    driver.click(view.check_button)
    summary = view.check_page.summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    assert view.on_check_page
    assert summary.hasFocus()
    link = next(link for link in summary.links if link.objectName() == "problemLink:reason")
    driver.click(link)
    qtbot.waitUntil(lambda: view.current_section == section_index(view, "referrer"), timeout=2000)
    qtbot.waitUntil(driver.item("reason").inputs()[0].hasFocus, timeout=2000)


def test_completion_is_blocked_while_errors_remain(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("missing-episode")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    view.show_check_page()
    driver.click(view.check_page.complete_button)
    summary = view.check_page.summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    assert summary.intro.text() == "Fix these before completing this record."
    assert bench.haven.record(record_id).status == "draft"
    assert not view.read_only
    # Each problem is also shown against its row on the check page.
    assert view.check_page.findChild(type(summary.title), "checkProblem:missing_from")


def test_half_typed_date_is_a_problem_not_an_answer(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    dob = driver.item("dob")
    driver.replace_text(dob.date.year, "")
    driver.click(view.continue_button)
    summary = driver.page().summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    texts = [p.message for p in summary.problems if p.path == "dob"]
    assert texts == ["Date of Birth must include a year"]
    driver.click(summary.links[[p.path for p in summary.problems].index("dob")])
    qtbot.waitUntil(dob.date.year.hasFocus, timeout=2000)


def test_check_for_errors_on_a_complete_draft_says_so(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "sharing-decision", answers=example_answers("sharing-decision")
    )
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    driver.click(view.check_button)
    qtbot.waitUntil(view.check_page.notice.isVisible, timeout=2000)
    assert view.check_page.notice.text().startswith("No problems found")
    assert not view.check_page.summary.isVisible()
    assert bench.haven.record(record.id).status == "draft"
    checks = [e for e in bench.haven.repo.audit_entries(record.id) if e.action == "validate"]
    assert [e.detail for e in checks] == ["0 problem(s)"]


def test_warnings_are_shown_but_do_not_block(bench: Workbench, qtbot: Any) -> None:
    answers = example_answers("screening")
    answers["mase_status"] = "not_applicable"
    answers.pop("mase_timescale")
    answers.pop("mase_details")
    record = bench.haven.start_record(bench.child.id, "screening", answers=answers)
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    view.show_check_page()
    with qtbot.waitSignal(view.completed, timeout=5000):
        driver.click(view.check_page.complete_button)
    assert bench.haven.record(record.id).status == "completed"


def test_warning_is_listed_under_check_these_answers(bench: Workbench, qtbot: Any) -> None:
    answers = example_answers("screening")
    answers["mase_status"] = "not_applicable"
    answers.pop("mase_timescale")
    answers.pop("mase_details")
    record = bench.haven.start_record(bench.child.id, "screening", answers=answers)
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "actions"))
    driver.click(view.continue_button)
    assert view.on_check_page, "warnings never stop Continue"
    view.go_to_section(section_index(view, "actions"))
    summary = driver.page().summary
    assert summary.isVisible()
    assert summary.title.text() == "Check these answers"
    assert summary.problems[0].severity == "warning"
    assert summary.links[0].text().startswith("Warning: ")
