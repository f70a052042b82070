"""Small pieces every settings tab uses: accessible names on fields (screen readers meet a
spin box's inner text box too) and status lines that say nothing when empty."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)


def named(widget: QWidget, name: str, description: str = "") -> None:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)


def named_spin(spin: QSpinBox, name: str, description: str) -> None:
    """A spin box and the text box inside it both carry the name: screen readers meet
    the inner box when they follow the text cursor."""
    named(spin, name, description)
    for inner in spin.findChildren(QLineEdit):
        named(inner, name, description)


def status_label(parent: QWidget, object_name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def say(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setAccessibleName(text)
    label.setVisible(bool(text))
