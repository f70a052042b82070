"""One widget class per item type of forms/FORMAT.md (ui.form.widget_factory picks one).

GOV.UK question pattern for each item: the label (the question, bold), the hint (the
item's help), any guidance panels, the error message, then the input. Widgets hold no
rules: they turn what was typed or ticked into the answer shape of FORMAT.md ("Item types
and their answer values") and show the messages the engine reports. The one exception is
input that cannot be expressed as an answer at all (a date with no month, a time of
"25:00", "twelve" in a number box); `local_error` reports it in the same plain style,
because no answer exists yet for the engine to judge.

Accessibility: every input gets the item label as its accessible name (through the
label's buddy AND `setAccessibleName`), and the help text, and any error, as its
accessible description. Option labels are separate word-wrapping labels (Qt check boxes
and radio buttons cannot wrap their text, and the official wording is long), so each
button is named after its option explicitly and clicking the words toggles it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.forms.definitions import YES_NO_LABELS, GuidanceBlock, Item
from ui import plain_text
from ui.form.guidance_panel import GuidancePanel
from ui.theme import scaled_font
from ui.widgets.date_input import DateInput
from ui.widgets.focus_ring import OWN_FOCUS_PROPERTY

MAX_RADIOS = 6
"""Choices with more options than this are a drop-down list instead of radio buttons."""

ERROR_COLOUR = QColor("#a00000")
WARNING_COLOUR = QColor("#7a4d00")
"""Both keep at least 4.5:1 contrast on the normal and high-contrast backgrounds."""

_TIME = re.compile(r"\s*(\d{1,2})\s*[:.]?\s*(\d{2})\s*")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


@dataclass(frozen=True)
class ItemContext:
    """What every item widget needs besides its item: guidance and its place in a group.

    ``name_suffix`` is added to accessible names inside a group entry (", person 2") so a
    screen reader user hears which entry a field belongs to.
    """

    guidance: Mapping[str, GuidanceBlock]
    name_suffix: str = ""


def item_is_optional(item: Item) -> bool:
    """GOV.UK marks optional questions "(optional)", never required ones with asterisks.

    Ticks and multiple choices are optional by nature, and a conditional requirement is
    not "optional", so only plain never-required questions are marked.
    """
    return item.required is False and item.type not in ("tick", "multi", "info", "group")


def is_unanswered(value: object) -> bool:
    """FORMAT.md: null, "" and [] (and False for a tick) count as unanswered."""
    return value is None or value == "" or value == [] or value is False


# --- small building blocks ------------------------------------------------------------------


class ReadOnlyGuard(QObject):
    """Makes buttons and lists read-only while keeping them focusable and readable.

    Disabled widgets drop out of the tab order and are skipped by screen readers, so a
    completed record's answers would be unreachable by keyboard. Instead the guard eats
    the mouse and the keys that would change the answer; Tab still moves on.
    """

    _BLOCKED_KEYS = frozenset(
        {
            Qt.Key.Key_Space,
            Qt.Key.Key_Select,
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
            Qt.Key.Key_PageUp,
            Qt.Key.Key_PageDown,
            Qt.Key.Key_Home,
            Qt.Key.Key_End,
            Qt.Key.Key_F4,
        }
    )
    _BLOCKED_EVENTS = frozenset(
        {
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
            QEvent.Type.Wheel,
        }
    )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._BLOCKED_EVENTS:
            if event.type() == QEvent.Type.MouseButtonPress and isinstance(watched, QWidget):
                watched.setFocus(Qt.FocusReason.MouseFocusReason)
            return True
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            moves_focus = key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            if key in self._BLOCKED_KEYS or (event.text() and not moves_focus):
                return True
        return False


class WheelGuard(QObject):
    """A drop-down list ignores the mouse wheel unless focused, so scrolling a long page
    never changes an answer by accident."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            event.ignore()
            return True
        return False


class ClickableLabel(QLabel):
    """A word-wrapping label that acts on its button when clicked."""

    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class OptionRow(QFrame):
    """A check box or radio button with its words beside it, wrapping, and a hint below.

    The whole row is outlined in the highlight colour while the button has focus, so the
    focus stays visible whatever the style draws for a text-less button (the window's
    focus ring, ui.widgets.focus_ring, leaves these buttons to their row).
    """

    def __init__(
        self,
        button: QAbstractButton,
        text: str,
        hint: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.button = button
        button.setParent(self)
        button.setText("")
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.setProperty(OWN_FOCUS_PROPERTY, True)
        layout = QHBoxLayout(self)
        margin = max(2, self.fontMetrics().height() // 5)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        words.setSpacing(0)
        self.label = ClickableLabel(plain_text(text), self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setBuddy(button)
        self.label.clicked.connect(self._activate)
        words.addWidget(self.label)
        self.hint: QLabel | None = None
        if hint:
            self.hint = ClickableLabel(plain_text(hint), self)
            self.hint.setTextFormat(Qt.TextFormat.PlainText)
            self.hint.setWordWrap(True)
            _muted(self.hint)
            self.hint.clicked.connect(self._activate)
            words.addWidget(self.hint)
        self.suggestion = QLabel("Haven’s suggestion", self)
        self.suggestion.setObjectName("suggestionMark")
        self.suggestion.setTextFormat(Qt.TextFormat.PlainText)
        self.suggestion.setFont(scaled_font(self.suggestion, 1.0, bold=True))
        self.suggestion.setVisible(False)
        words.addWidget(self.suggestion)
        layout.addLayout(words, 1)
        button.installEventFilter(self)

    def _activate(self) -> None:
        if not self.button.isEnabled():
            return
        self.button.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.button.property("havenReadOnly"):
            return
        self.button.click()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.button and event.type() in (
            QEvent.Type.FocusIn,
            QEvent.Type.FocusOut,
        ):
            self.update()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.button.hasFocus():
            painter = QPainter(self)
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
            pen.setWidth(max(2, self.fontMetrics().height() // 8))
            painter.setPen(pen)
            inset = pen.width() // 2 + 1
            painter.drawRect(self.rect().adjusted(inset, inset, -inset, -inset))
            painter.end()


def _muted(label: QLabel) -> None:
    """Hint text: the placeholder colour of the palette (still 4.5:1 on the background)."""
    palette = label.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText)
    )
    label.setPalette(palette)


def _coloured(widget: QWidget, colour: QColor) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    palette.setColor(QPalette.ColorRole.Window, colour)
    widget.setPalette(palette)


# --- the base class -------------------------------------------------------------------------


class ItemWidget(QFrame):
    """The widget for one item at one path ("dob", or "people[1].name" inside a group).

    Subclasses build the input and implement `value`, `set_value`, `inputs` and
    `focus_target`; `changed` fires only for the user's edits, never for `set_value`.
    """

    changed = Signal()
    structure_changed = Signal()
    """A group gained, lost or reordered entries: the view redoes the tab order."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.path = path
        self.context = context
        self._loading = False
        self._read_only = False
        self._problem: tuple[str, str] | None = None
        self.setObjectName(f"item:{path}")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        bar_width = max(3, self.fontMetrics().horizontalAdvance("0") // 2)
        self.bar = QFrame(self)
        self.bar.setFixedWidth(bar_width)
        self.bar.setAutoFillBackground(True)
        self.bar.setVisible(False)
        outer.addWidget(self.bar)
        self.body = QVBoxLayout()
        self.body.setSpacing(max(2, self.fontMetrics().height() // 4))
        outer.addLayout(self.body, 1)
        self.label: QLabel | None = None
        self.hint: QLabel | None = None
        self.error_label: QLabel | None = None
        self.guidance_panels: list[GuidancePanel] = []
        self._named: list[QWidget] = []

    # --- names ----------------------------------------------------------------------

    def accessible_name(self) -> str:
        """The item label (plus the entry it belongs to, inside a group)."""
        return plain_text(" ".join(self.item.label.split()), one_line=True) + (
            self.context.name_suffix
        )

    def accessible_description(self) -> str:
        parts: list[str] = []
        if self._problem is not None:
            word = "Error" if self._problem[1] == "error" else "Warning"
            parts.append(f"{word}: {self._problem[0]}")
        if self.item.help:
            parts.append(plain_text(" ".join(self.item.help.split())))
        return " ".join(parts)

    def label_text(self) -> str:
        text = plain_text(self.item.label)
        return f"{text} (optional)" if item_is_optional(self.item) else text

    # --- the GOV.UK header: label, hint, guidance, error ----------------------------

    def _add_header(
        self, *, with_label: bool = True, with_hint: bool = True, example: str | None = None
    ) -> None:
        if with_label:
            self.label = QLabel(self.label_text(), self)
            self.label.setObjectName(f"label:{self.path}")
            self.label.setTextFormat(Qt.TextFormat.PlainText)
            self.label.setWordWrap(True)
            self.label.setFont(scaled_font(self.label, 1.0, bold=True))
            self.body.addWidget(self.label)
        if with_hint:
            self._add_hint()
        if example:
            self._add_example(example)
        self._add_guidance()
        self._add_error_label()

    def _add_hint(self) -> None:
        if not self.item.help:
            return
        self.hint = QLabel(plain_text(self.item.help.strip()), self)
        self.hint.setObjectName(f"hint:{self.path}")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        _muted(self.hint)
        self.body.addWidget(self.hint)

    def _add_guidance(self) -> None:
        for block_id in self.item.guidance:
            block = self.context.guidance.get(block_id)
            if block is None:
                continue
            panel = GuidancePanel(block, self)
            self.guidance_panels.append(panel)
            self.body.addWidget(panel)

    def _add_example(self, text: str) -> None:
        """GOV.UK date inputs always show an example of the format expected."""
        example = QLabel(text, self)
        example.setTextFormat(Qt.TextFormat.PlainText)
        _muted(example)
        self.body.addWidget(example)

    def _add_error_label(self) -> None:
        self.error_label = QLabel(self)
        self.error_label.setObjectName(f"error:{self.path}")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setFont(scaled_font(self.error_label, 1.0, bold=True))
        self.error_label.setVisible(False)
        self.body.addWidget(self.error_label)

    def _name_input(self, widget: QWidget) -> None:
        widget.setAccessibleName(self.accessible_name())
        widget.setAccessibleDescription(self.accessible_description())
        if self.label is not None:
            self.label.setBuddy(widget)
        self._named.append(widget)

    def _refresh_descriptions(self) -> None:
        """Keep the error in the accessible description of the inputs named by the item."""
        for widget in self._named:
            widget.setAccessibleDescription(self.accessible_description())

    # --- answers ----------------------------------------------------------------------

    def value(self) -> Any:
        """The answer in FORMAT.md's shape, or None when unanswered (info: always None)."""
        return None

    def set_value(self, value: Any) -> None:
        """Show an answer without emitting `changed`."""
        self._loading = True
        try:
            self._show_value(value)
        finally:
            self._loading = False

    def _show_value(self, value: Any) -> None:
        """Subclasses put `value` into their inputs; an info item has none."""

    def _edited(self) -> None:
        if not self._loading:
            self.changed.emit()

    def local_error(self) -> str | None:
        """A message for input that cannot become an answer (a half-typed date)."""
        return None

    def local_errors(self) -> list[tuple[str, str]]:
        """(path, message) for this widget and anything inside it."""
        message = self.local_error()
        return [(self.path, message)] if message else []

    # --- inputs and focus -------------------------------------------------------------

    def inputs(self) -> list[QWidget]:
        """Every interactive widget of this item, in tab order (info: none)."""
        return []

    def focus_target(self) -> QWidget:
        """Where focus goes for this item (an error link, a restored position)."""
        inputs = self.inputs()
        return inputs[0] if inputs else self

    def widget_for_path(self, path: str) -> ItemWidget | None:
        """The item widget answering `path` (a group looks inside its entries)."""
        return self if path == self.path else None

    def focus_widget_for(self, path: str) -> QWidget | None:
        """Where focus goes for a problem or position at `path`, if it is this item's."""
        return self.focus_target() if path == self.path else None

    def show_problems(self, problems: Mapping[str, tuple[str, str]]) -> None:
        """Show this item's message from {path: (message, severity)}, or clear it."""
        shown = problems.get(self.path)
        self.set_problem(shown[0] if shown else None, shown[1] if shown else "error")

    def owns(self, widget: QWidget) -> bool:
        return any(widget is w or w.isAncestorOf(widget) for w in self.inputs())

    # --- problems and read-only ---------------------------------------------------------

    def set_problem(self, message: str | None, severity: str = "error") -> None:
        """Show (or clear, with None) the engine's message beside the item."""
        self._problem = (message, severity) if message else None
        if self.error_label is not None:
            if message:
                word = "Error" if severity == "error" else "Warning"
                self.error_label.setText(plain_text(message))
                self.error_label.setAccessibleName(f"{word}: {plain_text(message)}")
                _coloured(self.error_label, ERROR_COLOUR if severity == "error" else WARNING_COLOUR)
            self.error_label.setVisible(bool(message))
        _coloured(self.bar, ERROR_COLOUR if severity == "error" else WARNING_COLOUR)
        self.bar.setVisible(bool(message))
        self._refresh_descriptions()

    def problem(self) -> tuple[str, str] | None:
        return self._problem

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        for widget in self.inputs():
            _set_widget_read_only(widget, on)

    def is_read_only(self) -> bool:
        return self._read_only


_GUARD = ReadOnlyGuard()
_WHEEL_GUARD = WheelGuard()


def _set_widget_read_only(widget: QWidget, on: bool) -> None:
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        widget.setReadOnly(on)
        return
    if bool(widget.property("havenReadOnly")) == on:
        return
    widget.setProperty("havenReadOnly", on)
    if on:
        widget.installEventFilter(_GUARD)
    else:
        widget.removeEventFilter(_GUARD)


# --- item types ------------------------------------------------------------------------------


class TickWidget(ItemWidget):
    """``tick``: one check box; ticked is ``true``, unticked is no answer."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_error_label()
        self.check = QCheckBox(self)
        self.check.setObjectName(f"input:{path}")
        self.row = OptionRow(self.check, self.label_text(), item.help, self)
        self.body.addWidget(self.row)
        self._add_guidance()
        self._name_input(self.check)
        self.check.toggled.connect(self._edited)

    def value(self) -> Any:
        return True if self.check.isChecked() else None

    def _show_value(self, value: Any) -> None:
        self.check.setChecked(value is True)

    def inputs(self) -> list[QWidget]:
        return [self.check]


def _options_of(item: Item) -> list[tuple[str, str, str | None]]:
    """(value, words, hint) for a choice, multi or yes/no item."""
    if item.type in ("yes_no", "yes_no_unknown"):
        return [(value, YES_NO_LABELS[value], None) for value in item.allowed_values()]
    return [(option.value, option.label, option.help) for option in item.options]


class _OptionsWidget(ItemWidget):
    """Radio buttons or check boxes inside a group box named after the question.

    The box's accessible name is the question (screen readers announce it on entering
    the group, as for a GOV.UK fieldset legend); the visible legend is the bold label
    above it rather than the box title, because a QGroupBox title cannot wrap and the
    official wording is often a long sentence.
    """

    def _build_box(self, *, inline: bool) -> QGroupBox:
        self._add_header()
        box = QGroupBox(self)
        box.setObjectName(f"group:{self.path}")
        box.setFlat(True)
        box.setAccessibleName(self.accessible_name())
        box.setAccessibleDescription(self.accessible_description())
        if self.label is not None:
            self.label.setBuddy(box)
        self._named.append(box)
        self._option_hints: dict[QAbstractButton, str | None] = {}
        self._rows: dict[QAbstractButton, OptionRow] = {}
        layout: QHBoxLayout | QVBoxLayout = QHBoxLayout(box) if inline else QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box_layout = layout
        self.body.addWidget(box)
        return box

    def _option_button(
        self, box: QGroupBox, button: QAbstractButton, value: str, words: str, hint: str | None
    ) -> OptionRow:
        button.setObjectName(f"input:{self.path}={value}")
        button.setAccessibleName(plain_text(words, one_line=True))
        self._option_hints[button] = hint
        button.setAccessibleDescription(self._option_description(hint))
        row = OptionRow(button, words, hint, box)
        self._rows[button] = row
        self.box_layout.addWidget(row)
        return row

    def _option_description(self, hint: str | None, suggested: bool = False) -> str:
        """An option's description: the question it answers, the question's help, the
        option's own hint and any error (a screen reader reads it after the option)."""
        parts = [self.accessible_name() + "."]
        if suggested:
            parts.append("Haven’s suggestion.")
        if hint:
            parts.append(plain_text(" ".join(hint.split()), one_line=True))
        parts.append(self.accessible_description())
        return " ".join(part for part in parts if part)

    def _refresh_descriptions(self) -> None:
        super()._refresh_descriptions()
        for button, hint in self._option_hints.items():
            row = self._rows.get(button)
            marked = row is not None and not row.suggestion.isHidden()
            button.setAccessibleDescription(self._option_description(hint, marked))


class ChoiceWidget(_OptionsWidget):
    """``choice``, ``yes_no``, ``yes_no_unknown``: radio buttons (Yes/No side by side)."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        inline = item.type in ("yes_no", "yes_no_unknown")
        self.box = self._build_box(inline=inline)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QRadioButton] = {}
        self._suggested: str | None = None
        for value, words, hint in _options_of(item):
            button = QRadioButton(self.box)
            self._option_button(self.box, button, value, words, hint)
            self.group.addButton(button)
            self.buttons[value] = button
            button.installEventFilter(self)
        if inline:
            self.box_layout.addStretch(1)
        self.group.buttonToggled.connect(self._toggled)
        self.clear_button: QPushButton | None = None
        if item.required is not True:
            self.clear_button = QPushButton("Clear this answer", self)
            self.clear_button.setObjectName(f"clear:{path}")
            self.clear_button.setAccessibleName(f"Clear the answer to: {self.accessible_name()}")
            self.clear_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            self.clear_button.setFlat(True)
            self.clear_button.clicked.connect(self._clear_clicked)
            self.clear_button.setVisible(False)
            self.body.addWidget(self.clear_button)

    _ARROWS: Final[Mapping[int, int]] = {
        Qt.Key.Key_Up: -1,
        Qt.Key.Key_Left: -1,
        Qt.Key.Key_Down: 1,
        Qt.Key.Key_Right: 1,
    }

    def set_suggested(self, value: str | None) -> None:
        """Mark the option Haven suggests (the item's ``suggested_by`` outcome): focus
        lands there while nothing is chosen, and the row says so. None: no suggestion."""
        self._suggested = value if value in self.buttons else None
        for key, button in self.buttons.items():
            row = self._rows.get(button)
            if row is not None:
                row.suggestion.setVisible(key == self._suggested)
        self._refresh_descriptions()

    def suggested(self) -> str | None:
        return self._suggested

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys move to the next option AND choose it, as radio buttons do in
        every browser and operating system (Qt's own only move the focus while nothing is
        chosen, so a keyboard user could not answer without Space). A read-only record's
        guard sees the key first and keeps it. Tabbing into the options while none is
        chosen lands on Haven's suggestion, if there is one."""
        if (
            isinstance(event, QFocusEvent)
            and event.type() == QEvent.Type.FocusIn
            and event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
            and self.value() is None
            and self._suggested is not None
            and watched is not self.buttons[self._suggested]
            and watched in self.buttons.values()
        ):
            target = self.buttons[self._suggested]
            QTimer.singleShot(0, lambda: target.setFocus(Qt.FocusReason.OtherFocusReason))
            return False
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in self._ARROWS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and watched in self.buttons.values()
        ):
            buttons = list(self.buttons.values())
            step = self._ARROWS[event.key()]
            target = buttons[(buttons.index(watched) + step) % len(buttons)]  # type: ignore[arg-type]
            target.setFocus(Qt.FocusReason.TabFocusReason)
            if not self._read_only:
                target.setChecked(True)
            return True
        return super().eventFilter(watched, event)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._update_clear()
            self._edited()

    def _clear_clicked(self) -> None:
        self._uncheck_all()
        self._update_clear()
        self._edited()
        self.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    def _uncheck_all(self) -> None:
        self.group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)

    def _update_clear(self) -> None:
        if self.clear_button is not None:
            self.clear_button.setVisible(self.value() is not None and not self._read_only)

    def value(self) -> Any:
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return None

    def _show_value(self, value: Any) -> None:
        button = self.buttons.get(value) if isinstance(value, str) else None
        if button is None:
            self._uncheck_all()
        else:
            button.setChecked(True)
        self._update_clear()

    def inputs(self) -> list[QWidget]:
        widgets: list[QWidget] = list(self.buttons.values())
        if self.clear_button is not None:
            widgets.append(self.clear_button)
        return widgets

    def focus_target(self) -> QWidget:
        for button in self.buttons.values():
            if button.isChecked():
                return button
        if self._suggested is not None:
            return self.buttons[self._suggested]
        return next(iter(self.buttons.values()))

    def set_read_only(self, on: bool) -> None:
        super().set_read_only(on)
        self._update_clear()


class ComboChoiceWidget(ItemWidget):
    """``choice`` with more than six options: a drop-down list; the chosen option's help
    is shown beneath it."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header()
        self.combo = QComboBox(self)
        self.combo.setObjectName(f"input:{path}")
        self.combo.setPlaceholderText("Select an answer")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(24)
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.combo.installEventFilter(_WHEEL_GUARD)
        self._hints: dict[str, str | None] = {}
        for value, words, hint in _options_of(item):
            self.combo.addItem(plain_text(words, one_line=True), value)
            self._hints[value] = hint
        self.combo.setCurrentIndex(-1)
        self._name_input(self.combo)
        self.combo.view().setAccessibleName(f"Options for: {self.accessible_name()}")
        row = QHBoxLayout()
        row.addWidget(self.combo, 3)
        row.addStretch(1)
        self.body.addLayout(row)
        self.option_hint = QLabel(self)
        self.option_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.option_hint.setWordWrap(True)
        _muted(self.option_hint)
        self.option_hint.setVisible(False)
        self.body.addWidget(self.option_hint)
        self.combo.currentIndexChanged.connect(self._chosen)

    def _chosen(self, _index: int) -> None:
        hint = self._hints.get(self.value() or "")
        self.option_hint.setText(plain_text(hint or ""))
        self.option_hint.setVisible(bool(hint))
        self._edited()

    def value(self) -> Any:
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def _show_value(self, value: Any) -> None:
        index = self.combo.findData(value) if isinstance(value, str) else -1
        self.combo.setCurrentIndex(index)
        hint = self._hints.get(value) if isinstance(value, str) else None
        self.option_hint.setText(plain_text(hint or ""))
        self.option_hint.setVisible(bool(hint))

    def inputs(self) -> list[QWidget]:
        return [self.combo]


class MultiWidget(_OptionsWidget):
    """``multi``: a check box per option; the answer lists the chosen values.

    Values keep the order they were stored in (new ticks go last), so opening and saving
    a record never reorders an answer nobody changed.
    """

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self.box = self._build_box(inline=False)
        self.buttons: dict[str, QCheckBox] = {}
        self._order: list[str] = []
        for value, words, hint in _options_of(item):
            button = QCheckBox(self.box)
            self._option_button(self.box, button, value, words, hint)
            button.toggled.connect(lambda on, v=value: self._toggled(v, on))
            self.buttons[value] = button

    def _toggled(self, value: str, on: bool) -> None:
        if self._loading:
            return
        if on and value not in self._order:
            self._order.append(value)
        if not on and value in self._order:
            self._order.remove(value)
        self._edited()

    def value(self) -> Any:
        chosen = [v for v in self._order if self.buttons[v].isChecked()]
        return chosen or None

    def _show_value(self, value: Any) -> None:
        chosen = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        self._order = [v for v in chosen if v in self.buttons]
        for key, button in self.buttons.items():
            button.setChecked(key in self._order)

    def inputs(self) -> list[QWidget]:
        return list(self.buttons.values())


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


class LongTextWidget(ItemWidget):
    """``long_text``: several lines; Tab moves to the next field rather than typing a tab."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header()
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName(f"input:{path}")
        self.edit.setTabChangesFocus(True)
        if item.placeholder:
            self.edit.setPlaceholderText(plain_text(item.placeholder, one_line=True))
        # Room for about five lines at the current font size (it scrolls beyond).
        line = self.edit.fontMetrics().lineSpacing()
        self.edit.setMinimumHeight(line * 5)
        self.edit.setMaximumHeight(line * 7)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._name_input(self.edit)
        self.body.addWidget(self.edit)
        self.edit.textChanged.connect(self._edited)

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def _show_value(self, value: Any) -> None:
        self.edit.setPlainText(value if isinstance(value, str) else "")

    def inputs(self) -> list[QWidget]:
        return [self.edit]


class DateWidget(ItemWidget):
    """``date``: the GOV.UK day / month / year input (never a calendar pop-up)."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_header(example="For example, 27 3 2011")
        self.date = DateInput(self.accessible_name(), self, hint="For example, 27 3 2011")
        self.date.setObjectName(f"input:{path}")
        self.date.setAccessibleDescription(self.accessible_description())
        if self.label is not None:
            self.label.setBuddy(self.date)
        self.body.addWidget(self.date)
        self._refresh_descriptions()
        self.date.changed.connect(self._edited)

    def _refresh_descriptions(self) -> None:
        _describe_date_parts(self.date, self.accessible_description())

    def value(self) -> Any:
        return self.date.value()

    def _show_value(self, value: Any) -> None:
        self.date.setValue(value if isinstance(value, str) else None)

    def local_error(self) -> str | None:
        return self.date.error()

    def inputs(self) -> list[QWidget]:
        return [self.date.day, self.date.month, self.date.year]

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
        if self.label is not None:
            self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def value(self) -> Any:
        return None

    def _show_value(self, value: Any) -> None:
        return None

    def inputs(self) -> list[QWidget]:
        return []

    def focus_target(self) -> QWidget:
        return self.label if self.label is not None else self


_WIDGETS: dict[str, type[ItemWidget]] = {
    "tick": TickWidget,
    "yes_no": ChoiceWidget,
    "yes_no_unknown": ChoiceWidget,
    "multi": MultiWidget,
    "text": TextWidget,
    "email": TextWidget,
    "phone": TextWidget,
    "long_text": LongTextWidget,
    "date": DateWidget,
    "datetime": DateTimeWidget,
    "number": NumberWidget,
    "info": InfoWidget,
}


def interactive_widgets(widgets: Sequence[ItemWidget]) -> list[QWidget]:
    """Every input of several items, in order (for the tab chain)."""
    out: list[QWidget] = []
    for widget in widgets:
        out.extend(widget.inputs())
    return out
