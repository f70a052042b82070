"""What a screen reader and a keyboard user meet, checked the same way in every UI test.

Names come through QAccessible (a label's buddy names its field, so
`widget.accessibleName()` alone would miss them); Tab order is walked with real key
presses.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QAbstractSlider,
    QTextEdit,
    QPlainTextEdit,
    QTabBar,
)


def accessible_name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name) if iface is not None else ""


def interactive(root: QWidget) -> list[QWidget]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or isinstance(widget, QScrollBar):
            continue
        if isinstance(widget, INTERACTIVE) or (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
            and not widget.isWindow()
        ):
            found.append(widget)
    return found


def assert_all_named(root: QWidget) -> None:
    """What a screen reader would say for each control, through QAccessible."""
    unnamed = [
        f"{type(w).__name__}({w.objectName() or '?'})"
        for w in interactive(root)
        if not accessible_name(w).strip()
    ]
    assert unnamed == [], f"interactive widgets without an accessible name: {unnamed}"


def tab_reaches_everything(
    qtbot: Any, root: QWidget, start: QWidget, *, containers: tuple[type, ...] = ()
) -> None:
    """Tab from `start` until focus comes back; every focusable control must be reached
    (an unchecked radio button is reached with the arrow keys, as in every Qt dialog;
    `containers` are composite widgets whose parts take the focus instead)."""
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    visited = [start]
    for _ in range(200):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        current = QApplication.focusWidget()
        if current is start:
            break
        visited.append(current)
    expected = [
        w
        for w in interactive(root)
        if w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isVisibleTo(root)
        and not isinstance(w, QHeaderView)
        and not isinstance(w, containers)
        # a spin box takes focus itself; the text box inside it follows
        and not isinstance(w.parentWidget(), QAbstractSpinBox)
        and not (isinstance(w, QRadioButton) and not w.isChecked())
    ]
    missing = [f"{type(w).__name__}({w.objectName()})" for w in expected if w not in visited]
    assert missing == [], f"not reachable by Tab: {missing}"
