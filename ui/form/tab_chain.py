"""The widgets that take Tab focus under a widget, in reading (layout) order.

Qt's default Tab order is creation order, which goes wrong as soon as entries are added,
messages appear or questions are shown later; the form view walks its layouts instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLayout, QScrollArea, QStackedWidget, QWidget

from ui.form.page_area import PageArea

_TAB_POLICIES = frozenset(
    policy
    for policy in (
        Qt.FocusPolicy.TabFocus,
        Qt.FocusPolicy.ClickFocus,
        Qt.FocusPolicy.StrongFocus,
        Qt.FocusPolicy.WheelFocus,
        Qt.FocusPolicy.NoFocus,
    )
    if policy & Qt.FocusPolicy.TabFocus
)
"""The focus policies that take Tab (a set look-up: flag arithmetic on Qt's enums costs
more than the rest of the walk, once per widget of a page on every section switch)."""


def focus_chain(root: QWidget) -> list[QWidget]:
    """Widgets that take Tab focus under `root`, in layout (reading) order."""
    out: list[QWidget] = []

    def visit(widget: QWidget) -> None:
        if isinstance(widget, QScrollArea):
            inner = widget.content() if isinstance(widget, PageArea) else widget.widget()
            if inner is not None:
                visit(inner)
            return
        if isinstance(widget, QStackedWidget):
            page = widget.currentWidget()
            if page is not None:
                visit(page)
            return
        takes_tab = widget.focusPolicy() in _TAB_POLICIES
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
