"""The widgets whose answer is typed: ``text``, ``email``, ``phone``, ``long_text``,
``number``, ``date``, ``datetime`` (and ``info``, which shows words and takes none).

Typed input can be something no answer can hold ("25:00", "twelve", a date with no
month), so these widgets are the ones with a `local_error`; they parse what was typed
into FORMAT.md's answer shape and hold no rules beyond that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.forms.definitions import Item
from ui import plain_text
from ui.form.item_widgets import ItemContext, ItemWidget
from ui.form.wrap_label import WrapLabel
from ui.widgets.date_input import DateInput

_TIME = re.compile(r"\s*(\d{1,2})\s*[:.]?\s*(\d{2})\s*")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


class TextWidget(ItemWidget):
    """``text``, ``email``, ``phone``: one line of text."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header()
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"input:{path}")
        if item.placeholder:
            self.edit.setPlaceholderText(plain_text(item.placeholder, one_line=True))
        hints = {
            "email": Qt.InputMethodHint.ImhEmailCharactersOnly,
            "phone": Qt.InputMethodHint.ImhDialableCharactersOnly,
        }
        if item.type in hints:
            self.edit.setInputMethodHints(hints[item.type])
        self._name_input(self.edit)
        if item.type == "phone":
            row = QHBoxLayout()
            self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("0" * 24))
            row.addWidget(self.edit)
            row.addStretch(1)
            self.body.addLayout(row)
        else:
            self.body.addWidget(self.edit)
        self.edit.textChanged.connect(self._edited)

    def value(self) -> Any:
        text = self.edit.text()
        return text if text.strip() else None

    def _show_value(self, value: Any) -> None:
        self.edit.setText(value if isinstance(value, str) else "")

    def inputs(self) -> list[QWidget]:
        return [self.edit]


class _DeferredInput(ItemWidget):
    """A question whose header and input can be made when it is first shown or asked for.

    A question hidden by its relevance when its page is built (``deferred``) gets its
    label, hint, example, guidance and input then: a risk assessment page holds many
    hidden dates and long texts whose words and boxes were built unseen (issue 11). A
    value set before that is kept and shown once the input exists; so are read-only and
    any problem.
    """

    def _start(self, deferred: bool, build: Callable[[], object]) -> None:
        self._build = build
        self._built = False
        self._pending: Any = None
        if deferred:
            self.setVisible(False)
        else:
            self._ensure_input()

    def _ensure_input(self) -> None:
        if self._built:
            return
        self._built = True
        self._build()
        if self._problem is not None:
            self.set_problem(*self._problem)
        if self._pending is not None:
            value, self._pending = self._pending, None
            self.set_value(value)
        if self.is_read_only():
            self.set_read_only(True)

    def setVisible(self, visible: bool) -> None:
        if visible:
            self._ensure_input()
        super().setVisible(visible)


class LongTextWidget(_DeferredInput):
    """``long_text``: several lines; Tab moves to the next field rather than typing a tab."""

    def __init__(
        self,
        item: Item,
        path: str,
        context: ItemContext,
        parent: QWidget | None = None,
        *,
        deferred: bool = False,
    ) -> None:
        super().__init__(item, path, context, parent)
        self._edit: QPlainTextEdit | None = None
        self._start(deferred, self._build_edit)

    def _build_edit(self) -> None:
        self._add_header()
        edit = QPlainTextEdit(self)
        edit.setObjectName(f"input:{self.path}")
        edit.setTabChangesFocus(True)
        if self.item.placeholder:
            edit.setPlaceholderText(plain_text(self.item.placeholder, one_line=True))
        # Room for about five lines at the current font size (it scrolls beyond).
        line = edit.fontMetrics().lineSpacing()
        edit.setMinimumHeight(line * 5)
        edit.setMaximumHeight(line * 7)
        edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._name_input(edit)
        self.body.addWidget(edit)
        self._edit = edit
        edit.textChanged.connect(self._edited)

    @property
    def edit(self) -> QPlainTextEdit:
        self._ensure_input()
        assert self._edit is not None
        return self._edit

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def _show_value(self, value: Any) -> None:
        if self._edit is None:
            self._pending = value
            return
        self._edit.setPlainText(value if isinstance(value, str) else "")

    def inputs(self) -> list[QWidget]:
        return [] if self._edit is None else [self._edit]


class DateWidget(_DeferredInput):
    """``date``: the GOV.UK day / month / year input (never a calendar pop-up)."""

    def __init__(
        self,
        item: Item,
        path: str,
        context: ItemContext,
        parent: QWidget | None = None,
        *,
        deferred: bool = False,
    ) -> None:
        super().__init__(item, path, context, parent)
        self._date: DateInput | None = None
        self._start(deferred, self._build_date)

    def _build_date(self) -> None:
        self._add_header(example="For example, 27 3 2011")
        date = DateInput(self.accessible_name(), self, hint="For example, 27 3 2011")
        date.setObjectName(f"input:{self.path}")
        date.setAccessibleDescription(self.accessible_description())
        if self.label is not None:
            self.label.setBuddy(date)
        self.body.addWidget(date)
        self._date = date
        self._refresh_descriptions()
        date.changed.connect(self._edited)

    @property
    def date(self) -> DateInput:
        self._ensure_input()
        assert self._date is not None
        return self._date

    def _refresh_descriptions(self) -> None:
        if self._date is not None:
            _describe_date_parts(self._date, self.accessible_description())

    def value(self) -> Any:
        return self.date.value()

    def _show_value(self, value: Any) -> None:
        if self._date is None:
            self._pending = value
            return
        self._date.setValue(value if isinstance(value, str) else None)

    def local_error(self) -> str | None:
        return self._date.error() if self._date is not None else None

    def inputs(self) -> list[QWidget]:
        date = self._date
        return [] if date is None else [date.day, date.month, date.year]

    def focus_target(self) -> QWidget:
        if self.date.error():
            return self.date.first_invalid_part()
        return self.date.day


def _describe_date_parts(date_input: DateInput, description: str) -> None:
    """Each day/month/year box keeps its own words ("Day of the ..., in numbers") and
    gains the item's help and any error."""
    date_input.setAccessibleDescription(description)
    for part in (date_input.day, date_input.month, date_input.year):
        own = part.property("havenOwnDescription")
        if own is None:
            own = part.accessibleDescription()
            part.setProperty("havenOwnDescription", own)
        part.setAccessibleDescription(" ".join(t for t in (str(own), description) if t))


def _parse_time(text: str) -> str | None:
    """ "14:05", "1405", "9.30" → "HH:MM"; None when it is not a time of day."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


class DateTimeWidget(ItemWidget):
    """``datetime``: the date input plus a 24-hour time box; the answer is
    ``YYYY-MM-DDTHH:MM`` once both halves are real."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header(example="For example, 27 3 2011 and 14:30")
        row = QHBoxLayout()
        self.date = DateInput(self.accessible_name(), self, hint="For example, 27 3 2011")
        self.date.setObjectName(f"input:{path}")
        self.date.setAccessibleDescription(self.accessible_description())
        row.addWidget(self.date)
        column = QVBoxLayout()
        caption = QLabel("Time (24-hour)", self)
        self.time = QLineEdit(self)
        self.time.setObjectName(f"time:{path}")
        self.time.setPlaceholderText("HH:MM")
        self.time.setMaxLength(5)
        self.time.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
        self.time.setAccessibleName(f"Time, {self.accessible_name()}")
        width = self.time.fontMetrics().horizontalAdvance("00:00")
        self.time.setMinimumWidth(width * 2)
        self.time.setMaximumWidth(width * 3)
        caption.setBuddy(self.time)
        column.addWidget(caption)
        column.addWidget(self.time)
        row.addLayout(column)
        row.addStretch(1)
        if self.label is not None:
            self.label.setBuddy(self.date)
        self.body.addLayout(row)
        self._refresh_descriptions()
        self.date.changed.connect(self._edited)
        self.time.textChanged.connect(self._edited)

    def _refresh_descriptions(self) -> None:
        _describe_date_parts(self.date, self.accessible_description())
        self.time.setAccessibleDescription(
            " ".join(
                part
                for part in (
                    "Time of day on the 24-hour clock, for example 14:30.",
                    self.accessible_description(),
                )
                if part
            )
        )

    def value(self) -> Any:
        day = self.date.value()
        moment = _parse_time(self.time.text())
        if day is None or moment is None:
            return None
        return f"{day}T{moment}"

    def _show_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        day, _, moment = text.partition("T")
        self.date.setValue(day or None)
        self.time.setText(moment[:5])

    def local_error(self) -> str | None:
        name = self.accessible_name()
        date_error = self.date.error()
        if date_error:
            return date_error
        has_date = not self.date.is_empty()
        typed_time = self.time.text().strip()
        if has_date and not typed_time:
            return f"{name} must include a time"
        if typed_time and _parse_time(typed_time) is None:
            return f"{name} must have a real time on the 24-hour clock, like 14:30"
        if typed_time and not has_date:
            return f"{name} must include a date"
        return None

    def inputs(self) -> list[QWidget]:
        return [self.date.day, self.date.month, self.date.year, self.time]

    def focus_target(self) -> QWidget:
        if self.date.error() or self.date.is_empty():
            return self.date.first_invalid_part()
        if _parse_time(self.time.text()) is None:
            return self.time
        return self.date.day


class NumberWidget(ItemWidget):
    """``number``: typed as text (so it can be empty), stored as an integer or decimal."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header()
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"input:{path}")
        self.edit.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        if item.placeholder:
            self.edit.setPlaceholderText(plain_text(item.placeholder, one_line=True))
        self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("0" * 16))
        self._name_input(self.edit)
        row = QHBoxLayout()
        row.addWidget(self.edit)
        row.addStretch(1)
        self.body.addLayout(row)
        self.edit.textChanged.connect(self._edited)

    def value(self) -> Any:
        text = self.edit.text().strip().replace(",", "")
        if not text:
            return None
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    def _show_value(self, value: Any) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        self.edit.setText(str(value) if ok else "")

    def local_error(self) -> str | None:
        if self.edit.text().strip() and self.value() is None:
            return f"{self.accessible_name()} must be a number, like 3 or 2.5"
        return None

    def inputs(self) -> list[QWidget]:
        return [self.edit]


class InfoWidget(ItemWidget):
    """``info``: static words in the flow; no answer and nothing to press."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header()
        if isinstance(self.label, WrapLabel):
            self.label.select_on_press()

    def value(self) -> Any:
        return None

    def _show_value(self, value: Any) -> None:
        return None

    def inputs(self) -> list[QWidget]:
        return []

    def focus_target(self) -> QWidget:
        return self.label if self.label is not None else self
