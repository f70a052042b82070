"""The widgets that take Tab focus under a widget, in reading (layout) order.

Qt's default Tab order is creation order, which goes wrong as soon as entries are added,
messages appear or questions are shown later; the form view walks its layouts instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLayout, QScrollArea, QStackedWidget, QWidget


def focus_chain(root: QWidget) -> list[QWidget]:
    """Widgets that take Tab focus under `root`, in layout (reading) order."""
    out: list[QWidget] = []

    def visit(widget: QWidget) -> None:
        if isinstance(widget, QScrollArea):
            inner = widget.widget()
            if inner is not None:
                visit(inner)
            return
        if isinstance(widget, QStackedWidget):
            page = widget.currentWidget()
            if page is not None:
                visit(page)
            return
        takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        if takes_tab and widget.focusProxy() is None:
            out.append(widget)
            if isinstance(widget, QAbstractScrollArea):
                return
        layout = widget.layout()
        if layout is not None:
            visit_layout(layout)

    def visit_layout(layout: QLayout) -> None:
        for index in range(layout.count()):
            entry = layout.itemAt(index)
            if entry is None:
                continue
            child = entry.widget()
            if child is not None:
                visit(child)
                continue
            inner = entry.layout()
            if inner is not None:
                visit_layout(inner)

    visit(root)
    return out
