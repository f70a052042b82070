"""Live feedback on a passphrase's strength while it is typed (first run, backups).

One place for the bar, its words and how they are spoken, so every passphrase Haven asks
for is judged and announced the same way; app.keys decides the score and the word.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from app import keys


class StrengthMeter:
    """A strength bar with its word beside it; `row` goes into the form."""

    def __init__(self, parent: QWidget, name: str, spoken: str) -> None:
        self.bar = QProgressBar(parent)
        self.bar.setObjectName(name)
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(spoken)
        self.label = QLabel("Enter a passphrase", parent)
        self.label.setObjectName(f"{name}Text")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.row = QHBoxLayout()
        self.row.addWidget(self.bar, 1)
        self.row.addWidget(self.label)

    def show_for(self, text: str) -> None:
        """Judge `text` and show (and tell screen readers) how strong it is."""
        score, word = keys.passphrase_strength(text)
        self.bar.setValue(score)
        self.label.setText(word)
        self.bar.setAccessibleDescription(word)
