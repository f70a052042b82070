"""Amending a completed record asks why first (SPEC 3: a completed record is never edited;
a new version is made and the reason is kept with it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.accessibility import alert
from ui.theme import error_palette


class AmendDialog(QDialog):
    """Asks why a completed record is being amended (SPEC 3: the reason is recorded)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amendDialog")
        self.setWindowTitle("Amend this record")
        self.setModal(True)
        layout = QVBoxLayout(self)
        explain = QLabel(
            "Amending makes a new version of this record for you to change. The completed "
            "version is kept unchanged, and your reason is recorded with the new version.",
            self,
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        label = QLabel("Why does this record need to change?", self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("amendReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName("Why does this record need to change?")
        label.setBuddy(self.reason)
        layout.addWidget(self.reason)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        error_palette(self.error)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton("Amend record", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("amendConfirm")
        cancel = buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("amendCancel")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _accept(self) -> None:
        if not self.reason_text():
            self.error.setText("Enter why this record needs to change")
            self.error.setVisible(True)
            self.reason.setAccessibleDescription("Error: Enter why this record needs to change")
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            alert(self.error, "Error: Enter why this record needs to change")
            return
        self.accept()
