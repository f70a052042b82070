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
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import keychain
from app.directory import Recipient
from app.errors import CertificateError, HavenError
from app.export.exports import Exports
from app.export.sending import SMTP_CA, SMTP_SETTINGS
from app.service import Haven
from ui import plain_text
from ui.errors import InlineError, guarded, show_error
from ui.export_dialog import TRAINING_NEVER_SENDS
from ui.theme import heading, training_banner
from ui.workers import Task, run_task

RECIPIENT_ROLE = Qt.ItemDataRole.UserRole
TABS = ("signing", "recipients", "mail", "security")
MAX_CERTIFICATE_FILE = 1_000_000
"""A certificate or PKCS#12 file is a few kilobytes; anything this big is the wrong file."""


def read_small_file(path: Path, what: str) -> bytes:
    """A certificate file's bytes, with plain messages for the usual mistakes."""
    try:
        if path.stat().st_size > MAX_CERTIFICATE_FILE:
            raise CertificateError(f"That file is too large to be {what}.")
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or "unknown error"
        raise CertificateError(f"Haven could not read that file ({reason}).") from exc


def import_p12_file(exports: Exports, path: Path, password: str) -> str:
    """Read and import a PKCS#12 file (worker); returns the certificate's fingerprint."""
    return exports.import_certificate(read_small_file(path, "a certificate"), password)


def current_fingerprint(exports: Exports) -> str | None:
    try:
        identity = exports.signing_identity()
    except HavenError:
        return None
    from app.export.certificates import fingerprint_sha256

    return fingerprint_sha256(identity.cert)


def pem_text(data: bytes) -> str:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise CertificateError(
            "That file is not a PEM certificate (a text file starting "
            "'-----BEGIN CERTIFICATE-----')."
        )
    return text


def check_ca_pem(text: str) -> None:
    """The mail server's CA file must be one Python's TLS can trust from."""
    try:
        ssl.create_default_context().load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        raise CertificateError(
            "That file is not a certificate authority file Haven can use (PEM)."
        ) from exc


def _named(widget: QWidget, name: str, description: str = "") -> None:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)


def _named_spin(spin: QSpinBox, name: str, description: str) -> None:
    """A spin box and the text box inside it both carry the name: screen readers meet
    the inner box when they follow the text cursor."""
    _named(spin, name, description)
    for inner in spin.findChildren(QLineEdit):
        _named(inner, name, description)


def _status_label(parent: QWidget, object_name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _say(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setAccessibleName(text)
    label.setVisible(bool(text))


class SettingsDialog(QDialog):
    idle_minutes_changed = Signal(int)
    signing_changed = Signal()

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

    @property
    def busy(self) -> bool:
        return self._task is not None

    # ---- signing certificate ---------------------------------------------------------------

    def _build_signing(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("signingTab")
        box = QVBoxLayout(page)
        box.addWidget(heading("Signing certificate", page, level=2))
        intro = QLabel(
            "PDFs and packages are signed with your organisation's certificate so that "
            "anyone can check who made them and that nothing was changed.",
            page,
        )
        intro.setWordWrap(True)
        box.addWidget(intro)

        current = QFormLayout()
        self.signing_state = _status_label(page, "signingState")
        current.addRow(self.signing_state)
        self.fingerprint = QLineEdit(page)
        self.fingerprint.setObjectName("signingFingerprint")
        self.fingerprint.setReadOnly(True)
        _named(
            self.fingerprint,
            "Certificate fingerprint (SHA-256)",
            "Read this to a recipient so they can check the certificate is yours.",
        )
        current.addRow("Finger&print (SHA-256)", self.fingerprint)
        box.addLayout(current)

        imported = QGroupBox("Import your organisation's certificate", page)
        imported.setObjectName("importCertificateGroup")
        form = QFormLayout(imported)
        file_row = QHBoxLayout()
        self.p12_path = QLineEdit(imported)
        self.p12_path.setObjectName("p12Path")
        _named(self.p12_path, "Certificate file", "A .p12 or .pfx file from your IT team.")
        self.p12_browse = QPushButton("C&hoose file…", imported)
        self.p12_browse.setObjectName("chooseP12Button")
        _named(self.p12_browse, "Choose certificate file")
        file_row.addWidget(self.p12_path, 1)
        file_row.addWidget(self.p12_browse)
        file_label = QLabel("Certificate &file (.p12)", imported)
        file_label.setBuddy(self.p12_path)
        form.addRow(file_label, file_row)
        self.p12_password = QLineEdit(imported)
        self.p12_password.setObjectName("p12Password")
        self.p12_password.setEchoMode(QLineEdit.EchoMode.Password)
        _named(
            self.p12_password,
            "Certificate password",
            "The password of the certificate file. Haven keeps it in this computer's "
            "keychain and clears this box after use.",
        )
        form.addRow("Pass&word", self.p12_password)
        self.import_button = QPushButton("&Import certificate", imported)
        self.import_button.setObjectName("importCertificateButton")
        _named(self.import_button, "Import certificate")
        form.addRow(self.import_button)
        box.addWidget(imported)

        trial = QGroupBox("Or, for a trial: create an organisation certificate", page)
        trial.setObjectName("trialCertificateGroup")
        trial_form = QFormLayout(trial)
        note = QLabel(
            "A certificate made on this computer, for trials. Recipients must be told its "
            "fingerprint to trust it. Use your organisation's own certificate for live work.",
            trial,
        )
        note.setWordWrap(True)
        trial_form.addRow(note)
        self.org_name = QLineEdit(trial)
        self.org_name.setObjectName("trialOrganisation")
        self.org_name.setPlaceholderText(plain_text(self._haven.session.info.agency, one_line=True))
        _named(self.org_name, "Organisation name", "The organisation the certificate is for.")
        trial_form.addRow("&Organisation name", self.org_name)
        self.create_button = QPushButton("Create a &trial organisation certificate", trial)
        self.create_button.setObjectName("createTrialCertificateButton")
        _named(self.create_button, "Create a trial organisation certificate")
        trial_form.addRow(self.create_button)
        box.addWidget(trial)

        stamped = QGroupBox("Timestamp server (optional)", page)
        stamped.setObjectName("timestampGroup")
        stamp_form = QFormLayout(stamped)
        stamp_note = QLabel(
            "With an RFC 3161 timestamp server, signatures made while online carry a trusted "
            "time (PAdES B-T). Offline, or with none set, the time is your computer's own.",
            stamped,
        )
        stamp_note.setWordWrap(True)
        stamp_form.addRow(stamp_note)
        self.tsa_url = QLineEdit(stamped)
        self.tsa_url.setObjectName("timestampUrl")
        self.tsa_url.setText(self._haven.text_setting("tsa_url"))
        _named(self.tsa_url, "Timestamp server address", "For example https://tsa.example.org/")
        stamp_form.addRow("Timestamp server &address", self.tsa_url)
        self.tsa_save = QPushButton("Save timestamp server", stamped)
        self.tsa_save.setObjectName("saveTimestampButton")
        _named(self.tsa_save, "Save timestamp server")
        stamp_form.addRow(self.tsa_save)
        box.addWidget(stamped)

        self.signing_busy = QProgressBar(page)
        self.signing_busy.setObjectName("signingBusy")
        self.signing_busy.setRange(0, 0)
        self.signing_busy.setAccessibleName("Working")
        self.signing_busy.setVisible(False)
        box.addWidget(self.signing_busy)
        self.signing_message = _status_label(page, "signingMessage")
        self.signing_message.setVisible(False)
        box.addWidget(self.signing_message)
        self.signing_error = InlineError(page)
        box.addWidget(self.signing_error)
        box.addStretch(1)

        self.p12_browse.clicked.connect(self._choose_p12)
        self.import_button.clicked.connect(self.import_certificate)
        self.create_button.clicked.connect(self.create_trial_certificate)
        self.org_name.returnPressed.connect(self.create_trial_certificate)
        self.tsa_save.clicked.connect(self.save_timestamp_server)
        return page

    def save_timestamp_server(self) -> None:
        url = self.tsa_url.text().strip()
        if url and not url.startswith(("https://", "http://")):
            self.signing_error.show_message("Enter the timestamp server's web address.")
            return
        self._haven.set_setting("tsa_url", url)
        self.signing_error.clear_message()
        self.signing_message.setText(
            "Timestamp server saved."
            if url
            else "No timestamp server: signatures use this computer's clock."
        )
        self.signing_message.setVisible(True)

    def _refresh_signing(self) -> None:
        fingerprint = current_fingerprint(self._exports)
        if fingerprint:
            _say(self.signing_state, "A signing certificate is set up.")
            self.fingerprint.setText(fingerprint)
        else:
            _say(self.signing_state, "No signing certificate is set up yet.")
            self.fingerprint.clear()

    def _choose_p12(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            "Choose the certificate file",
            "",
            "Certificate files (*.p12 *.pfx);;All files (*)",
        )
        if chosen:
            self.p12_path.setText(chosen)
            self.p12_password.setFocus()

    def _set_signing_busy(self, text: str) -> None:
        busy = bool(text)
        self.signing_busy.setVisible(busy)
        for widget in (self.import_button, self.create_button, self.p12_browse):
            widget.setEnabled(not busy)
        if busy:
            _say(self.signing_message, text)

    def import_certificate(self) -> None:
        if self.busy:
            return
        self.signing_error.clear_message()
        path_text = self.p12_path.text().strip()
        if not path_text:
            self.signing_error.show_message("Choose the certificate file (.p12) first.")
            self.p12_path.setFocus()
            return
        password = self.p12_password.text()
        # The password is used once, here: clear the box straight away.
        self.p12_password.clear()
        self._start_signing_task(
            "Importing the certificate…", import_p12_file, Path(path_text), password
        )

    def create_trial_certificate(self) -> None:
        if self.busy:
            return
        self.signing_error.clear_message()
        org = self.org_name.text().strip()
        if not org:
            self.signing_error.show_message("Enter the organisation's name for the certificate.")
            self.org_name.setFocus()
            return
        self._start_signing_task(
            "Creating the certificate. This takes a few seconds…",
            Exports.create_self_signed,
            org,
        )

    def _start_signing_task(self, text: str, fn: Callable[..., object], *args: object) -> None:
        self._set_signing_busy(text)
        self._task = run_task(
            fn,
            self._exports,
            *args,
            context=self,
            on_success=self._signing_done,
            on_failure=self._signing_failed,
            on_finished=self._task_finished,
        )

    def _task_finished(self) -> None:
        self._task = None
        self._set_signing_busy("")

    def _signing_done(self, fingerprint: object) -> None:
        self._refresh_signing()
        _say(
            self.signing_message,
            "The signing certificate is ready. Its fingerprint is shown above.",
        )
        self.fingerprint.setFocus()
        self.fingerprint.selectAll()
        self.signing_changed.emit()

    def _signing_failed(self, exc: BaseException) -> None:
        _say(self.signing_message, "")
        if isinstance(exc, HavenError):
            self.signing_error.show_message(exc.message)
        else:
            show_error(self, exc)

    # ---- recipients ------------------------------------------------------------------------

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
        _named(
            self.recipient_list,
            "Recipients",
            "Functional mailboxes that packages can be sent to. Choose one to change it.",
        )
        box.addWidget(self.recipient_list, 1)

        self.recipient_locked = _status_label(page, "recipientLocked")
        self.recipient_locked.setVisible(False)
        box.addWidget(self.recipient_locked)
        form = QFormLayout()
        mailbox_row = QHBoxLayout()
        self.mailbox = QLineEdit(page)
        self.mailbox.setObjectName("recipientMailbox")
        _named(
            self.mailbox,
            "Mailbox",
            "The recipient's functional mailbox, never a named person's address.",
        )
        self.save_mailbox = QPushButton("&Save mailbox", page)
        self.save_mailbox.setObjectName("saveMailboxButton")
        _named(self.save_mailbox, "Save mailbox")
        mailbox_row.addWidget(self.mailbox, 1)
        mailbox_row.addWidget(self.save_mailbox)
        mailbox_label = QLabel("&Mailbox", page)
        mailbox_label.setBuddy(self.mailbox)
        form.addRow(mailbox_label, mailbox_row)
        box.addLayout(form)
        self.import_pem = QPushButton("Import c&ertificate (PEM)…", page)
        self.import_pem.setObjectName("importRecipientCertificateButton")
        _named(
            self.import_pem,
            "Import certificate (PEM)",
            "The recipient's encryption certificate, so packages are encrypted to it "
            "instead of going as an archive with a passphrase.",
        )
        row = QHBoxLayout()
        row.addWidget(self.import_pem)
        row.addStretch(1)
        box.addLayout(row)
        self.recipient_message = _status_label(page, "recipientMessage")
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
            _say(self.recipient_locked, "Set by your organisation: it cannot be changed here.")
            self.mailbox.setAccessibleDescription("Set by your organisation; read-only.")
        else:
            _say(self.recipient_locked, "")
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
            _say(self.recipient_message, "Mailbox saved.")

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
        _say(self.recipient_message, "Certificate imported: packages to them are now encrypted.")

    # ---- mail server -----------------------------------------------------------------------

    def _build_mail(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("mailTab")
        box = QVBoxLayout(page)
        box.addWidget(heading("Mail server", page, level=2))
        self.mail_note = _status_label(page, "mailTrainingNote")
        box.addWidget(self.mail_note)
        self.mail_fields = QWidget(page)
        form = QFormLayout(self.mail_fields)
        self.smtp_host = QLineEdit(self.mail_fields)
        self.smtp_host.setObjectName("smtpHost")
        _named(self.smtp_host, "Mail server name", "For example smtp.example.gov.uk.")
        form.addRow("Mail &server", self.smtp_host)
        self.smtp_port = QSpinBox(self.mail_fields)
        self.smtp_port.setObjectName("smtpPort")
        self.smtp_port.setRange(1, 65535)
        self.smtp_port.setValue(587)
        _named_spin(self.smtp_port, "Port", "Usually 587. Haven always encrypts the connection.")
        form.addRow("&Port", self.smtp_port)
        self.smtp_user = QLineEdit(self.mail_fields)
        self.smtp_user.setObjectName("smtpUsername")
        _named(self.smtp_user, "User name", "Leave empty if the server needs none.")
        form.addRow("&User name", self.smtp_user)
        self.smtp_password = QLineEdit(self.mail_fields)
        self.smtp_password.setObjectName("smtpPassword")
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_password.setPlaceholderText("Leave empty to keep the saved password")
        _named(
            self.smtp_password,
            "Mail server password",
            "Kept in this computer's keychain; this box is cleared after saving.",
        )
        form.addRow("Pass&word", self.smtp_password)
        ca_row = QHBoxLayout()
        self.smtp_ca = QLineEdit(self.mail_fields)
        self.smtp_ca.setObjectName("smtpCaFile")
        _named(
            self.smtp_ca,
            "Certificate authority file (optional)",
            "Only if IT gives you one: the PEM file of the authority that signed the mail "
            "server's certificate.",
        )
        self.smtp_ca_browse = QPushButton("Choose C&A file…", self.mail_fields)
        self.smtp_ca_browse.setObjectName("chooseCaButton")
        _named(self.smtp_ca_browse, "Choose certificate authority file")
        ca_row.addWidget(self.smtp_ca, 1)
        ca_row.addWidget(self.smtp_ca_browse)
        ca_label = QLabel("Certificate au&thority (optional)", self.mail_fields)
        ca_label.setBuddy(self.smtp_ca)
        form.addRow(ca_label, ca_row)
        self.save_mail = QPushButton("Save &mail server", self.mail_fields)
        self.save_mail.setObjectName("saveMailServerButton")
        _named(self.save_mail, "Save mail server")
        form.addRow(self.save_mail)
        box.addWidget(self.mail_fields)
        self.mail_message = _status_label(page, "mailMessage")
        self.mail_message.setVisible(False)
        box.addWidget(self.mail_message)
        self.mail_error = InlineError(page)
        box.addWidget(self.mail_error)
        box.addStretch(1)

        training = self._haven.training
        _say(self.mail_note, TRAINING_NEVER_SENDS if training else "")
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
        _say(self.mail_message, "Mail server saved.")

    # ---- security --------------------------------------------------------------------------

    def _build_security(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("securityTab")
        box = QVBoxLayout(page)
        box.addWidget(heading("Security", page, level=2))
        form = QFormLayout()
        lock_row = QHBoxLayout()
        self.idle_minutes = QSpinBox(page)
        self.idle_minutes.setObjectName("idleLockMinutes")
        self.idle_minutes.setRange(1, 120)
        self.idle_minutes.setSuffix(" minutes")
        minutes = self._haven.settings().get("idle_lock_minutes", 5)
        self.idle_minutes.setValue(int(minutes) if isinstance(minutes, int) else 5)
        _named_spin(
            self.idle_minutes,
            "Lock after minutes without use",
            "Haven locks itself after this many minutes without use, and whenever this "
            "computer's screen locks.",
        )
        self.save_idle = QPushButton("Save &auto-lock time", page)
        self.save_idle.setObjectName("saveIdleLockButton")
        _named(self.save_idle, "Save auto-lock time")
        lock_row.addWidget(self.idle_minutes)
        lock_row.addWidget(self.save_idle)
        lock_row.addStretch(1)
        idle_label = QLabel("&Lock after", page)
        idle_label.setBuddy(self.idle_minutes)
        form.addRow(idle_label, lock_row)
        box.addLayout(form)

        self.keychain_check = QCheckBox("&Unlock automatically on this computer", page)
        self.keychain_check.setObjectName("keychainCheck")
        _named(self.keychain_check, "Unlock automatically on this computer")
        box.addWidget(self.keychain_check)
        self.keychain_note = _status_label(page, "keychainNote")
        box.addWidget(self.keychain_note)
        self.security_message = _status_label(page, "securityMessage")
        self.security_message.setVisible(False)
        box.addWidget(self.security_message)
        box.addStretch(1)

        self._backend = keychain.backend_name()
        session = self._haven.session
        try:
            on = session.uses_keychain()
        except HavenError:
            on = False
        self.keychain_check.setChecked(on)
        if self._backend is None:
            self.keychain_check.setEnabled(False)
            explanation = (
                "This computer has no secure keychain, so Haven always asks for your passphrase."
            )
        else:
            explanation = (
                "Haven opens without your passphrase while you are signed in to this "
                "computer. Your passphrase still works, and losing the keychain never loses "
                "your records."
            )
        _say(self.keychain_note, explanation)
        self.keychain_check.setAccessibleDescription(explanation)

        self.save_idle.clicked.connect(self.save_idle_minutes)
        self.keychain_check.toggled.connect(self._keychain_toggled)
        return page

    def save_idle_minutes(self) -> None:
        minutes = self.idle_minutes.value()
        if guarded(self, lambda: self._haven.set_setting("idle_lock_minutes", minutes)):
            self.idle_minutes_changed.emit(minutes)
            _say(self.security_message, f"Haven now locks after {minutes} minutes without use.")

    def _keychain_toggled(self, on: bool) -> None:
        session = self._haven.session
        ok = guarded(self, session.enable_keychain if on else session.disable_keychain)
        if not ok:
            self.keychain_check.blockSignals(True)
            self.keychain_check.setChecked(not on)
            self.keychain_check.blockSignals(False)
            return
        _say(
            self.security_message,
            "Haven will unlock automatically on this computer."
            if on
            else "Haven will ask for your passphrase every time.",
        )

    # ---- closing ---------------------------------------------------------------------------

    def done(self, result: int) -> None:
        # Typed passwords never outlive the dialog.
        self.p12_password.clear()
        self.smtp_password.clear()
        if self._task is not None:
            self._task.cancel()
        super().done(result)
