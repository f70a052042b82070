"""Questions and sections appear and disappear as answers change (FORMAT.md `relevant`)."""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, Workbench


def section_index(view: Any, section_id: str) -> int:
    return [s.id for s in view.form.sections].index(section_id)


def test_answer_shows_and_hides_the_question_it_controls(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "incidences"))
    page = driver.page()
    known = driver.item("incidence_known")
    details = driver.item("incidence_details")
    assert not details.isVisibleTo(page)

    driver.click(known.buttons["yes"])
    qtbot.waitUntil(lambda: details.isVisibleTo(page), timeout=2000)
    driver.replace_text(details.inputs()[0], "Seen getting into cars")

    driver.click(known.buttons["no"])
    qtbot.waitUntil(lambda: not details.isVisibleTo(page), timeout=2000)
    # The hidden answer is ignored by the engine: no problem is reported for it.
    view.save_now()
    problems = bench.haven.check(view.record.id)
    assert all(not p.path.startswith("incidence_details") for p in problems)


def test_clicking_the_option_words_answers_like_the_button(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "incidences"))
    known = driver.item("incidence_known")
    row = known.row_of(known.buttons["yes"])
    assert row is not None
    driver.click(row.label)
    qtbot.waitUntil(lambda: known.value() == "yes", timeout=2000)
    assert known.buttons["yes"].hasFocus()


def test_sections_appear_in_the_progress_list(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("information-report"))
    driver = FormDriver(qtbot, view)
    model = view.nav_model
    # Before the triage answer only "Before you start" and "Check your answers" show.
    assert model.rowCount() == 2
    driver.click(driver.item("triage").buttons["intelligence"])
    qtbot.waitUntil(lambda: model.rowCount() == len(view.form.sections), timeout=2000)
    texts = [model.index(row).data() for row in range(model.rowCount())]
    assert texts[1] == "2. 1. Details of Professional submitting"
    assert texts[-1].endswith("Check your answers")

    driver.click(driver.item("triage").buttons["emergency"])
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=2000)
    # The emergency answer raises an alert instead (the outcome panel shows it).
    card = view.outcome_panel.card("call_999")
    assert card is not None and card.property("kind") == "alert"


def test_progress_list_jumps_to_a_section_by_keyboard(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    driver.focus(view.nav)
    from PySide6.QtCore import Qt

    for _ in range(3):
        qtbot.keyClick(view.nav, Qt.Key.Key_Down)
    assert view.current_section == 0
    qtbot.keyClick(view.nav, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.current_section == 3, timeout=2000)
    first = driver.page().first_input()
    assert first is not None
    qtbot.waitUntil(first.hasFocus, timeout=2000)
