"""The Signing certificate tab: import the organisation's PKCS#12 certificate, or make a
trial one, and the timestamp server. Reading the file and making an RSA 3072 key run off
the UI thread (ui.workers); the PKCS#12 password is cleared as soon as it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import HavenError
from app.export.exports import Exports
from ui import plain_text
from ui.errors import InlineError, show_error
from ui.settings.base import SettingsBase
from ui.settings.certificate_files import (
    current_fingerprint,
    import_p12_file,
)
from ui.settings.fields import named, say, status_label
from ui.theme import heading
from ui.workers import run_task


class SigningTab(SettingsBase):
    """Builds and runs the signing certificate tab of the settings dialog."""

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
        self.signing_state = status_label(page, "signingState")
        current.addRow(self.signing_state)
        self.fingerprint = QLineEdit(page)
        self.fingerprint.setObjectName("signingFingerprint")
        self.fingerprint.setReadOnly(True)
        named(
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
        named(self.p12_path, "Certificate file", "A .p12 or .pfx file from your IT team.")
        self.p12_browse = QPushButton("C&hoose file…", imported)
        self.p12_browse.setObjectName("chooseP12Button")
        named(self.p12_browse, "Choose certificate file")
        file_row.addWidget(self.p12_path, 1)
        file_row.addWidget(self.p12_browse)
        file_label = QLabel("Certificate &file (.p12)", imported)
        file_label.setBuddy(self.p12_path)
        form.addRow(file_label, file_row)
        self.p12_password = QLineEdit(imported)
        self.p12_password.setObjectName("p12Password")
        self.p12_password.setEchoMode(QLineEdit.EchoMode.Password)
        named(
            self.p12_password,
            "Certificate password",
            "The password of the certificate file. Haven keeps it in this computer's "
            "keychain and clears this box after use.",
        )
        form.addRow("Pass&word", self.p12_password)
        self.import_button = QPushButton("&Import certificate", imported)
        self.import_button.setObjectName("importCertificateButton")
        named(self.import_button, "Import certificate")
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
        named(self.org_name, "Organisation name", "The organisation the certificate is for.")
        trial_form.addRow("&Organisation name", self.org_name)
        self.create_button = QPushButton("Create a &trial organisation certificate", trial)
        self.create_button.setObjectName("createTrialCertificateButton")
        named(self.create_button, "Create a trial organisation certificate")
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
        named(self.tsa_url, "Timestamp server address", "For example https://tsa.example.org/")
        stamp_form.addRow("Timestamp server &address", self.tsa_url)
        self.tsa_save = QPushButton("Save timestamp server", stamped)
        self.tsa_save.setObjectName("saveTimestampButton")
        named(self.tsa_save, "Save timestamp server")
        stamp_form.addRow(self.tsa_save)
        box.addWidget(stamped)

        self.signing_busy = QProgressBar(page)
        self.signing_busy.setObjectName("signingBusy")
        self.signing_busy.setRange(0, 0)
        self.signing_busy.setAccessibleName("Working")
        self.signing_busy.setVisible(False)
        box.addWidget(self.signing_busy)
        self.signing_message = status_label(page, "signingMessage")
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
            say(self.signing_state, "A signing certificate is set up.")
            self.fingerprint.setText(fingerprint)
        else:
            say(self.signing_state, "No signing certificate is set up yet.")
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
            say(self.signing_message, text)

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
        say(
            self.signing_message,
            "The signing certificate is ready. Its fingerprint is shown above.",
        )
        self.fingerprint.setFocus()
        self.fingerprint.selectAll()
        self.signing_changed.emit()

    def _signing_failed(self, exc: BaseException) -> None:
        say(self.signing_message, "")
        if isinstance(exc, HavenError):
            self.signing_error.show_message(exc.message)
        else:
            show_error(self, exc)
