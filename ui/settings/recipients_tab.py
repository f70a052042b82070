"""The Recipients tab: mailboxes and certificates of the directory's recipients. Entries an
organisation set machine-wide are read-only here: users cannot override machine-wide
policy (HOUSE_STYLE).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.directory import Recipient
from app.errors import HavenError
from ui import plain_text
from ui.errors import InlineError, guarded, show_error
from ui.settings.base import SettingsBase
from ui.settings.certificate_files import (
    pem_text,
    read_small_file,
)
from ui.settings.fields import named, say, status_label
from ui.theme import heading

RECIPIENT_ROLE = Qt.ItemDataRole.UserRole


class RecipientsTab(SettingsBase):
    """Builds and runs the recipients tab of the settings dialog."""

    def _build_recipients(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("recipientsTab")
        box = QVBoxLayout(page)
        box.addWidget(heading("Recipients", page, level=2))
        self.recipient_list = QTreeWidget(page)
        self.recipient_list.setObjectName("recipientList")
        self.recipient_list.setHeaderLabels(["Recipient", "Mailbox", "Certificate", "Set by"])
        self.recipient_list.setRootIsDecorated(False)
        self.recipient_list.setAlternatingRowColors(True)
        self.recipient_list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.recipient_list.header().setAccessibleName("Recipient columns")
        named(
            self.recipient_list,
            "Recipients",
            "Functional mailboxes that packages can be sent to. Choose one to change it.",
        )
        box.addWidget(self.recipient_list, 1)

        self.recipient_locked = status_label(page, "recipientLocked")
        self.recipient_locked.setVisible(False)
        box.addWidget(self.recipient_locked)
        form = QFormLayout()
        mailbox_row = QHBoxLayout()
        self.mailbox = QLineEdit(page)
        self.mailbox.setObjectName("recipientMailbox")
        named(
            self.mailbox,
            "Mailbox",
            "The recipient's functional mailbox, never a named person's address.",
        )
        self.save_mailbox = QPushButton("&Save mailbox", page)
        self.save_mailbox.setObjectName("saveMailboxButton")
        named(self.save_mailbox, "Save mailbox")
        mailbox_row.addWidget(self.mailbox, 1)
        mailbox_row.addWidget(self.save_mailbox)
        mailbox_label = QLabel("&Mailbox", page)
        mailbox_label.setBuddy(self.mailbox)
        form.addRow(mailbox_label, mailbox_row)
        box.addLayout(form)
        self.import_pem = QPushButton("Import c&ertificate (PEM)…", page)
        self.import_pem.setObjectName("importRecipientCertificateButton")
        named(
            self.import_pem,
            "Import certificate (PEM)",
            "The recipient's encryption certificate, so packages are encrypted to it "
            "instead of going as an archive with a passphrase.",
        )
        row = QHBoxLayout()
        row.addWidget(self.import_pem)
        row.addStretch(1)
        box.addLayout(row)
        self.recipient_message = status_label(page, "recipientMessage")
        self.recipient_message.setVisible(False)
        box.addWidget(self.recipient_message)
        self.recipient_error = InlineError(page)
        box.addWidget(self.recipient_error)

        self.recipient_list.currentItemChanged.connect(lambda *_: self._recipient_chosen())
        self.save_mailbox.clicked.connect(self.save_recipient_mailbox)
        self.mailbox.returnPressed.connect(self.save_recipient_mailbox)
        self.import_pem.clicked.connect(self.import_recipient_certificate)
        return page

    def _refresh_recipients(self, select: str | None = None) -> None:
        keep = select or self.current_recipient_id()
        self._recipients = self._exports.recipients()
        self.recipient_list.blockSignals(True)
        self.recipient_list.clear()
        chosen: QTreeWidgetItem | None = None
        for r in self._recipients:
            item = QTreeWidgetItem(
                [
                    plain_text(r.label, one_line=True, limit=120),
                    plain_text(r.mailbox, one_line=True, limit=120) or "not set",
                    "yes" if r.certificate_pem else "none",
                    "your organisation" if r.locked else "you",
                ]
            )
            item.setData(0, RECIPIENT_ROLE, r.id)
            self.recipient_list.addTopLevelItem(item)
            if r.id == keep:
                chosen = item
        chosen = chosen or self.recipient_list.topLevelItem(0)
        if chosen is not None:
            self.recipient_list.setCurrentItem(chosen)
        for column in (1, 2, 3):
            self.recipient_list.resizeColumnToContents(column)
        self.recipient_list.blockSignals(False)
        self._recipient_chosen()

    def current_recipient_id(self) -> str | None:
        item = self.recipient_list.currentItem()
        return str(item.data(0, RECIPIENT_ROLE)) if item is not None else None

    def select_recipient(self, recipient_id: str) -> bool:
        for row in range(self.recipient_list.topLevelItemCount()):
            item = self.recipient_list.topLevelItem(row)
            if item is not None and item.data(0, RECIPIENT_ROLE) == recipient_id:
                self.recipient_list.setCurrentItem(item)
                return True
        return False

    def _current_recipient(self) -> Recipient | None:
        rid = self.current_recipient_id()
        return next((r for r in self._recipients if r.id == rid), None)

    def _recipient_chosen(self) -> None:
        r = self._current_recipient()
        editable = r is not None and not r.locked
        self.mailbox.setText(r.mailbox if r is not None else "")
        self.mailbox.setReadOnly(not editable)
        self.save_mailbox.setEnabled(editable)
        self.import_pem.setEnabled(editable)
        if r is not None and r.locked:
            say(self.recipient_locked, "Set by your organisation: it cannot be changed here.")
            self.mailbox.setAccessibleDescription("Set by your organisation; read-only.")
        else:
            say(self.recipient_locked, "")
            self.mailbox.setAccessibleDescription(
                "The recipient's functional mailbox, never a named person's address."
            )

    def save_recipient_mailbox(self) -> None:
        r = self._current_recipient()
        if r is None or r.locked:
            return
        self.recipient_error.clear_message()
        mailbox = self.mailbox.text().strip()
        if mailbox and ("@" not in mailbox or any(c.isspace() for c in mailbox)):
            self.recipient_error.show_message("Enter a mailbox like team@example.gov.uk.")
            self.mailbox.setFocus()
            return
        if guarded(self, lambda: self._exports.set_recipient(r.id, mailbox=mailbox)):
            self._refresh_recipients(select=r.id)
            say(self.recipient_message, "Mailbox saved.")

    def import_recipient_certificate(self) -> None:
        r = self._current_recipient()
        if r is None or r.locked:
            return
        self.recipient_error.clear_message()
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            "Choose the recipient's certificate",
            "",
            "PEM certificates (*.pem *.crt *.cer);;All files (*)",
        )
        if not chosen:
            return
        try:
            text = pem_text(read_small_file(Path(chosen), "a certificate"))
            self._exports.set_recipient(r.id, certificate_pem=text)
        except HavenError as exc:
            self.recipient_error.show_message(exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self._refresh_recipients(select=r.id)
        say(self.recipient_message, "Certificate imported: packages to them are now encrypted.")
