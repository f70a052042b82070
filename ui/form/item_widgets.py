"""The base of every item widget: the GOV.UK question pattern, names, answers, problems.

GOV.UK question pattern for each item: the label (the question, bold), the hint (the
item's help), any guidance panels, the error message, then the input. Widgets hold no
rules: they turn what was typed or ticked into the answer shape of FORMAT.md ("Item types
and their answer values") and show the messages the engine reports. The one exception is
input that cannot be expressed as an answer at all (a date with no month, a time of
"25:00", "twelve" in a number box); `local_error` reports it in the same plain style,
because no answer exists yet for the engine to judge.

Accessibility: every input gets the item label as its accessible name (through the
label's buddy AND `setAccessibleName`), and the help text, and any error, as its
accessible description.

The widgets for each item type build on this class in ui.form.option_widgets (buttons and
lists of options) and ui.form.text_widgets (answers typed as text); ui.form.widget_factory
picks one. The base lives apart from them so the error colours and "is this answered?"
that the summary, the check-answers page and the group editor share need no widget type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.forms.definitions import GuidanceBlock, Item
from ui import plain_text
from ui.form.guidance_panel import GuidancePanel
from ui.form.wrap_label import WrapLabel
from ui.theme import scaled_font

ERROR_COLOUR = QColor("#a00000")
WARNING_COLOUR = QColor("#7a4d00")
"""Both keep at least 4.5:1 contrast on the normal and high-contrast backgrounds."""


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


def unwrapped_size_hint(widget: QWidget) -> QSize:
    """The size hint of `widget`'s layout, without working out wrapped heights.

    Qt's own hint for a widget whose layout holds word-wrapping labels also lays every
    label out for the hint's width, a width the widget is never shown at: the layout
    around it asks for its height at the real width anyway (heightForWidth). For the
    questions and options of a page that was one text layout of each label per open and
    per section (issue 11); the hint's width, which places them side by side, is Qt's.
    """
    layout = widget.layout()
    if layout is None:
        return QSize()
    margins = widget.contentsMargins()
    return layout.sizeHint() + QSize(
        margins.left() + margins.right(), margins.top() + margins.bottom()
    )


def muted(label: QLabel) -> None:
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


class ErrorBar(QFrame):
    """The coloured bar down the left of a question with a problem (GOV.UK error pattern).

    It sits outside the question's layout: while shown, the layout's left margin leaves
    its width and the style's spacing, and the bar follows the question's height, which
    is where a row layout of bar and body would put it."""

    def __init__(self, item: QWidget, body: QVBoxLayout) -> None:
        super().__init__(item)
        self._body = body
        self.setFixedWidth(max(3, item.fontMetrics().horizontalAdvance("0") // 2))
        self.setAutoFillBackground(True)
        self.setVisible(False)
        item.installEventFilter(self)

    def show_beside(self, on: bool) -> None:
        item = self.parentWidget()
        if item is None:
            return
        gap = item.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        self._body.setContentsMargins(self.width() + gap if on else 0, 0, 0, 0)
        self.setGeometry(0, 0, self.width(), item.height())
        self.setVisible(on)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QResizeEvent) and watched is self.parentWidget():
            self.setGeometry(0, 0, self.width(), event.size().height())
        return False


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
        # The error bar and message are made the first time a problem is shown (most
        # questions never have one): hidden widgets under each of 150 questions are built
        # and polished for nothing on every page (issue 11). The bar is not in a layout:
        # a row layout around the body for it was one more layout per question, laid
        # out on every page (ErrorBar places it).
        self.bar: ErrorBar | None = None
        self._error_slot: int | None = None
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(max(2, self.fontMetrics().height() // 4))
        self.label: QLabel | None = None
        self.hint: QLabel | None = None
        self.error_label: QLabel | None = None
        self.guidance_panels: list[GuidancePanel] = []
        self._named: list[QWidget] = []

    def sizeHint(self) -> QSize:
        return unwrapped_size_hint(self)

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
            self.label = WrapLabel(self.label_text(), self)
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
        self.hint = WrapLabel(plain_text(self.item.help.strip()), self)
        self.hint.setObjectName(f"hint:{self.path}")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        muted(self.hint)
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
        muted(example)
        self.body.addWidget(example)

    def _add_error_label(self) -> None:
        """Keep the message's place (GOV.UK: above the input); made when first needed."""
        self._error_slot = self.body.count()

    def _make_error_widgets(self) -> tuple[ErrorBar, QLabel | None]:
        if self.bar is None:
            self.bar = ErrorBar(self, self.body)
        if self.error_label is None and self._error_slot is not None:
            label = WrapLabel("", self)
            label.setObjectName(f"error:{self.path}")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setFont(scaled_font(label, 1.0, bold=True))
            label.setVisible(False)
            self.body.insertWidget(self._error_slot, label)
            self.error_label = label
        return self.bar, self.error_label

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
        if (shown if shown and shown[0] else None) == self._problem:
            # Unchanged (every page is re-shown on each section switch): no palette or
            # accessible-description churn over every widget of the page (issue 11).
            return
        self.set_problem(shown[0] if shown else None, shown[1] if shown else "error")

    def owns(self, widget: QWidget) -> bool:
        return any(widget is w or w.isAncestorOf(widget) for w in self.inputs())

    # --- problems and read-only ---------------------------------------------------------

    def set_problem(self, message: str | None, severity: str = "error") -> None:
        """Show (or clear, with None) the engine's message beside the item."""
        self._problem = (message, severity) if message else None
        bar: ErrorBar | None = self.bar
        error_label: QLabel | None = self.error_label
        if message:
            bar, error_label = self._make_error_widgets()
        if error_label is not None:
            if message:
                word = "Error" if severity == "error" else "Warning"
                error_label.setText(plain_text(message))
                error_label.setAccessibleName(f"{word}: {plain_text(message)}")
                _coloured(error_label, ERROR_COLOUR if severity == "error" else WARNING_COLOUR)
            error_label.setVisible(bool(message))
        if bar is not None:
            _coloured(bar, ERROR_COLOUR if severity == "error" else WARNING_COLOUR)
            bar.show_beside(bool(message))
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


def interactive_widgets(widgets: Sequence[ItemWidget]) -> list[QWidget]:
    """Every input of several items, in order (for the tab chain)."""
    out: list[QWidget] = []
    for widget in widgets:
        out.extend(widget.inputs())
    return out
