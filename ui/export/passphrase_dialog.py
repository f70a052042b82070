"""The archive passphrase of a package for a recipient without a certificate, shown ONCE.

Haven never stores it: the user gives it to the recipient by another channel, never in
the same email. Copying goes through the clipboard guard, which clears it after 30
seconds, on lock and on quit (KeePassXC's habit).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import plain_text
from ui.clipboard import ClipboardGuard
from ui.theme import heading, training_banner

_fallback_guard: ClipboardGuard | None = None


def clipboard_guard(given: ClipboardGuard | None) -> ClipboardGuard:
    """The application's guard; one of our own (living as long as the application) when
    the window was made without one, so copied passphrases are still cleared."""
    global _fallback_guard
    if given is not None:
        return given
    if _fallback_guard is None:
        _fallback_guard = ClipboardGuard(QApplication.instance())
    return _fallback_guard


def spelled(text: str) -> str:
    """Characters separated so a screen reader reads them one by one."""
    return ", ".join(" ".join(group) for group in text.split("-"))


class PassphraseDialog(QDialog):
    """The archive passphrase, shown once: selectable, focused, and copyable through the
    clipboard guard (cleared after 30 seconds, on lock and on quit)."""

    def __init__(
        self,
        passphrase: str,
        recipient_label: str,
        clipboard: ClipboardGuard,
        parent: QWidget | None = None,
        *,
        training: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.setWindowTitle("Archive passphrase — shown once")
        self.setAccessibleName("Archive passphrase, shown once")
        self.setModal(True)
        self._clipboard = clipboard
        layout = QVBoxLayout(self)
        if training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("Note this passphrase now", self))
        who = plain_text(recipient_label, one_line=True, limit=120) or "the recipient"
        advice_text = (
            f"{who} has no certificate in Haven, so the package is an encrypted archive "
            "(AES-256). They need this passphrase to open it. Give it to them by another "
            "channel - by phone, or in a separate message - never in the same email. "
            "Haven shows it only this once and does not keep it."
        )
        self.advice = QLabel(advice_text, self)
        self.advice.setObjectName("passphraseAdvice")
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setWordWrap(True)
        layout.addWidget(self.advice)

        self.passphrase = QLineEdit(passphrase, self)
        self.passphrase.setObjectName("archivePassphrase")
        self.passphrase.setReadOnly(True)
        self.passphrase.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.passphrase.setAccessibleName("Archive passphrase")
        self.passphrase.setAccessibleDescription(f"{spelled(passphrase)}. {advice_text}")
        label = QLabel("&Passphrase", self)
        label.setBuddy(self.passphrase)
        layout.addWidget(label)
        layout.addWidget(self.passphrase)

        self.copied = QLabel("", self)
        self.copied.setObjectName("passphraseCopied")
        self.copied.setTextFormat(Qt.TextFormat.PlainText)
        self.copied.setWordWrap(True)
        self.copied.setVisible(False)
        layout.addWidget(self.copied)

        row = QHBoxLayout()
        self.copy_button = QPushButton("&Copy passphrase", self)
        self.copy_button.setObjectName("copyPassphraseButton")
        self.copy_button.setAccessibleName("Copy passphrase")
        self.copy_button.setAccessibleDescription(
            "Put the passphrase on the clipboard; Haven clears it after 30 seconds."
        )
        self.done_button = QPushButton("I have &noted it", self)
        self.done_button.setObjectName("passphraseDoneButton")
        self.done_button.setAccessibleName("I have noted it")
        self.done_button.setAccessibleDescription("Close. The passphrase cannot be shown again.")
        row.addStretch(1)
        row.addWidget(self.copy_button)
        row.addWidget(self.done_button)
        layout.addLayout(row)

        self.copy_button.clicked.connect(self.copy)
        self.done_button.clicked.connect(self.accept)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        self.passphrase.selectAll()

    def copy(self) -> None:
        self._clipboard.copy(self.passphrase.text())
        seconds = max(1, self._clipboard.timeout_ms // 1000)
        unit = "second" if seconds == 1 else "seconds"
        self.copied.setText(f"Copied. Haven clears the clipboard in {seconds} {unit}.")
        self.copied.setAccessibleName(self.copied.text())
        self.copied.setVisible(True)

    def done(self, result: int) -> None:
        # Forget the passphrase as soon as the dialog closes (it is shown once only).
        self.passphrase.clear()
        self.passphrase.setAccessibleDescription("")
        super().done(result)
