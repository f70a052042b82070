"""Fill any form through its real widgets, the way a practitioner would.

The driver knows widget kinds, never forms: for each item the page shows it finds the
item's widget (by object name, ``item:<path>``) and types, ticks, clicks or picks the
answer from an example answers file (forms/examples/<id>.json). Items shown but absent
from the example are cleared, so the stored answers can be compared with the example.
Text is typed key by key; long text is typed in part and the rest pasted (Ctrl+V), as
people do with notes written elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from app import fictional
from app.domain import Subject
from app.fictional import EXAMPLE_WORKER, add_example_child, throwaway_profile
from app.forms.registry import FormRegistry
from app.profile import Session
from app.service import Haven
from ui.form.form_pages import FormPosition
from ui.form.group_editor import GroupEditor
from ui.form.item_widgets import ItemWidget
from ui.form.option_widgets import ChoiceWidget, ComboChoiceWidget, MultiWidget, TickWidget
from ui.form.section_page import SectionPage
from ui.form.text_widgets import (
    DateTimeWidget,
    DateWidget,
    LongTextWidget,
    NumberWidget,
    TextWidget,
)
from ui.form_view import FormView

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "forms" / "examples"
FORM_IDS = (
    "screening",
    "risk-assessment",
    "information-report",
    "sharing-decision",
    "missing-episode",
    "return-interview",
)
FAST_KDF = fictional.THROWAWAY_KDF
PASSPHRASE = "amber meadow signal harbour"
USER = EXAMPLE_WORKER
FIXED_NOW = datetime(2026, 11, 29, 10, 0)
"""Every test evaluates forms at the same moment, after every date in the examples."""

TYPED_PREFIX = 40
"""Characters typed key by key before the rest of a long text is pasted."""


@dataclass
class Workbench:
    """A temporary profile with one fictional child, and the form views opened on it."""

    folder: Path
    session: Session
    haven: Haven
    child: Subject
    views: list[FormView] = field(default_factory=list)

    def open_view(
        self, qtbot: Any, record_id: str, position: FormPosition | None = None
    ) -> FormView:
        """A shown, active FormView (so focus and keyboard shortcuts behave as for a user)."""
        view = FormView(self.haven, record_id, position=position)
        # Not qtbot.addWidget: some tests destroy views on purpose (as the lock does), and
        # `close` below clears every view that is still alive while the profile is open.
        self.views.append(view)
        view.resize(1280, 860)
        view.show()
        qtbot.waitExposed(view)
        view.activateWindow()
        qtbot.waitUntil(view.isActiveWindow, timeout=3000)
        return view

    def start(self, form_id: str) -> str:
        return self.haven.start_record(self.child.id, form_id).id

    def close(self) -> None:
        """Clear every view while the profile is still open, then lock it."""
        for view in self.views:
            if shiboken6.isValid(view):
                view.clear()
                view.close()
                view.deleteLater()
        self.views.clear()
        QApplication.processEvents()
        if self.session.is_open:
            self.session.lock()


def make_workbench(folder: Path, registry: FormRegistry | None = None) -> Workbench:
    session = throwaway_profile(folder, USER, PASSPHRASE)
    haven = Haven(session, registry=registry, clock=lambda: FIXED_NOW)
    child = add_example_child(haven)
    return Workbench(folder, session, haven, child)


def example_answers(form_id: str) -> dict[str, Any]:
    data = fictional.example_answers(form_id)
    assert data, f"forms/examples has no answers for {form_id}"
    return data


def is_unanswered(value: object) -> bool:
    return value is None or value == "" or value == [] or value is False


def section_index(view: FormView, section_id: str) -> int:
    """Where a section is in the view's form (for `go_to_section`)."""
    return [s.id for s in view.form.sections].index(section_id)


class FormDriver:
    """Types and clicks answers into a shown FormView with pytest-qt's qtbot."""

    def __init__(self, qtbot: Any, view: FormView) -> None:
        self.qtbot = qtbot
        self.view = view

    # --- finding widgets ---------------------------------------------------------------

    def page(self) -> SectionPage:
        page = self.view.current_page()
        assert page is not None, "not on a section page"
        return page

    def item(self, path: str) -> ItemWidget:
        """The widget of a question on the page shown now, found by its object name."""
        page = self.page()
        widget = page.findChild(ItemWidget, f"item:{path}")
        assert widget is not None, f"no widget for {path} on this page"
        return widget

    # --- keyboard and mouse -------------------------------------------------------------

    def focus(self, widget: QWidget) -> None:
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        self.qtbot.waitUntil(lambda: widget.hasFocus(), timeout=2000)

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
        target = QApplication.focusWidget() or self.view
        self.qtbot.keyClick(target, key, modifier)

    def tab(self) -> QWidget | None:
        self.press(Qt.Key.Key_Tab)
        return QApplication.focusWidget()

    def replace_text(self, widget: QWidget, text: str) -> None:
        """Select everything in a text box, delete it, then type (and paste) `text`."""
        self.focus(widget)
        self.qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.qtbot.keyClick(widget, Qt.Key.Key_Delete)
        if not text:
            return
        typed = text if len(text) <= TYPED_PREFIX and "\n" not in text else text[:TYPED_PREFIX]
        typed = typed.split("\n", 1)[0]
        if typed:
            self.qtbot.keyClicks(widget, typed)
        rest = text[len(typed) :]
        if rest:
            QApplication.clipboard().setText(rest)
            self.qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    def click(self, button: QWidget) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    # --- answering one item --------------------------------------------------------------

    def answer(self, widget: ItemWidget, value: Any) -> None:
        """Make `widget` hold `value` (None clears it), through its inputs."""
        if isinstance(widget, GroupEditor):
            self._answer_group(widget, value)
        elif isinstance(widget, TickWidget):
            if widget.check.isChecked() != (value is True):
                self.focus(widget.check)
                self.qtbot.keyClick(widget.check, Qt.Key.Key_Space)
        elif isinstance(widget, ChoiceWidget):
            self._answer_choice(widget, value)
        elif isinstance(widget, ComboChoiceWidget):
            self._answer_combo(widget, value)
        elif isinstance(widget, MultiWidget):
            self._answer_multi(widget, value)
        elif isinstance(widget, DateTimeWidget):
            day, _, moment = (value or "").partition("T")
            self._type_date(widget, day)
            self.tab()
            assert QApplication.focusWidget() is widget.time, "Tab should reach the time"
            self.replace_text(widget.time, moment)
        elif isinstance(widget, DateWidget):
            self._type_date(widget, value or "")
        elif isinstance(widget, TextWidget | NumberWidget):
            self.replace_text(widget.edit, "" if value is None else str(value))
        elif isinstance(widget, LongTextWidget):
            self.replace_text(widget.edit, value or "")
        assert _same(widget.value(), value), (
            f"{widget.path}: widget holds {widget.value()!r}, wanted {value!r}"
        )

    def _type_date(self, widget: DateWidget | DateTimeWidget, iso: str) -> None:
        parts = iso.split("-") if iso else ["", "", ""]
        year, month, day = parts if len(parts) == 3 else ("", "", "")
        boxes = (widget.date.day, widget.date.month, widget.date.year)
        texts = (day.lstrip("0"), month.lstrip("0"), year)
        for index, (box, text) in enumerate(zip(boxes, texts, strict=True)):
            if index:
                self.tab()
                assert QApplication.focusWidget() is box, "Tab should reach the next date box"
            self.replace_text(box, text)

    def _answer_choice(self, widget: ChoiceWidget, value: Any) -> None:
        if value is None:
            if widget.value() is not None:
                assert widget.clear_button is not None, f"{widget.path} cannot be cleared"
                self.click(widget.clear_button)
            return
        button = widget.buttons[value]
        if not button.isChecked():
            self.click(button)

    def _answer_combo(self, widget: ComboChoiceWidget, value: Any) -> None:
        combo = widget.combo
        self.focus(combo)
        if value is None:
            combo.setCurrentIndex(-1)
            return
        if combo.currentIndex() > combo.findData(value):
            self.qtbot.keyClick(combo, Qt.Key.Key_Home)
        for _ in range(combo.count() + 1):
            if combo.currentData() == value:
                return
            self.qtbot.keyClick(combo, Qt.Key.Key_Down)
        raise AssertionError(f"{widget.path}: option {value!r} not reachable by keyboard")

    def _answer_multi(self, widget: MultiWidget, value: Any) -> None:
        wanted = list(value or [])
        for key, button in widget.buttons.items():
            if button.isChecked() and key not in wanted:
                self.click(button)
        for key in wanted:
            if not widget.buttons[key].isChecked():
                self.click(widget.buttons[key])

    def _answer_group(self, editor: GroupEditor, value: Any) -> None:
        entries = list(value or [])
        while editor.entry_count() > len(entries):
            self.remove_entry(editor, editor.entry_count() - 1)
        for index, entry in enumerate(entries):
            if index >= editor.entry_count():
                self.click(editor.add_button)
                self.qtbot.waitUntil(lambda i=index: editor.entry_count() > i, timeout=2000)
            box = editor.entries[index]
            for sub_id, sub_widget in box.widgets.items():
                if sub_widget.isVisibleTo(box):
                    self.answer(editor.entries[index].widgets[sub_id], entry.get(sub_id))

    def remove_entry(self, editor: GroupEditor, index: int) -> None:
        """Press "Remove" on an entry and confirm if asked."""
        count = editor.entry_count()
        self.click(editor.entries[index].remove)
        if editor.entry_count() == count:
            box = self.confirm_box("confirmRemoveEntry")
            remove = next(
                b
                for b in box.buttons()
                if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
            )
            self.click(remove)
        self.qtbot.waitUntil(lambda: editor.entry_count() == count - 1, timeout=2000)

    def confirm_box(self, name: str) -> QMessageBox:
        found: list[QMessageBox] = []

        def shown() -> bool:
            found[:] = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()
            ]
            return bool(found)

        self.qtbot.waitUntil(shown, timeout=3000)
        return found[0]

    # --- whole sections and forms ---------------------------------------------------------

    def fill_section(self, answers: Mapping[str, Any]) -> None:
        """Answer every question the current page shows, in order, until nothing changes
        (an answer can show a later question)."""
        page = self.page()
        done: set[str] = set()
        while True:
            todo = [
                (item_id, widget)
                for item_id, widget in page.widgets.items()
                if item_id not in done and widget.isVisibleTo(page) and widget.item.takes_answer
            ]
            if not todo:
                return
            for item_id, widget in todo:
                if widget.isVisibleTo(page):
                    self.answer(widget, answers.get(item_id))
                    done.add(item_id)

    def fill_form(self, answers: Mapping[str, Any], navigation: str = "button") -> None:
        """Fill section after section until the check page; `navigation` is "button"
        (Continue), "ctrl-pgdown", "alt-right" or "ctrl-enter"."""
        for _ in range(len(self.view.form.sections) + 1):
            if self.view.on_check_page:
                return
            before = self.view.current_section
            self.fill_section(answers)
            self.next(navigation)
            moved = self.view.on_check_page or self.view.current_section != before
            assert moved, f"stuck on section {before}: {self.shown_problems()}"
        assert self.view.on_check_page

    def next(self, navigation: str) -> None:
        if navigation == "button":
            self.click(self.view.continue_button)
        elif navigation == "ctrl-pgdown":
            self.press(Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
        elif navigation == "alt-right":
            self.press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        elif navigation == "ctrl-enter":
            self.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        else:
            raise AssertionError(f"unknown navigation {navigation}")

    def shown_problems(self) -> list[str]:
        page = self.view.current_page()
        return [p.text for p in page.summary.problems] if page is not None else []

    def complete(self, keyboard: bool = False) -> None:
        assert self.view.on_check_page
        if keyboard:
            self.focus(self.view.check_page.complete_button)
            self.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        else:
            self.click(self.view.check_page.complete_button)


def _same(held: Any, wanted: Any) -> bool:
    if is_unanswered(wanted):
        return is_unanswered(held)
    if isinstance(wanted, list) and wanted and isinstance(wanted[0], dict):
        return isinstance(held, list) and len(held) == len(wanted)
    return bool(held == wanted)


def visible_button(view: FormView, name: str) -> QPushButton:
    button = view.findChild(QPushButton, name)
    assert button is not None and button.isVisible(), f"no visible button {name}"
    return button
