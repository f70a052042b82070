"""Collapsible guidance beside the questions it concerns (SPEC 2.6, forms/guidance.yaml).

Modelled on the GOV.UK "details" component: a button with the block's title that shows or
hides the text, closed by default so the question stays the first thing read. The text
comes from the form files (no personal data) and is still shown as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.forms.definitions import GuidanceBlock
from ui import plain_text
from ui.form.wrap_label import WrapLabel


class GuidancePanel(QWidget):
    """One guidance block: a toggle button and the block's text (hidden until opened)."""

    def __init__(self, block: GuidanceBlock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block = block
        self.setObjectName(f"guidance:{block.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)

        title = plain_text(block.title, one_line=True)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName(f"guidanceToggle:{block.id}")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setText(f"Guidance: {title}")
        self.toggle.setAccessibleName(f"Guidance: {title}")
        self.toggle.setAccessibleDescription("Press to show or hide this guidance.")
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.toggle.toggled.connect(self._set_open)
        layout.addWidget(self.toggle)

        self.body = QFrame(self)
        self.body.setFrameShape(QFrame.Shape.StyledPanel)
        body_layout = QVBoxLayout(self.body)
        text = plain_text(block.text).strip()
        if block.source:
            text += f"\n\nSource: {plain_text(block.source, one_line=True)}"
        self.text = WrapLabel(text, self.body)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.select_on_press()
        self.text.setAccessibleName(title)
        body_layout.addWidget(self.text)
        self.body.setVisible(False)
        layout.addWidget(self.body)

    def is_open(self) -> bool:
        return self.toggle.isChecked()

    def set_open(self, on: bool) -> None:
        self.toggle.setChecked(on)

    def _set_open(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)
