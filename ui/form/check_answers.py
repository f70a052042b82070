"""The GOV.UK "Check your answers" page: every shown answer, by section, with "Change".

GOV.UK check-answers pattern (mission-anchors 4): a summary list per section, a "Change"
button on every row (its accessible name says what it changes), unanswered questions
shown as such, and a button that names the action ("Complete this record"). The rows come
from the engine's `answered_sections` (items hidden by earlier answers are left out, as
in the PDF), so the page never decides what is relevant itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.forms.engine import AnsweredItem, AnsweredSection
from ui import plain_text
from ui.form import discard
from ui.form.error_summary import ErrorSummary
from ui.form.item_widgets import ERROR_COLOUR, WARNING_COLOUR
from ui.theme import heading, scaled_font


def _label(text: str, parent: QWidget, *, bold: bool = False, selectable: bool = False) -> QLabel:
    label = QLabel(plain_text(text), parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if bold:
        label.setFont(scaled_font(label, 1.0, bold=True))
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CheckAnswersPage(QWidget):
    """`change_requested(path)` for a Change button; `complete_requested()` for Complete."""

    change_requested = Signal(str)
    complete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkAnswersPage")
        layout = QVBoxLayout(self)
        self.title = heading("Check your answers", self, level=1)
        layout.addWidget(self.title)
        self.summary = ErrorSummary(self)
        self.summary.problem_activated.connect(self.change_requested)
        layout.addWidget(self.summary)
        self.notice = QLabel(self)
        self.notice.setObjectName("checkNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.sections_layout = QVBoxLayout()
        layout.addLayout(self.sections_layout)
        self.complete_area = QFrame(self)
        complete_layout = QVBoxLayout(self.complete_area)
        complete_layout.setContentsMargins(0, 0, 0, 0)
        complete_layout.addWidget(heading("Now complete this record", self.complete_area, level=2))
        explain = _label(
            "When you complete this record it is checked and locked. After that it can only "
            "be changed by amending it, which makes a new version and records why.",
            self.complete_area,
        )
        complete_layout.addWidget(explain)
        row = QHBoxLayout()
        self.complete_button = QPushButton("Complete this record", self.complete_area)
        self.complete_button.setObjectName("completeButton")
        self.complete_button.setAccessibleName("Complete this record")
        self.complete_button.setAccessibleDescription(
            "Checks every answer and locks the record. Shortcut: Control+Enter."
        )
        self.complete_button.setDefault(True)
        self.complete_button.clicked.connect(self.complete_requested)
        row.addWidget(self.complete_button)
        row.addStretch(1)
        complete_layout.addLayout(row)
        layout.addWidget(self.complete_area)
        layout.addStretch(1)
        self.change_buttons: list[QPushButton] = []
        self.answer_labels: dict[str, QLabel] = {}
        self._section_boxes: list[QWidget] = []

    def show_answers(
        self,
        sections: Sequence[AnsweredSection],
        problems: Mapping[str, tuple[str, str]],
        *,
        read_only: bool,
    ) -> None:
        """Rebuild the lists; `problems` maps paths to (message, severity) shown inline."""
        for box in self._section_boxes:
            discard(box)
        self._section_boxes = []
        self.change_buttons = []
        self.answer_labels = {}
        self.title.setText("Your answers" if read_only else "Check your answers")
        self.title.setAccessibleName(self.title.text())
        for section in sections:
            box = QWidget(self)
            box.setObjectName(f"checkSection:{section.section_id}")
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(heading(section.title, box, level=2))
            grid = QGridLayout()
            grid.setColumnStretch(0, 2)
            grid.setColumnStretch(1, 3)
            grid.setVerticalSpacing(box.fontMetrics().height() // 2)
            row = 0
            for item in section.items:
                row = self._add_row(box, grid, row, item, item.item_id, problems, read_only)
            box_layout.addLayout(grid)
            line = QFrame(box)
            line.setFrameShape(QFrame.Shape.HLine)
            box_layout.addWidget(line)
            self.sections_layout.addWidget(box)
            self._section_boxes.append(box)
        self.complete_area.setVisible(not read_only)

    def _add_row(
        self,
        box: QWidget,
        grid: QGridLayout,
        row: int,
        item: AnsweredItem,
        path: str,
        problems: Mapping[str, tuple[str, str]],
        read_only: bool,
        indent: str = "",
    ) -> int:
        label = _label(indent + item.label, box, bold=True)
        grid.addWidget(label, row, 0)
        answer_box = QVBoxLayout()
        answer = _label(item.answer, box, selectable=True)
        answer.setObjectName(f"answer:{path}")
        self.answer_labels[path] = answer
        answer.setAccessibleName(f"{plain_text(item.label, one_line=True)}: {item.answer}")
        answer_box.addWidget(answer)
        shown = problems.get(path)
        if shown is not None:
            message = _label(shown[0], box, bold=True)
            message.setObjectName(f"checkProblem:{path}")
            palette = message.palette()
            palette.setColor(
                message.foregroundRole(), ERROR_COLOUR if shown[1] == "error" else WARNING_COLOUR
            )
            message.setPalette(palette)
            answer_box.addWidget(message)
        grid.addLayout(answer_box, row, 1)
        if not read_only:
            change = QPushButton("Change", box)
            change.setObjectName(f"change:{path}")
            words = plain_text(" ".join(item.label.split()), one_line=True)
            change.setAccessibleName(f"Change {words}")
            change.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            change.clicked.connect(lambda _=False, p=path: self.change_requested.emit(p))
            grid.addWidget(change, row, 2, Qt.AlignmentFlag.AlignTop)
            self.change_buttons.append(change)
        row += 1
        for entry in item.entries:
            entry_path = f"{path}[{entry.number - 1}]"
            title = _label(f"{indent}    {entry.title}", box, bold=True)
            grid.addWidget(title, row, 0, 1, 2)
            shown = problems.get(entry_path)
            if shown is not None:
                message = _label(shown[0], box, bold=True)
                message.setObjectName(f"checkProblem:{entry_path}")
                grid.addWidget(message, row + 1, 1)
                row += 1
            row += 1
            for sub in entry.items:
                row = self._add_row(
                    box,
                    grid,
                    row,
                    sub,
                    f"{entry_path}.{sub.item_id}",
                    problems,
                    read_only,
                    indent + "    ",
                )
        return row

    def set_notice(self, text: str | None) -> None:
        self.notice.setText(plain_text(text or ""))
        self.notice.setAccessibleName(plain_text(text or "", one_line=True))
        self.notice.setVisible(bool(text))
