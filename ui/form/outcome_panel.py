"""What Haven suggests from the answers so far: the form's outcomes, with their reasons.

FORMAT.md "Outcomes": a suggestion, alert, warning or info computed by the engine, whose
reason is words built from the answers ("2 significant indicators in the past 6 months:
..."). Haven suggests, it never decides (SPEC 2.1): the practitioner's decision is an
ordinary item of the form, so this panel only shows.

Kinds look different (a coloured bar, a word before the title) and an alert is shown
prominently and announced to screen readers as an alert the moment it appears. Each card
takes keyboard focus (Tab) so its reason can be reached and read without a mouse.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from app.forms.engine import Outcome
from ui import plain_text
from ui.accessibility import alert, announce, give_alert_role
from ui.form import discard
from ui.form.item_widgets import ERROR_COLOUR, WARNING_COLOUR, unwrapped_size_hint
from ui.form.wrap_label import WrapLabel
from ui.theme import heading, scaled_font

KIND_COLOURS = {
    "suggestion": QColor("#1d70b8"),
    "alert": ERROR_COLOUR,
    "warning": WARNING_COLOUR,
    "info": QColor("#505a5f"),
}
KIND_WORDS = {"suggestion": "Suggestion", "alert": "Alert", "warning": "Warning", "info": ""}


def outcome_title(outcome: Outcome) -> str:
    """ "Suggested category: 3", "Alert: Refer now", "Warning: Child under 13"."""
    label = plain_text(outcome.label, one_line=True)
    if outcome.kind == "suggestion":
        value = "none" if outcome.value is None else plain_text(str(outcome.value), one_line=True)
        return f"{label}: {value}"
    word = KIND_WORDS.get(outcome.kind, "")
    return f"{word}: {label}" if word else label


class OutcomeCard(QFrame):
    """One outcome: a bar in its kind's colour, a title and the reason in words."""

    def __init__(self, outcome: Outcome, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = outcome
        self.setObjectName(f"outcome:{outcome.id}")
        self.setProperty("kind", outcome.kind)
        if outcome.kind == "alert":
            give_alert_role(self)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        colour = KIND_COLOURS.get(outcome.kind, KIND_COLOURS["info"])
        self._colour = colour
        layout = QHBoxLayout(self)
        pad = self.fontMetrics().height() // 3 + 2
        layout.setContentsMargins(pad, pad, pad, pad)
        bar = QFrame(self)
        bar.setFixedWidth(max(4, self.fontMetrics().horizontalAdvance("0") // 2 + 1))
        bar.setAutoFillBackground(True)
        palette = bar.palette()
        palette.setColor(QPalette.ColorRole.Window, colour)
        bar.setPalette(palette)
        layout.addWidget(bar)
        words = QVBoxLayout()
        title = outcome_title(outcome)
        self.title = WrapLabel(title, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        factor = 1.2 if outcome.kind == "alert" else 1.0
        self.title.setFont(scaled_font(self.title, factor, bold=True))
        if outcome.kind in ("alert", "warning"):
            title_palette = self.title.palette()
            title_palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.title.setPalette(title_palette)
        words.addWidget(self.title)
        reason = plain_text(" ".join(outcome.reason.split()))
        self.reason = WrapLabel(reason, self)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setWordWrap(True)
        self.reason.select_on_press()
        words.addWidget(self.reason)
        layout.addLayout(words, 1)
        self.setAccessibleName(title)
        self.setAccessibleDescription(reason)
        self.setFrameShape(
            QFrame.Shape.Box if outcome.kind == "alert" else QFrame.Shape.StyledPanel
        )

    def sizeHint(self) -> QSize:
        return unwrapped_size_hint(self)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.outcome.kind == "alert" or self.hasFocus():
            painter = QPainter(self)
            colour = (
                self.palette().color(QPalette.ColorRole.Highlight)
                if self.hasFocus()
                else self._colour
            )
            pen = QPen(colour)
            pen.setWidth(max(2, self.fontMetrics().height() // 7))
            painter.setPen(pen)
            inset = pen.width() // 2
            painter.drawRect(self.rect().adjusted(inset, inset, -inset - 1, -inset - 1))
            painter.end()


class OutcomePanel(QFrame):
    """The list of outcome cards; `alert_shown(id)` the first time each alert appears."""

    alert_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = heading("What Haven suggests", self, level=2)
        layout.addWidget(self.heading)
        self.note = WrapLabel(
            "Haven works this out from your answers so far. It suggests; it never decides: "
            "your professional judgement and the child's voice come first.",
            self,
        )
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.cards_layout = QVBoxLayout()
        layout.addLayout(self.cards_layout)
        self.nothing = WrapLabel("Nothing is suggested from the answers so far.", self)
        self.nothing.setObjectName("noOutcomes")
        self.nothing.setTextFormat(Qt.TextFormat.PlainText)
        self.nothing.setWordWrap(True)
        layout.addWidget(self.nothing)
        layout.addStretch(1)
        self.cards: list[OutcomeCard] = []
        self._shown: tuple[tuple[str, str, object, str], ...] = ()
        self._alerts_seen: set[tuple[str, object]] = set()

    def sizeHint(self) -> QSize:
        return unwrapped_size_hint(self)

    def show_outcomes(self, outcomes: Sequence[Outcome], *, speak: bool = True) -> None:
        """Show `outcomes`; with `speak`, announce what changed (alerts assertively)."""
        key = tuple((o.id, o.kind, o.value, o.reason) for o in outcomes)
        if key == self._shown:
            return
        before = {entry[0]: entry for entry in self._shown}
        self._shown = key
        for card in self.cards:
            discard(card)
        self.cards = []
        self.nothing.setVisible(not outcomes)
        for outcome in outcomes:
            card = OutcomeCard(outcome, self)
            self.cards_layout.addWidget(card)
            self.cards.append(card)
            previous = before.get(outcome.id)
            changed = previous is None or previous[2] != outcome.value
            if outcome.kind == "alert" and (outcome.id, outcome.value) not in self._alerts_seen:
                self._alerts_seen.add((outcome.id, outcome.value))
                self.alert_shown.emit(outcome.id)
                if speak:
                    alert(card, f"{outcome_title(outcome)}. {card.accessibleDescription()}")
            elif speak and changed and outcome.kind != "info":
                announce(card, outcome_title(outcome))

    def card(self, outcome_id: str) -> OutcomeCard | None:
        for card in self.cards:
            if card.outcome.id == outcome_id:
                return card
        return None

    def clear(self) -> None:
        for card in self.cards:
            discard(card)
        self.cards = []
        self._shown = ()
        self.nothing.setVisible(True)
