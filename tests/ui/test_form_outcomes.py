"""What Haven suggests updates as the user ticks, with its reasons in words (SPEC 2.1)."""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, Workbench
from PySide6.QtGui import QAccessible


def section_index(view: Any, section_id: str) -> int:
    return [s.id for s in view.form.sections].index(section_id)


def test_ticking_a_significant_indicator_changes_the_suggestion(
    bench: Workbench, qtbot: Any
) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    panel = view.outcome_panel
    assert panel.isVisible()

    def suggestion() -> Any:
        card = panel.card("suggested_category")
        assert card is not None
        return card

    assert suggestion().title.text() == "Suggested category: none"
    assert suggestion().property("kind") == "suggestion"
    role = QAccessible.queryAccessibleInterface(suggestion()).role()
    assert role != QAccessible.Role.AlertMessage

    view.go_to_section(section_index(view, "significant"))
    vehicles = driver.item("sig_vehicles")
    driver.click(vehicles.buttons["current"])
    qtbot.waitUntil(lambda: suggestion().title.text() == "Suggested category: 2", timeout=2000)
    reason = suggestion().reason.text()
    assert "Entering/leaving vehicles driven by unknown adults (not car theft)" in reason
    assert "One significant risk indicator" in reason
    interface = QAccessible.queryAccessibleInterface(suggestion())
    assert interface.text(QAccessible.Text.Name) == "Suggested category: 2"
    assert "Entering/leaving vehicles" in interface.text(QAccessible.Text.Description)

    missing = driver.item("sig_missing")
    driver.click(missing.buttons["current"])
    qtbot.waitUntil(lambda: suggestion().title.text() == "Suggested category: 3", timeout=2000)
    reason = suggestion().reason.text()
    assert "Repeat periods of absence/missing (day and/or night)" in reason
    assert "Entering/leaving vehicles" in reason

    # Unticking goes back: the suggestion follows the answers both ways.
    driver.click(missing.buttons["current"])
    driver.click(vehicles.buttons["current"])
    qtbot.waitUntil(lambda: suggestion().title.text() == "Suggested category: none", timeout=2000)


def test_alert_is_shown_prominently_and_recorded(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "incidences"))
    driver.click(driver.item("incidence_known").buttons["yes"])
    qtbot.waitUntil(lambda: view.outcome_panel.card("incidence_refer") is not None, timeout=2000)
    card = view.outcome_panel.card("incidence_refer")
    assert card is not None
    assert card.property("kind") == "alert"
    interface = QAccessible.queryAccessibleInterface(card)
    assert interface.role() == QAccessible.Role.AlertMessage
    assert interface.text(QAccessible.Text.Name) == "Alert: Refer now"
    assert card.title.text() == "Alert: Refer now"
    assert "call 999 now" in card.reason.text()
    # FORMAT.md: "the UI records that the prompt was shown".
    details = [
        e.detail for e in bench.haven.repo.audit_entries(record_id) if e.action == "alert-shown"
    ]
    assert details == ["incidence_refer"]


def test_kinds_are_told_apart(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "screening", answers={"dob": "2016-01-01", "screening_date": "2026-11-20"}
    )
    view = bench.open_view(qtbot, record.id)
    card = view.outcome_panel.card("under_13")
    assert card is not None
    assert card.property("kind") == "warning"
    assert card.title.text() == "Warning: Child under 13"
    assert "statutory rape" in card.reason.text()
