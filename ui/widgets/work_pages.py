"""The two pages every long piece of work ends with in a dialog: "working" (what is being
done and how far, with the dialog's Cancel beside it) and "finished" (what really
happened, selectable so it can be copied and read by a screen reader).

Shared by Export and Back up so both say progress and results the same way; the work
itself runs through ui.workers (house habit 3).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from ui import plain_text
from ui.theme import heading


class ProgressPage(QWidget):
    """A heading, the current step's words and a 0-100 progress bar.

    Object names are `<prefix>ProgressPage`, `<prefix>ProgressText` and `<prefix>Progress`.
    """

    def __init__(self, parent: QWidget, *, title: str, prefix: str, bar_name: str) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}ProgressPage")
        box = QVBoxLayout(self)
        box.addWidget(heading(title, self, level=2))
        self.text = QLabel("Starting…", self)
        self.text.setObjectName(f"{prefix}ProgressText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.text)
        self.bar = QProgressBar(self)
        self.bar.setObjectName(f"{prefix}Progress")
        self.bar.setRange(0, 100)
        self.bar.setAccessibleName(bar_name)
        box.addWidget(self.bar)
        box.addStretch(1)

    def restart(self) -> None:
        self.bar.setValue(0)
        self.text.setText("Starting…")

    def show_progress(self, percent: int, text: str) -> None:
        """Show a progress report; the step's words are untrusted-safe (habit 7)."""
        self.bar.setValue(percent)
        self.text.setText(plain_text(text, one_line=True))
        self.bar.setAccessibleDescription(f"{percent}% - {self.text.text()}")


class ResultPage(QWidget):
    """A heading and the result in words, focusable and selectable.

    Object names are `<prefix>ResultPage` and `<prefix>Result`.
    """

    def __init__(self, parent: QWidget, *, title: str, prefix: str) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}ResultPage")
        box = QVBoxLayout(self)
        box.addWidget(heading(title, self, level=2))
        self.text = QLabel(self)
        self.text.setObjectName(f"{prefix}Result")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box.addWidget(self.text)
        box.addStretch(1)
