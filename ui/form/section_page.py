"""One section of the guided form as a page, and the progress list's rows.

Split from the form view so the view holds behaviour only: a page is built once per
section the user reaches (lazily: a 150-question risk assessment should not build every
page to show the first) and keeps its item widgets by id for the view to fill and read.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.forms.definitions import FormDefinition, Section
from app.forms.session import top_id
from ui import plain_text
from ui.form.error_summary import ErrorSummary
from ui.form.guidance_panel import GuidancePanel
from ui.form.item_widgets import ERROR_COLOUR, ItemContext, ItemWidget, unwrapped_size_hint
from ui.form.widget_factory import create_item_widget
from ui.form.wrap_label import WrapLabel
from ui.theme import heading

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_SPOKEN = int(Qt.ItemDataRole.AccessibleTextRole)
_ROLES = frozenset({_DISPLAY, _SPOKEN, int(Qt.ItemDataRole.ForegroundRole)})


class SectionListModel(QAbstractListModel):
    """The progress list's rows: (text, words for screen readers, has a problem).

    A model rather than QListWidget items: the list is rebuilt as sections appear and
    disappear, and plain Python rows avoid item objects whose ownership moves between
    Python and Qt on every rebuild.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, bool]] = []

    def set_rows(self, rows: list[tuple[str, str, bool]]) -> None:
        if rows == self._rows:
            return
        if len(rows) == len(self._rows):
            self._rows = list(rows)
            self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        # The view asks for every role of every row on each paint and layout (~800 calls
        # to open a form): plain int roles, looked up once (issue 11).
        if role not in _ROLES or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        text, spoken, problem = self._rows[row]
        if role == _DISPLAY:
            return text
        if role == _SPOKEN:
            return spoken
        if problem:  # the foreground
            return QBrush(ERROR_COLOUR)
        return None


class SectionPage(QWidget):
    """One section: its heading, help, guidance, error summary and item widgets."""

    def __init__(
        self,
        form: FormDefinition,
        section: Section,
        index: int,
        parent: QWidget | None = None,
        hidden: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.section = section
        self.index = index
        self.setObjectName(f"section:{section.id}")
        layout = QVBoxLayout(self)
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.caption)
        self.title = heading(plain_text(section.title, one_line=True), self, level=1)
        self.title.setObjectName("sectionHeading")
        layout.addWidget(self.title)
        self.summary = ErrorSummary(self)
        layout.addWidget(self.summary)
        if index == 0 and form.description:
            # FORMAT.md: the form's description is "shown on the form's first page".
            intro = WrapLabel(plain_text(" ".join(form.description.split())), self)
            intro.setObjectName("formDescription")
            intro.setTextFormat(Qt.TextFormat.PlainText)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        if section.help:
            help_label = WrapLabel(plain_text(" ".join(section.help.split())), self)
            help_label.setTextFormat(Qt.TextFormat.PlainText)
            help_label.setWordWrap(True)
            layout.addWidget(help_label)
        self.guidance: list[GuidancePanel] = []
        for block_id in section.guidance:
            block = form.guidance.get(block_id)
            if block is not None:
                panel = GuidancePanel(block, self)
                self.guidance.append(panel)
                layout.addWidget(panel)
        context = ItemContext(guidance=form.guidance)
        self.widgets: dict[str, ItemWidget] = {}
        spacing = self.fontMetrics().height()
        for item in section.items:
            widget = create_item_widget(item, item.id, context, self, hidden=item.id in hidden)
            self.widgets[item.id] = widget
            layout.addSpacing(spacing // 2)
            layout.addWidget(widget)
        layout.addStretch(1)

    def sizeHint(self) -> QSize:
        # Asked by the scroll area's own hint only; the page's height comes from
        # heightForWidth at the viewport's width (ui/form/item_widgets.py).
        return unwrapped_size_hint(self)

    def set_position_text(self, number: int, total: int) -> None:
        self.caption.setText(f"Section {number} of {total}")

    def widget_for_path(self, path: str) -> ItemWidget | None:
        top = self.widgets.get(top_id(path))
        return top.widget_for_path(path) if top is not None else None

    def focus_widget_for(self, path: str) -> QWidget | None:
        top = self.widgets.get(top_id(path))
        return top.focus_widget_for(path) if top is not None else None

    def first_input(self) -> QWidget | None:
        for widget in self.widgets.values():
            if not widget.isHidden() and widget.inputs():
                return widget.focus_target()
        return None
