"""The GOV.UK error summary: "There is a problem" and a link to every problem.

GOV.UK validation pattern (mission-anchors 4): the summary sits at the top of the page,
takes focus when it appears so screen readers read it at once, and each entry links to
the field it is about, with the same words as the message beside the field. The words
are the engine's (app.forms.validation): this widget holds no rules.

The summary is a focusable frame whose accessible name is its title and whose
description lists the problems; when shown it posts an Alert event and an assertive
announcement (Qt 6.8+) so the problems are read even if focus is elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.forms.session import ShownProblem
from ui import plain_text
from ui.accessibility import alert, give_alert_role
from ui.form import discard
from ui.form.item_widgets import ERROR_COLOUR, WARNING_COLOUR
from ui.theme import scaled_font

FOCUS_YELLOW = QColor("#ffdd00")
"""The GOV.UK focus colour: yellow behind black text, visible in every palette."""


class LinkButton(QPushButton):
    """A flat, word-wrapping button that looks like a link and takes GOV.UK yellow focus.

    A QPushButton cannot wrap its text, and the messages are long, so the words are a
    wrapping label inside it; the button's accessible name carries the same words.
    """

    def __init__(self, text: str, parent: QWidget | None = None, colour: QColor | None = None):
        super().__init__(parent)
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._colour = colour
        layout = QHBoxLayout(self)
        margin = max(2, self.fontMetrics().height() // 6)
        layout.setContentsMargins(margin, margin, margin, margin)
        self.words = QLabel(plain_text(text), self)
        self.words.setTextFormat(Qt.TextFormat.PlainText)
        self.words.setWordWrap(True)
        self.words.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        font = self.words.font()
        font.setUnderline(True)
        self.words.setFont(font)
        layout.addWidget(self.words)
        self.setAccessibleName(plain_text(text, one_line=True))
        self._paint_words(False)

    def _paint_words(self, focused: bool) -> None:
        palette = self.words.palette()
        colour = (
            QColor("#0b0c0c")
            if focused
            else self._colour or self.palette().color(QPalette.ColorRole.Link)
        )
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.words.setPalette(palette)

    def setText(self, text: str) -> None:
        self.words.setText(plain_text(text))
        self.setAccessibleName(plain_text(text, one_line=True))

    def text(self) -> str:
        return self.words.text()

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        return layout.totalHeightForWidth(width) if layout is not None else -1

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._paint_words(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._paint_words(False)
        super().focusOutEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.hasFocus():
            painter = QPainter(self)
            painter.fillRect(self.rect(), FOCUS_YELLOW)
            painter.end()
            return
        super().paintEvent(event)


class ErrorSummary(QFrame):
    """The summary box; `problem_activated(path)` when one of its links is used."""

    problem_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorSummary")
        give_alert_role(self)
        # Focusable by the program (it takes focus when it appears) but not a Tab stop:
        # its links are (GOV.UK: tabindex="-1" on the summary).
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._layout = QVBoxLayout(self)
        pad = self.fontMetrics().height() // 2 + 2
        self._layout.setContentsMargins(pad, pad, pad, pad)
        # The title, intro and list are made the first time there is a problem to show:
        # every section page has a summary, and most are never shown (issue 11).
        self._title: QLabel | None = None
        self._intro: QLabel | None = None
        self._list_layout: QVBoxLayout | None = None
        self.links: list[LinkButton] = []
        self.problems: list[ShownProblem] = []
        self._has_errors = True
        self.setVisible(False)

    def _make_parts(self) -> tuple[QLabel, QLabel, QVBoxLayout]:
        if self._title is None or self._intro is None or self._list_layout is None:
            title = QLabel("There is a problem", self)
            title.setTextFormat(Qt.TextFormat.PlainText)
            title.setFont(scaled_font(title, 1.25, bold=True))
            self._layout.addWidget(title)
            intro = QLabel(self)
            intro.setTextFormat(Qt.TextFormat.PlainText)
            intro.setWordWrap(True)
            intro.setVisible(False)
            self._layout.addWidget(intro)
            list_layout = QVBoxLayout()
            list_layout.setSpacing(0)
            self._layout.addLayout(list_layout)
            self._title, self._intro, self._list_layout = title, intro, list_layout
        return self._title, self._intro, self._list_layout

    @property
    def title(self) -> QLabel:
        """ "There is a problem" (or "Check these answers" for warnings only)."""
        return self._make_parts()[0]

    @property
    def intro(self) -> QLabel:
        """What to do about the problems, when the page says (hidden otherwise)."""
        return self._make_parts()[1]

    def show_problems(
        self,
        problems: Sequence[ShownProblem],
        *,
        intro: str | None = None,
        take_focus: bool = False,
    ) -> None:
        """List `problems` (hide when empty); with take_focus, focus and announce them."""
        self.problems = list(problems)
        for link in self.links:
            discard(link)
        self.links = []
        if not problems:
            self.setVisible(False)
            return
        title_label, intro_label, list_layout = self._make_parts()
        self._has_errors = any(p.severity == "error" for p in problems)
        title = "There is a problem" if self._has_errors else "Check these answers"
        title_label.setText(title)
        intro_label.setText(plain_text(intro or ""))
        intro_label.setVisible(bool(intro))
        for problem in problems:
            colour = ERROR_COLOUR if problem.severity == "error" else WARNING_COLOUR
            link = LinkButton(problem.text, self, colour)
            link.setObjectName(f"problemLink:{problem.path}")
            link.setAccessibleDescription("Go to the question this is about.")
            link.clicked.connect(
                lambda _=False, path=problem.path: self.problem_activated.emit(path)
            )
            list_layout.addWidget(link)
            self.links.append(link)
        count = len(problems)
        noun = "problem" if self._has_errors else "answer to check"
        plural = "s" if count != 1 and self._has_errors else ""
        if not self._has_errors and count != 1:
            noun = "answers to check"
        self.setAccessibleName(title)
        self.setAccessibleDescription(
            f"{count} {noun}{plural}: " + "; ".join(p.text for p in problems)
        )
        self.setVisible(True)
        self.update()
        if take_focus:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
            alert(self, f"{title}. {self.accessibleDescription()}")

    def clear(self) -> None:
        self.show_problems([])

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        colour = ERROR_COLOUR if self._has_errors else WARNING_COLOUR
        width = max(3, self.fontMetrics().height() // 5)
        pen = QPen(colour)
        pen.setWidth(width)
        painter.setPen(pen)
        inset = width // 2
        painter.drawRect(self.rect().adjusted(inset, inset, -inset - 1, -inset - 1))
        if self.hasFocus():
            focus = QPen(self.palette().color(QPalette.ColorRole.Highlight))
            focus.setWidth(width)
            painter.setPen(focus)
            outer = width + inset + 1
            painter.drawRect(self.rect().adjusted(outer, outer, -outer - 1, -outer - 1))
        painter.end()
