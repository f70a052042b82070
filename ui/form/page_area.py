"""`PageArea`: the scroll area of one page of the form view, laid out once.

Its own module because both the chrome that makes the areas (ui/form/form_chrome.py) and
the tab chain that walks them (ui/form/tab_chain.py) need it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QStyle, QWidget


class PageArea(QScrollArea):
    """A page's scroll area that takes its page when it first has its real size.

    QScrollArea.setWidget lays the page out at once for the viewport's width. A page
    built before its view is shown (the first page of every record opened) would be laid
    out for a default-sized viewport, then again at the width the window gives it, and
    again when the vertical scroll bar appears: three passes over every wrapping label of
    the page (issue 11). Here the page waits inside the viewport until the area's first
    resize, which Qt delivers as the area is shown at its size in the stack, and is laid
    out once, for the width left beside the scroll bar a long page needs.
    """

    def __init__(self, page: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._pending: QWidget | None = page
        page.setParent(self.viewport())

    def place(self) -> None:
        """Put the page in the area now, laid out for the viewport's current width."""
        page, self._pending = self._pending, None
        if page is None:
            return
        viewport = self.viewport()
        bar = self.verticalScrollBar()
        transient = self.style().styleHint(QStyle.StyleHint.SH_ScrollBar_Transient, None, bar)
        if (
            self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded
            and not transient
            and not bar.isVisibleTo(self)
        ):
            # A page taller than the viewport gets a scroll bar beside it: lay it out
            # for the width left by the bar now, not for the whole width first.
            narrow = viewport.width() - bar.sizeHint().width()
            if narrow > 0 and page.heightForWidth(narrow) > viewport.height():
                viewport.resize(narrow, viewport.height())
        page.resize(viewport.size())
        self.setWidget(page)

    def content(self) -> QWidget | None:
        """The page, placed or not (`widget()` stays None until it is placed)."""
        return self._pending if self._pending is not None else self.widget()

    def ensureWidgetVisible(self, child: QWidget, xmargin: int = 50, ymargin: int = 50) -> None:
        if self._pending is None:  # nothing to scroll before the page is placed
            super().ensureWidgetVisible(child, xmargin, ymargin)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._pending is not None:
            self.place()
