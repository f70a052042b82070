"""Settings: the signing certificate, recipients, the mail server and security.

Every change goes through a use case in `app` (Exports.import_certificate,
create_self_signed, set_recipient, configure_smtp; Haven.set_setting; Session's keychain
methods): this dialog only collects the values.

- Passwords typed here (the PKCS#12 password, the mail server's) are cleared from their
  fields as soon as they have been used; Haven keeps them in the keychain, or in the
  encrypted store where there is none (app.export.secrets).
- Recipients an organisation set machine-wide are read-only here ("set by your
  organisation"): users cannot override machine-wide policy (HOUSE_STYLE).
- Creating a key pair (RSA 3072) and reading a PKCS#12 file run off the UI thread through
  ui.workers.
- A training profile never sends, so its mail-server settings are disabled (Standard 10).

Each tab is its own module in ui/settings/ (signing_tab, recipients_tab, mail_tab,
security_tab) over `SettingsBase`; this dialog joins them in one window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.directory import Recipient
from app.export.exports import Exports
from app.service import Haven
from ui.settings.mail_tab import MailTab
from ui.settings.recipients_tab import RecipientsTab
from ui.settings.security_tab import SecurityTab
from ui.settings.signing_tab import SigningTab
from ui.theme import training_banner
from ui.workers import Task

TABS = ("signing", "recipients", "mail", "security")


class SettingsDialog(SigningTab, RecipientsTab, MailTab, SecurityTab):
    """Settings in four tabs; every change goes through a use case in `app`."""

    def __init__(
        self,
        haven: Haven,
        parent: QWidget | None = None,
        *,
        tab: str | None = None,
        exports: Exports | None = None,
    ) -> None:
        super().__init__(parent)
        self._haven = haven
        self._exports = exports or Exports(haven)
        self._task: Task | None = None
        self._recipients: list[Recipient] = []
        self._shown = False
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.resize(720, 560)

        layout = QVBoxLayout(self)
        if haven.training:
            layout.addWidget(training_banner(self))
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.tabBar().setAccessibleName("Settings sections")
        self.tabs.tabBar().setAccessibleDescription(
            "Use the arrow keys, or Control Tab, to move between sections."
        )
        self.tabs.addTab(self._build_signing(), "Signing certificate")
        self.tabs.addTab(self._build_recipients(), "Recipients")
        self.tabs.addTab(self._build_mail(), "Mail server")
        self.tabs.addTab(self._build_security(), "Security")
        layout.addWidget(self.tabs, 1)

        row = QHBoxLayout()
        self.close_button = QPushButton("&Close", self)
        self.close_button.setObjectName("closeSettingsButton")
        self.close_button.setAccessibleName("Close settings")
        self.close_button.setAutoDefault(False)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.close_button.clicked.connect(self.accept)

        self.show_tab(tab or "signing")
        self._refresh_signing()
        self._refresh_recipients()
        self._load_mail()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            # Start on the section names, so a screen reader says where the user is.
            self._shown = True
            self.tabs.tabBar().setFocus(Qt.FocusReason.OtherFocusReason)

    def show_tab(self, name: str) -> None:
        if name in TABS:
            self.tabs.setCurrentIndex(TABS.index(name))

    # ---- closing ---------------------------------------------------------------------------

    def done(self, result: int) -> None:
        # Typed passwords never outlive the dialog.
        self.p12_password.clear()
        self.smtp_password.clear()
        if self._task is not None:
            self._task.cancel()
        super().done(result)
