"""The widgets that answer by choosing: ``tick``, ``choice``, ``yes_no``(``_unknown``), ``multi``.

They share what typed answers do not: a row per option with its words and hint, a group
box named after the question, arrow keys that choose, Haven's suggestion mark and a
read-only guard that keeps the buttons focusable. Option labels are separate
word-wrapping labels (Qt check boxes and radio buttons cannot wrap their text, and the
official wording is long), so each button is named after its option explicitly and
clicking the words toggles it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import (
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.forms.definitions import YES_NO_LABELS, Item
from ui import plain_text
from ui.form.item_widgets import ItemContext, ItemWidget, muted
from ui.form.wrap_label import WrapLabel
from ui.theme import scaled_font
from ui.widgets.focus_ring import OWN_FOCUS_PROPERTY

MAX_RADIOS = 6
"""Choices with more options than this are a drop-down list instead of radio buttons."""


class WheelGuard(QObject):
    """A drop-down list ignores the mouse wheel unless focused, so scrolling a long page
    never changes an answer by accident."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(event, QWheelEvent)
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            event.ignore()
            return True
        return False


class ClickableLabel(WrapLabel):
    """A word-wrapping label (an option's words or hint) that acts on its option's button
    when clicked.

    It finds its row through the widget holding it rather than through a signal or a
    reference of its own: a connection per label was a measurable part of building a
    page of options, and a label pointing back at its row would tie the row, the label
    and the button into a cycle only Python's cyclic collector frees (issue 11)."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            for row in rows_of(self.parentWidget()):
                if self is row.label or self is row.hint:
                    row.activate()
                    break
        super().mouseReleaseEvent(event)


class OptionRow:
    """A check box or radio button with its words beside it, wrapping, and a hint below.

    The row is a layout inside the widget that holds the options (the question's group
    box, or a tick's item widget), not a widget of its own: a frame per option was a
    quarter of the widgets of a page of options, each built, polished, shown, laid out
    and painted on every section switch (issue 11). The holder outlines the row in the
    highlight colour while the button has focus (`paint_focused_row`), so the focus stays
    visible whatever the style draws for a text-less button (the window's focus ring,
    ui.widgets.focus_ring, leaves these buttons to their row).
    """

    __slots__ = ("button", "hint", "label", "layout", "suggestion")

    def __init__(
        self,
        button: QAbstractButton,
        text: str,
        hint: str | None,
        holder: QWidget,
        *,
        suggestable: bool = False,
        margin: int,
        spacing: int,
    ) -> None:
        self.button = button
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.setProperty(OWN_FOCUS_PROPERTY, True)
        layout = QHBoxLayout()
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(spacing)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout = layout
        # A column for the words only when there is more than the words (a hint, the
        # suggestion mark): a layout per option of a 150-question form is laid out on
        # every page otherwise (issue 11).
        words: QBoxLayout = layout
        if hint or suggestable:
            words = QVBoxLayout()
            words.setSpacing(0)
        self.label = ClickableLabel(plain_text(text), holder)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setBuddy(button)
        words.addWidget(self.label, 1 if words is layout else 0)
        self.hint: QLabel | None = None
        if hint:
            self.hint = ClickableLabel(plain_text(hint), holder)
            self.hint.setTextFormat(Qt.TextFormat.PlainText)
            muted(self.hint)
            words.addWidget(self.hint)
        # The mark only where Haven can suggest (a choice with ``suggested_by``): a hidden
        # label under every option of a 150-question form is built and polished for
        # nothing on each page (issue 11).
        self.suggestion: QLabel | None = None
        if suggestable:
            self.suggestion = QLabel("Haven’s suggestion", holder)
            self.suggestion.setObjectName("suggestionMark")
            self.suggestion.setTextFormat(Qt.TextFormat.PlainText)
            self.suggestion.setFont(scaled_font(self.suggestion, 1.0, bold=True))
            self.suggestion.setVisible(False)
            words.addWidget(self.suggestion)
        if words is not layout:
            layout.addLayout(words, 1)

    def geometry(self) -> QRect:
        """The row's rectangle in its holder (what the focus outline goes round)."""
        return self.layout.geometry()

    def activate(self) -> None:
        """The words were clicked: focus the button and press it (unless read-only)."""
        button = self.button
        if not button.isEnabled():
            return
        button.setFocus(Qt.FocusReason.MouseFocusReason)
        if button.property("havenReadOnly"):
            return
        button.click()


def row_metrics(holder: QWidget) -> tuple[int, int]:
    """(margin, spacing) of the option rows in `holder`: the margins leave room for the
    focus outline; the spacing between button and words is the style's, as it was when
    each row was a widget of its own."""
    margin = max(2, holder.fontMetrics().height() // 5)
    spacing = holder.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
    return margin, spacing


def rows_of(holder: QWidget | None) -> Sequence[OptionRow]:
    """The option rows laid out in `holder` (none if it holds none)."""
    if isinstance(holder, OptionsBox):
        return holder.rows
    if isinstance(holder, TickWidget):
        return (holder.row,)
    return ()


def paint_focused_row(holder: QWidget, rows: Iterable[OptionRow]) -> None:
    """Outline the row whose button has the focus (called from the holder's paintEvent)."""
    for row in rows:
        if row.button.hasFocus():
            painter = QPainter(holder)
            pen = QPen(holder.palette().color(QPalette.ColorRole.Highlight))
            pen.setWidth(max(2, holder.fontMetrics().height() // 8))
            painter.setPen(pen)
            inset = pen.width() // 2 + 1
            painter.drawRect(row.geometry().adjusted(inset, inset, -inset, -inset))
            painter.end()
            return


def _focus_moved(button: QAbstractButton) -> None:
    """Repaint the row of `button` as it gains or loses the focus (its outline)."""
    holder = button.parentWidget()
    for row in rows_of(holder):
        if row.button is button and holder is not None:
            holder.update(row.geometry())
            return


class OptionRadio(QRadioButton):
    """An option's radio button: tells its row and its question about focus and keys.

    Virtual overrides rather than event filters: a filter sees every event of every
    button (polish, move, show, paint...) on each section switch, in Python (issue 11);
    these see only focus changes and key presses. A read-only record's guard (an event
    filter, ui.form.item_widgets.ReadOnlyGuard) still sees the keys first. The question
    is found through the parents, not held, so no reference cycle keeps it alive."""

    def _question(self) -> ChoiceWidget | None:
        box = self.parentWidget()
        question = box.parentWidget() if box is not None else None
        return question if isinstance(question, ChoiceWidget) else None

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        _focus_moved(self)
        question = self._question()
        if question is not None:
            question.option_focused(self, event.reason())

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        _focus_moved(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        question = self._question()
        if question is None or not question.option_key(self, event):
            super().keyPressEvent(event)


class OptionCheck(QCheckBox):
    """An option's (or a tick's) check box: its row is outlined while it has focus."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        _focus_moved(self)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        _focus_moved(self)


class OptionsBox(QGroupBox):
    """The group box named after a question, holding its option rows (and their outline)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.rows: list[OptionRow] = []

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_focused_row(self, self.rows)


_WHEEL_GUARD = WheelGuard()


class TickWidget(ItemWidget):
    """``tick``: one check box; ticked is ``true``, unticked is no answer."""

    def __init__(
        self, item: Item, path: str, context: ItemContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(item, path, context, parent)
        self._add_error_label()
        self.check = OptionCheck(self)
        self.check.setObjectName(f"input:{path}")
        margin, spacing = row_metrics(self)
        self.row = OptionRow(
            self.check, self.label_text(), item.help, self, margin=margin, spacing=spacing
        )
        self.body.addLayout(self.row.layout)
        self._add_guidance()
        self._name_input(self.check)
        self.check.toggled.connect(self._edited)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_focused_row(self, (self.row,))

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

    def _build_box(self, *, inline: bool) -> OptionsBox:
        self._add_header()
        box = OptionsBox(self)
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
        self._row_metrics = row_metrics(box)
        self.body.addWidget(box)
        return box

    def _option_button(
        self,
        box: OptionsBox,
        button: QAbstractButton,
        value: str,
        words: str,
        hint: str | None,
    ) -> OptionRow:
        button.setObjectName(f"input:{self.path}={value}")
        button.setAccessibleName(plain_text(words, one_line=True))
        self._option_hints[button] = hint
        button.setAccessibleDescription(self._option_description(hint))
        margin, spacing = self._row_metrics
        row = OptionRow(
            button,
            words,
            hint,
            box,
            suggestable=self.item.suggested_by is not None,
            margin=margin,
            spacing=spacing,
        )
        self._rows[button] = row
        box.rows.append(row)
        self.box_layout.addLayout(row.layout)
        return row

    def row_of(self, button: QAbstractButton) -> OptionRow | None:
        """The row of an option's button (its words, hint and suggestion mark)."""
        return self._rows.get(button)

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
            marked = (
                row is not None and row.suggestion is not None and not row.suggestion.isHidden()
            )
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
            button = OptionRadio(self.box)
            self._option_button(self.box, button, value, words, hint)
            self.group.addButton(button)
            self.buttons[value] = button
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
            if row is not None and row.suggestion is not None:
                row.suggestion.setVisible(key == self._suggested)
        self._refresh_descriptions()

    def suggested(self) -> str | None:
        return self._suggested

    def option_focused(self, button: QRadioButton, reason: Qt.FocusReason) -> None:
        """Tabbing into the options while none is chosen lands on Haven's suggestion, if
        there is one."""
        if (
            reason in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
            and self._suggested is not None
            and button is not self.buttons[self._suggested]
            and self.value() is None
        ):
            target = self.buttons[self._suggested]
            QTimer.singleShot(0, lambda: target.setFocus(Qt.FocusReason.OtherFocusReason))

    def option_key(self, button: QRadioButton, event: QKeyEvent) -> bool:
        """Arrow keys move to the next option AND choose it, as radio buttons do in
        every browser and operating system (Qt's own only move the focus while nothing is
        chosen, so a keyboard user could not answer without Space). A read-only record's
        guard sees the key first and keeps it. True: the key was used."""
        step = self._ARROWS.get(event.key())
        if step is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        buttons = list(self.buttons.values())
        if button not in buttons:
            return False
        target = buttons[(buttons.index(button) + step) % len(buttons)]
        target.setFocus(Qt.FocusReason.TabFocusReason)
        if not self._read_only:
            target.setChecked(True)
        return True

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
        muted(self.option_hint)
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
            button = OptionCheck(self.box)
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
