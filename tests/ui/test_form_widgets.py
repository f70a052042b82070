"""Item types the shipped forms do not use yet (number, info), and the finer behaviour of
the others, on a small form written for the test: the renderer is generic, so any valid
form file renders."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.form_driver import REPO_ROOT, FormDriver, Workbench, make_workbench
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication

from app.forms.loader import load_registry
from ui.form.option_widgets import ComboChoiceWidget, TickWidget
from ui.form.text_widgets import DateTimeWidget, InfoWidget, NumberWidget

FORM = """
id: widget-check
title: Widget check
version: 1
marking: OFFICIAL
source: A form written for the renderer's tests
description: Every item type on one page.
sections:
  - id: one
    title: Numbers and times
    help: Fill in what you know.
    guidance: [consent]
    items:
      - id: intro
        type: info
        label: About these questions
        help: This is information only.
      - id: count
        type: number
        label: How many times
        required: true
        min: 0
        max: 10
      - id: seen_at
        type: datetime
        label: When seen
        required: true
      - id: colour
        type: choice
        label: Colour of the car
        options:
          - {value: black, label: Black}
          - {value: blue, label: Blue}
          - {value: green, label: Green}
          - {value: grey, label: Grey}
          - {value: red, label: Red, help: Includes maroon}
          - {value: silver, label: Silver}
          - {value: white, label: White}
          - {value: other, label: Other}
      - id: agree
        type: tick
        label: The child agreed to this being shared
        help: Tick if they agreed.
  - id: two
    title: Contacts
    items:
      - id: contacts
        type: group
        label: Contacts
        entry_label: contact
        max_entries: 2
        items:
          - id: has_phone
            type: yes_no
            label: Is there a phone number?
          - id: phone
            type: phone
            label: Phone number
            relevant: "has_phone == 'yes'"
"""


@pytest.fixture
def bench(tmp_path: Path, qtbot: Any) -> Iterator[Workbench]:
    forms = tmp_path / "forms"
    (forms / "widget-check").mkdir(parents=True)
    (forms / "widget-check" / "1.yaml").write_text(textwrap.dedent(FORM).lstrip(), "utf-8")
    shutil.copy(REPO_ROOT / "forms" / "guidance.yaml", forms / "guidance.yaml")
    workbench = make_workbench(tmp_path / "profile", registry=load_registry(forms))
    yield workbench
    workbench.close()


def test_number_info_datetime_combo_and_tick(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("widget-check"))
    driver = FormDriver(qtbot, view)
    assert driver.page().findChild(type(view.status_label), "formDescription").text() == (
        "Every item type on one page."
    )

    info = driver.item("intro")
    assert isinstance(info, InfoWidget) and info.inputs() == []

    count = driver.item("count")
    assert isinstance(count, NumberWidget)
    driver.replace_text(count.edit, "3")
    assert count.value() == 3
    driver.replace_text(count.edit, "2.5")
    assert count.value() == 2.5
    driver.replace_text(count.edit, "twelve")
    assert count.value() is None
    assert count.local_error() == "How many times must be a number, like 3 or 2.5"

    seen = driver.item("seen_at")
    assert isinstance(seen, DateTimeWidget)
    driver.answer(seen, "2026-11-20T14:30")
    driver.replace_text(seen.time, "25:00")
    assert seen.value() is None
    assert seen.local_error() == (
        "When seen must have a real time on the 24-hour clock, like 14:30"
    )
    driver.replace_text(seen.time, "9.05")
    assert seen.value() == "2026-11-20T09:05"
    time_name = QAccessible.queryAccessibleInterface(seen.time).text(QAccessible.Text.Name)
    assert time_name == "Time, When seen"

    colour = driver.item("colour")
    assert isinstance(colour, ComboChoiceWidget)
    driver.answer(colour, "red")
    assert colour.option_hint.isVisible() and colour.option_hint.text() == "Includes maroon"

    agree = driver.item("agree")
    assert isinstance(agree, TickWidget)
    driver.answer(agree, True)
    assert agree.value() is True
    driver.answer(agree, None)
    assert agree.value() is None

    # The number that is not a number stops Continue with the widget's own message.
    driver.replace_text(count.edit, "twelve")
    driver.click(view.continue_button)
    summary = driver.page().summary
    qtbot.waitUntil(summary.isVisible, timeout=2000)
    assert [p.message for p in summary.problems if p.path == "count"] == [
        "How many times must be a number, like 3 or 2.5"
    ]
    # Engine rules still apply to real numbers.
    driver.replace_text(count.edit, "11")
    driver.click(view.continue_button)
    qtbot.waitUntil(
        lambda: (
            [p.message for p in summary.problems if p.path == "count"]
            == ["“How many times” must be 10 or less."]
        ),
        timeout=2000,
    )


def test_section_guidance_opens_and_closes(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("widget-check"))
    driver = FormDriver(qtbot, view)
    panel = driver.page().guidance[0]
    assert not panel.body.isVisible()
    driver.focus(panel.toggle)
    qtbot.keyClick(panel.toggle, Qt.Key.Key_Space)
    qtbot.waitUntil(panel.body.isVisible, timeout=2000)
    assert "consent" in panel.text.text().lower()
    qtbot.keyClick(panel.toggle, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not panel.body.isVisible(), timeout=2000)


def test_sub_item_relevance_inside_an_entry(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("widget-check"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(1)
    editor = driver.item("contacts")
    driver.click(editor.add_button)
    entry = editor.entries[0]
    phone = entry.widgets["phone"]
    assert not phone.isVisibleTo(entry)
    driver.click(entry.widgets["has_phone"].buttons["yes"])
    qtbot.waitUntil(lambda: phone.isVisibleTo(entry), timeout=2000)
    driver.replace_text(phone.inputs()[0], "07700 900123")
    driver.click(entry.widgets["has_phone"].buttons["no"])
    qtbot.waitUntil(lambda: not phone.isVisibleTo(entry), timeout=2000)
    # max_entries: the add button stops at two.
    driver.click(editor.add_button)
    assert not editor.add_button.isEnabled()
    assert "most you can add is 2" in editor.add_button.accessibleDescription()


def test_radio_answer_can_be_cleared_when_not_required(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("widget-check"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(1)
    editor = driver.item("contacts")
    driver.click(editor.add_button)
    has_phone = editor.entries[0].widgets["has_phone"]
    assert has_phone.clear_button is not None and not has_phone.clear_button.isVisible()
    driver.click(has_phone.buttons["no"])
    qtbot.waitUntil(has_phone.clear_button.isVisible, timeout=2000)
    driver.click(has_phone.clear_button)
    assert has_phone.value() is None
    assert QApplication.focusWidget() is has_phone.buttons["yes"]
