"""Help > Keyboard shortcuts: one table of the window's shortcuts and the form view's
(the lists themselves are in ui/shortcuts.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.shortcuts import FORM_KEYS, FORM_SHORTCUTS, native, window_shortcuts
from ui.theme import heading


class ShortcutsDialog(QDialog):
    """One table of keys and what they do: the window's, then the form's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Keyboard shortcuts", self))
        intro = QLabel(
            "Everything in Haven works with the keyboard. Underlined letters in buttons and "
            "labels work with Alt (for example Alt+S for Search).",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        rows: list[tuple[str, str]] = []
        window = parent.window() if parent is not None else None
        if isinstance(window, QMainWindow):
            rows.extend(window_shortcuts(window))
        rows.extend(
            (" or ".join(native(k) for k in s.keys), f"In a record: {s.what}")
            for s in FORM_SHORTCUTS
        )
        rows.extend((keys, f"In a record: {what}") for keys, what in FORM_KEYS)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "What they do"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (keys, what) in enumerate(rows):
            for column, text in enumerate((keys, what)):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.AccessibleTextRole, text)
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("0") * 80, self.sizeHint().height())
        self.table.setFocus()

    def rows(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for row in range(self.table.rowCount()):
            keys, what = self.table.item(row, 0), self.table.item(row, 1)
            out.append((keys.text() if keys else "", what.text() if what else ""))
        return out
