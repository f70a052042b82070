"""Every control of every form has a name a screen reader can read (SPEC 5).

Walks every section page of every form (every section made visible by the example
answers, each repeatable group with one more entry added), the check-your-answers page,
the view's own controls, the outcome panel and the amend dialog, and asks Qt's
accessibility layer - not `accessibleName()`, which stays empty when the name comes from
a label's buddy - for each interactive widget's name. Help text must reach the
description of the inputs it concerns.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.form_driver import FORM_IDS, FormDriver, Workbench, example_answers
from PySide6.QtCore import QEvent
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from ui import plain_text
from ui.form.amend_dialog import AmendDialog
from ui.form.group_editor import GroupEditor
from ui.form.item_widgets import ItemWidget
from ui.form.option_widgets import ChoiceWidget
from ui.form_view import FormView

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QTextEdit,
    QPlainTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
)


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None and interface.isValid()
    return interface.text(QAccessible.Text.Name).strip()


def unnamed(root: QWidget, where: str) -> list[str]:
    # Widgets replaced by a rebuild (group entries) are deleted on the next event-loop
    # turn: let that happen first, as it would between two key presses.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    missing = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, INTERACTIVE) and not accessible_name(widget):
            missing.append(f"{where}: {type(widget).__name__} {widget.objectName()!r}")
    return missing


def help_missing(widget: ItemWidget) -> list[str]:
    """Inputs named after an item with help whose description lacks that help."""
    if not widget.item.help or isinstance(widget, GroupEditor):
        return []
    words = plain_text(" ".join(widget.item.help.split()), one_line=True)[:40]
    skip = {widget.clear_button} if isinstance(widget, ChoiceWidget) else set()
    return [
        f"{widget.path}: {type(w).__name__}"
        for w in widget.inputs()
        if w not in skip and words not in w.accessibleDescription()
    ]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_control_of_every_page_is_named(bench: Workbench, qtbot: Any, form_id: str) -> None:
    record = bench.haven.start_record(bench.child.id, form_id, answers=example_answers(form_id))
    view = bench.open_view(qtbot, record.id)
    driver = FormDriver(qtbot, view)
    missing: list[str] = []
    no_help: list[str] = []
    for index, section in enumerate(view.form.sections):
        view.go_to_section(index)
        page = driver.page()
        for widget in list(page.widgets.values()):
            if isinstance(widget, GroupEditor):
                driver.click(widget.add_button)
                qtbot.waitUntil(lambda w=widget: w.entries[-1].isVisible(), timeout=2000)
        for combo in page.findChildren(QComboBox):
            combo.showPopup()
            combo.hidePopup()
        missing += unnamed(page, f"{form_id}/{section.id}")
        for item_widget in page.findChildren(ItemWidget):
            no_help += help_missing(item_widget)
    view.show_check_page()
    missing += unnamed(view.check_page, f"{form_id}/check")
    missing += unnamed(view, f"{form_id}/view")
    assert missing == []
    assert no_help == []


def test_date_parts_are_named_day_month_year_and_the_label(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    dob = FormDriver(qtbot, view).item("dob")
    names = [accessible_name(part) for part in dob.inputs()]
    assert names == ["Day, Date of Birth", "Month, Date of Birth", "Year, Date of Birth"]


def test_labels_name_their_fields_through_the_buddy(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    name = FormDriver(qtbot, view).item("child_name")
    assert name.label is not None and name.label.buddy() is name.inputs()[0]
    assert accessible_name(name.inputs()[0]) == "Name"


def test_completed_view_and_amend_dialog_are_named(bench: Workbench, qtbot: Any) -> None:
    record = bench.haven.start_record(
        bench.child.id, "missing-episode", answers=example_answers("missing-episode")
    )
    record = bench.haven.complete(record.id)
    view = bench.open_view(qtbot, record.id)
    assert unnamed(view, "completed") == []
    FormDriver(qtbot, view).click(view.amend_button)
    dialogs: list[AmendDialog] = []

    def shown() -> bool:
        dialogs[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, AmendDialog) and w.isVisible()
        ]
        return bool(dialogs)

    qtbot.waitUntil(shown, timeout=3000)
    assert unnamed(dialogs[0], "amend dialog") == []
    dialogs[0].reject()


def test_focus_is_visible_on_option_rows(bench: Workbench, qtbot: Any) -> None:
    """The row around a focused tick box is outlined (its button has no text of its own)."""
    view: FormView = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section([s.id for s in view.form.sections].index("risk"))
    tick = driver.item("risk_drugs")
    area = tick.row.geometry()
    before = tick.grab(area).toImage()
    driver.focus(tick.check)
    qtbot.waitUntil(lambda: tick.grab(area).toImage() != before, timeout=2000)
