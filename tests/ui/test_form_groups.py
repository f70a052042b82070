"""Repeatable groups: add, edit, move up/down and remove entries with the same widgets."""

from __future__ import annotations

from typing import Any

from helpers.form_driver import FormDriver, Workbench
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication

from ui.form.group_editor import GroupEditor


def open_information(bench: Workbench, qtbot: Any) -> tuple[Any, FormDriver, GroupEditor]:
    record = bench.haven.start_record(
        bench.child.id, "information-report", answers={"triage": "intelligence"}
    )
    view = bench.open_view(qtbot, record.id)
    view.go_to_section([s.id for s in view.form.sections].index("information"))
    driver = FormDriver(qtbot, view)
    editor = driver.item("people")
    assert isinstance(editor, GroupEditor)
    return view, driver, editor


def names(editor: GroupEditor) -> list[Any]:
    value = editor.value() or []
    return [entry.get("name") for entry in value]


def test_add_edit_move_and_remove_entries(bench: Workbench, qtbot: Any) -> None:
    view, driver, editor = open_information(bench, qtbot)
    assert editor.add_button.text() == "Add a person"

    driver.click(editor.add_button)
    first = editor.entries[0].widgets["name"].inputs()[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=2000)
    qtbot.keyClicks(first, "Dee")
    assert editor.add_button.text() == "Add another person"

    driver.click(editor.add_button)
    second = editor.entries[1].widgets["name"].inputs()[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is second, timeout=2000)
    qtbot.keyClicks(second, "Kay")
    assert names(editor) == ["Dee", "Kay"]

    # Keyboard: Space on "Move person 2 up".
    up = editor.entries[1].up
    assert QAccessible.queryAccessibleInterface(up).text(QAccessible.Text.Name) == (
        "Move person 2 up"
    )
    driver.focus(up)
    qtbot.keyClick(up, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: names(editor) == ["Kay", "Dee"], timeout=2000)
    assert editor.entries[0].title.text() == "Person 1"
    assert editor.entries[0].widgets["name"].value() == "Kay"
    assert editor.entries[0].widgets["name"].inputs()[0].accessibleName() == "Name(s), person 1"

    driver.click(editor.entries[0].down)
    qtbot.waitUntil(lambda: names(editor) == ["Dee", "Kay"], timeout=2000)

    # Removing an entry with answers asks first.
    driver.remove_entry(editor, 0)
    assert names(editor) == ["Kay"]
    view.save_now()
    stored = bench.haven.record(view.record.id).answers["people"]
    assert stored == [{"name": "Kay"}]

    # An empty entry goes without asking.
    driver.click(editor.add_button)
    count = editor.entry_count()
    driver.click(editor.entries[-1].remove)
    qtbot.waitUntil(lambda: editor.entry_count() == count - 1, timeout=2000)


def test_entry_problems_link_to_the_entry_fields(bench: Workbench, qtbot: Any) -> None:
    view, driver, editor = open_information(bench, qtbot)
    driver.replace_text(driver.item("facts").inputs()[0], "Seen at the bus station")
    driver.click(editor.add_button)
    qtbot.keyClicks(editor.entries[0].widgets["connection"].inputs()[0], "Associate")
    driver.click(view.continue_button)
    summary = driver.page().summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    paths = [p.path for p in summary.problems]
    assert "people[0].name" in paths
    message = summary.problems[paths.index("people[0].name")].message
    assert message.startswith("Person 1 in")
    name = editor.entries[0].widgets["name"]
    assert name.error_label is not None and name.error_label.isVisible()
    driver.click(summary.links[paths.index("people[0].name")])
    qtbot.waitUntil(lambda: QApplication.focusWidget() is name.inputs()[0], timeout=2000)


def test_empty_entry_is_reported_on_the_entry(bench: Workbench, qtbot: Any) -> None:
    view, driver, editor = open_information(bench, qtbot)
    driver.click(editor.add_button)
    driver.click(view.continue_button)
    summary = driver.page().summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    paths = [p.path for p in summary.problems]
    assert "people[0]" in paths
    assert editor.entries[0].error_label.isVisible()
    assert "this entry is empty" in editor.entries[0].error_label.text()
