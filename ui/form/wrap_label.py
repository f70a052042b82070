"""`WrapLabel`: a word-wrapping label that remembers its height for a width.

Qt asks a word-wrapping QLabel for its height at a width about ten times each time a
page is laid out (every enclosing layout asks, at two or three widths), and QLabel lays
its text out again for every question. A 150-question risk assessment has hundreds of
such labels (questions, hints, option words, guidance), so a section switch spent about
half its layout time wrapping the same text at the same widths (issue 11). The height
depends on the text, the font and the style; the remembered heights are dropped when
any of them changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

_RELAYOUT = frozenset(
    {
        QEvent.Type.FontChange,
        QEvent.Type.StyleChange,
        QEvent.Type.ContentsRectChange,
        QEvent.Type.LayoutDirectionChange,
    }
)
_KEEP_AT_MOST = 16


class WrapLabel(QLabel):
    """A QLabel (word wrap on) whose heightForWidth is computed once per width and text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._heights: dict[tuple[int, str], int] = {}
        self._select_on_press = False
        self.setWordWrap(True)

    def select_on_press(self) -> None:
        """Let the user select the text with the mouse, from their first press on.

        The same as setTextInteractionFlags(TextSelectableByMouse), made when first
        needed: Qt lays a selectable label out and paints it through a text document,
        several times the cost of plain text (the long reasons beside every record's
        first page took about a third of its first layout, issue 11). Heights and
        pixels are the same either way; the I-beam cursor shows from the start."""
        self._select_on_press = True
        self.setCursor(Qt.CursorShape.IBeamCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._select_on_press:
            self._select_on_press = False
            self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        super().mousePressEvent(event)

    def heightForWidth(self, width: int) -> int:
        key = (width, self.text())
        height = self._heights.get(key)
        if height is None:
            if len(self._heights) >= _KEEP_AT_MOST:
                self._heights.clear()
            height = super().heightForWidth(width)
            self._heights[key] = height
        return height

    def setWordWrap(self, on: bool) -> None:
        self._heights.clear()
        super().setWordWrap(on)

    def setIndent(self, indent: int) -> None:
        self._heights.clear()
        super().setIndent(indent)

    def setMargin(self, margin: int) -> None:
        self._heights.clear()
        super().setMargin(margin)

    def setTextFormat(self, text_format: Qt.TextFormat) -> None:
        self._heights.clear()
        super().setTextFormat(text_format)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in _RELAYOUT:
            self._heights.clear()
        super().changeEvent(event)
