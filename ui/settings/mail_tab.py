"""The Mail server tab: the organisation's SMTP server, its login and, where it uses its own
certificate authority, that CA. The password is cleared from its field once saved; a
training profile never sends, so the tab is disabled there (framework Standard 10).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import HavenError
from app.export.sending import SMTP_CA, SMTP_SETTINGS
from ui.errors import InlineError, show_error
from ui.export.options_page import TRAINING_NEVER_SENDS
from ui.settings.base import SettingsBase
from ui.settings.certificate_files import (
    check_ca_pem,
    pem_text,
    read_small_file,
)
from ui.settings.fields import named, named_spin, say, status_label
from ui.theme import heading


class MailTab(SettingsBase):
    """Builds and runs the mail server tab of the settings dialog."""

    def _build_mail(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("mailTab")
        box = QVBoxLayout(page)
        box.addWidget(heading("Mail server", page, level=2))
        self.mail_note = status_label(page, "mailTrainingNote")
        box.addWidget(self.mail_note)
        self.mail_fields = QWidget(page)
        form = QFormLayout(self.mail_fields)
        self.smtp_host = QLineEdit(self.mail_fields)
        self.smtp_host.setObjectName("smtpHost")
        named(self.smtp_host, "Mail server name", "For example smtp.example.gov.uk.")
        form.addRow("Mail &server", self.smtp_host)
        self.smtp_port = QSpinBox(self.mail_fields)
        self.smtp_port.setObjectName("smtpPort")
        self.smtp_port.setRange(1, 65535)
        self.smtp_port.setValue(587)
        named_spin(self.smtp_port, "Port", "Usually 587. Haven always encrypts the connection.")
        form.addRow("&Port", self.smtp_port)
        self.smtp_user = QLineEdit(self.mail_fields)
        self.smtp_user.setObjectName("smtpUsername")
        named(self.smtp_user, "User name", "Leave empty if the server needs none.")
        form.addRow("&User name", self.smtp_user)
        self.smtp_password = QLineEdit(self.mail_fields)
        self.smtp_password.setObjectName("smtpPassword")
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_password.setPlaceholderText("Leave empty to keep the saved password")
        named(
            self.smtp_password,
            "Mail server password",
            "Kept in this computer's keychain; this box is cleared after saving.",
        )
        form.addRow("Pass&word", self.smtp_password)
        ca_row = QHBoxLayout()
        self.smtp_ca = QLineEdit(self.mail_fields)
        self.smtp_ca.setObjectName("smtpCaFile")
        named(
            self.smtp_ca,
            "Certificate authority file (optional)",
            "Only if IT gives you one: the PEM file of the authority that signed the mail "
            "server's certificate.",
        )
        self.smtp_ca_browse = QPushButton("Choose C&A file…", self.mail_fields)
        self.smtp_ca_browse.setObjectName("chooseCaButton")
        named(self.smtp_ca_browse, "Choose certificate authority file")
        ca_row.addWidget(self.smtp_ca, 1)
        ca_row.addWidget(self.smtp_ca_browse)
        ca_label = QLabel("Certificate au&thority (optional)", self.mail_fields)
        ca_label.setBuddy(self.smtp_ca)
        form.addRow(ca_label, ca_row)
        self.save_mail = QPushButton("Save &mail server", self.mail_fields)
        self.save_mail.setObjectName("saveMailServerButton")
        named(self.save_mail, "Save mail server")
        form.addRow(self.save_mail)
        box.addWidget(self.mail_fields)
        self.mail_message = status_label(page, "mailMessage")
        self.mail_message.setVisible(False)
        box.addWidget(self.mail_message)
        self.mail_error = InlineError(page)
        box.addWidget(self.mail_error)
        box.addStretch(1)

        training = self._haven.training
        say(self.mail_note, TRAINING_NEVER_SENDS if training else "")
        self.mail_fields.setEnabled(not training)
        self.smtp_ca_browse.clicked.connect(self._choose_ca)
        self.save_mail.clicked.connect(self.save_mail_server)
        return page

    def _load_mail(self) -> None:
        raw = self._exports.repo.get_setting(SMTP_SETTINGS)
        try:
            conf = json.loads(raw) if raw else {}
        except ValueError:
            conf = {}
        if isinstance(conf, dict) and conf.get("host"):
            self.smtp_host.setText(str(conf["host"]))
            try:
                self.smtp_port.setValue(int(conf.get("port", 587)))
            except (TypeError, ValueError):
                self.smtp_port.setValue(587)
            self.smtp_user.setText(str(conf.get("username") or ""))
        if self._exports.repo.get_setting(SMTP_CA):
            self.smtp_ca.setPlaceholderText("A certificate authority is saved")

    def _choose_ca(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            "Choose the certificate authority file",
            "",
            "PEM certificates (*.pem *.crt *.cer);;All files (*)",
        )
        if chosen:
            self.smtp_ca.setText(chosen)

    def save_mail_server(self) -> None:
        if self._haven.training:
            return
        self.mail_error.clear_message()
        host = self.smtp_host.text().strip()
        if not host:
            self.mail_error.show_message("Enter the mail server's name.")
            self.smtp_host.setFocus()
            return
        password = self.smtp_password.text()
        self.smtp_password.clear()
        try:
            ca_pem = None
            if self.smtp_ca.text().strip():
                ca_pem = pem_text(read_small_file(Path(self.smtp_ca.text().strip()), "a CA file"))
                check_ca_pem(ca_pem)
            self._exports.configure_smtp(
                host,
                self.smtp_port.value(),
                self.smtp_user.text().strip() or None,
                password or None,
                starttls=True,
                ca_pem=ca_pem,
            )
        except HavenError as exc:
            self.mail_error.show_message(exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        say(self.mail_message, "Mail server saved.")
