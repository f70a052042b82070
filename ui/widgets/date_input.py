"""The GOV.UK date input: three boxes, day / month / year, for dates people know by heart.

House style ("dates of birth"): three fields, never a calendar pop-up, validated as a
whole date with a plain message. The GOV.UK Design System's date-input pattern and its
error messages are the model ("Date of birth must include a month", "Date of birth must
be a real date", "Date of birth must be in the past").

Shared with the form renderer (ui/form_view.py), so it knows nothing about any form: it
takes a label, optionally forbids future dates, and reports `value()` (ISO text or None)
and `error()` (a plain message or None).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.forms.dates import is_iso_date, parse_date
from ui import plain_text


class DateInput(QWidget):
    """Day, month and year boxes; `changed` fires whenever any of them is edited."""

    changed = Signal()

    def __init__(
        self,
        label: str = "Date",
        parent: QWidget | None = None,
        *,
        hint: str = "For example, 27 3 2011",
        must_be_past: bool = False,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._label = plain_text(label, one_line=True)
        self._must_be_past = must_be_past
        self._today = today
        self.setAccessibleName(self._label)
        self.setAccessibleDescription(hint)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.day = self._part("Day", 2, 31, outer)
        self.month = self._part("Month", 2, 12, outer)
        self.year = self._part("Year", 4, 9999, outer)
        outer.addStretch(1)
        self.setFocusProxy(self.day)

    def _part(self, name: str, width: int, top: int, outer: QHBoxLayout) -> QLineEdit:
        column = QVBoxLayout()
        caption = QLabel(name, self)
        edit = QLineEdit(self)
        edit.setObjectName(f"date{name}")
        edit.setMaxLength(width)
        edit.setValidator(QIntValidator(0, top, edit))
        edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        edit.setAccessibleName(f"{name}, {self._label}")
        edit.setAccessibleDescription(f"{name} of the {self._label.lower()}, in numbers")
        # Room for the digits at the current font size: no pixel sizes.
        edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("0" * (width + 2)))
        edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("0" * (width + 4)))
        caption.setBuddy(edit)
        edit.textChanged.connect(self.changed)
        column.addWidget(caption)
        column.addWidget(edit)
        outer.addLayout(column)
        return edit

    # ---- values -----------------------------------------------------------------------

    def parts(self) -> tuple[str, str, str]:
        return self.day.text().strip(), self.month.text().strip(), self.year.text().strip()

    def is_empty(self) -> bool:
        return not any(self.parts())

    def value(self) -> str | None:
        """The date as ``YYYY-MM-DD`` when the three boxes make a real date, else None."""
        day, month, year = self.parts()
        if not (day and month and len(year) == 4):
            return None
        try:
            iso = date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            return None
        return iso if is_iso_date(iso) else None

    def setValue(self, iso: str | None) -> None:
        parsed = parse_date(iso) if iso else None
        for edit, text in zip(
            (self.day, self.month, self.year),
            ((str(parsed.day), str(parsed.month), str(parsed.year)) if parsed else ("", "", "")),
            strict=True,
        ):
            edit.setText(text)

    def clear(self) -> None:
        self.setValue(None)

    def error(self) -> str | None:
        """A plain message for a date that is incomplete or not real; None when fine or empty.

        Whether an empty date is allowed is the caller's rule (it knows if it is required).
        """
        day, month, year = self.parts()
        if not (day or month or year):
            return None
        name = self._label
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if len(missing) == 1:
            return f"{name} must include a {missing[0]}"
        if len(missing) == 2:
            return f"{name} must include a {missing[0]} and a {missing[1]}"
        if len(year) != 4:
            return f"The year of the {name.lower()} must include 4 numbers"
        iso = self.value()
        if iso is None:
            return f"{name} must be a real date"
        if self._must_be_past:
            today = self._today or date.today()
            if date.fromisoformat(iso) > today:
                return f"{name} must be in the past"
        return None

    def first_invalid_part(self) -> QLineEdit:
        """Where focus should go for an error: the first empty box, else the day."""
        for edit in (self.day, self.month, self.year):
            if not edit.text().strip():
                return edit
        return self.day
