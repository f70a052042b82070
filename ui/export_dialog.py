"""Export a completed record: the sharing decision first, then a signed PDF and/or a
secure package, made off the UI thread, with the results said plainly.

The order is the framework's, not a convenience: nothing leaves Haven without a recorded
information-sharing decision that permits it (Appendix 13; SPEC 2.5), so the dialog opens
on that decision and only offers the export once `Exports.require_permission` accepts it.
When no decision exists the user records one in the ordinary form screen (a child record
of this one); the main window brings the user back here when it is completed.

Everything slow - rendering, signing and verifying the PDF, building and encrypting the
package, writing files - runs in `run_export` through ui.workers (house habit 3) with a
progress bar and Cancel. The worker gets plain data (`ExportJob`), never widgets.

A package for a recipient without a certificate is an AES-256 archive whose passphrase
Haven shows ONCE (`PassphraseDialog`) and never stores: the user sends it by another
channel. A training profile can save PDFs (the core watermarks them) but never builds,
queues or sends a package (framework Standard 10).

No child's name appears in a title or a file name here: file names are the record's
opaque reference (SPEC 3).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.directory import Recipient
from app.domain import Record
from app.errors import ExportError, HavenError, InvalidState, SharingDecisionRequired
from app.export.atomic import write_atomic
from app.export.exports import Exports
from app.service import Haven
from ui import plain_text
from ui.clipboard import ClipboardGuard
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.times import when_text
from ui.workers import Task, run_task

TRAINING_NEVER_SENDS = "Training profiles never send anything."
RECORD_ROLE = Qt.ItemDataRole.UserRole

Progress = Callable[[int, str], None]


class ExportCancelled(Exception):
    """The user pressed Cancel; raised at the next progress report, before anything else
    is written or queued. Never shown as an error."""


@dataclass(frozen=True)
class ExportJob:
    """What to make, as plain values for the worker."""

    record_id: str
    pdf_path: Path | None = None
    package_record_ids: tuple[str, ...] = ()
    recipient_label: str = ""
    mailbox: str = ""
    certificate_pem: str = ""
    queue: bool = True
    eml_path: Path | None = None

    @property
    def wants_package(self) -> bool:
        return bool(self.package_record_ids)


@dataclass
class ExportOutcome:
    """What really happened. `passphrase` is shown once, then dropped."""

    pdf_path: Path | None = None
    eml_path: Path | None = None
    outbox_id: str | None = None
    recipient_label: str = ""
    encrypted_to_certificate: bool = False
    passphrase: str | None = None


def run_export(
    exports: Exports,
    job: ExportJob,
    stop: threading.Event,
    *,
    progress: Progress | None = None,
) -> ExportOutcome:
    """The export itself, off the UI thread. Checks `stop` at every progress report and
    before each step that writes or queues, so Cancel never leaves half a result."""

    def report(percent: float, text: str) -> None:
        if stop.is_set():
            raise ExportCancelled()
        if progress is not None:
            progress(int(max(0.0, min(100.0, percent))), text)

    def part(start: float, span: float, text: str) -> Callable[[float], None]:
        return lambda fraction: report(start + span * fraction, text)

    outcome = ExportOutcome(recipient_label=job.recipient_label)
    pdf_span = 40.0 if job.wants_package and job.pdf_path else 100.0
    if job.pdf_path is not None:
        report(0, "Making and signing the PDF")
        pdf = exports.export_pdf(
            job.record_id,
            sign=True,
            progress=part(0, pdf_span * 0.95, "Making and signing the PDF"),
        )
        report(pdf_span * 0.95, "Saving the PDF")
        write_atomic(job.pdf_path, pdf.data)
        outcome.pdf_path = job.pdf_path
        signed = {job.record_id: pdf.data}
    else:
        signed = {}
    if job.wants_package:
        start = pdf_span if job.pdf_path is not None else 0.0
        span = 100.0 - start
        report(start, "Building the secure package")
        package = exports.build_package(
            list(job.package_record_ids),
            mailbox=job.mailbox,
            recipient_label=job.recipient_label,
            recipient_certificate_pem=job.certificate_pem.encode("ascii")
            if job.certificate_pem
            else None,
            for_mail_client=not job.queue,
            progress=part(start, span * 0.9, "Building the secure package"),
            signed_pdfs=signed,
        )
        if job.queue:
            report(start + span * 0.95, "Putting the package in the outbox")
            outcome.outbox_id = exports.queue_package(
                package, job.mailbox, job.recipient_label, list(job.package_record_ids)
            )
        elif job.eml_path is not None:
            report(start + span * 0.95, "Saving the email file")
            write_atomic(job.eml_path, package.message_bytes)
            outcome.eml_path = job.eml_path
        outcome.encrypted_to_certificate = package.zip_passphrase is None
        outcome.passphrase = package.zip_passphrase
    if progress is not None:
        progress(100, "Done")
    return outcome


def safe_file_stem(ref: str) -> str:
    """A record reference as a file name: letters, digits and dashes only."""
    kept = "".join(ch for ch in ref if ch.isalnum() or ch in "-_")
    return kept or "haven-record"


_last_folder: str | None = None


def _default_folder() -> str:
    if _last_folder:
        return _last_folder
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


def ask_save_path(parent: QWidget, caption: str, file_name: str, file_filter: str) -> Path | None:
    """The platform's save dialog, starting with `file_name` (a record reference)."""
    global _last_folder
    suffix = Path(file_name).suffix
    chosen, _selected = QFileDialog.getSaveFileName(
        parent, caption, str(Path(_default_folder()) / file_name), file_filter
    )
    if not chosen:
        return None
    path = Path(chosen)
    if suffix and path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    _last_folder = str(path.parent)
    return path


_fallback_guard: ClipboardGuard | None = None


def _clipboard_guard(given: ClipboardGuard | None) -> ClipboardGuard:
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


class ExportDialog(QDialog):
    """Decision -> choices -> progress -> results, on one record."""

    decision_started = Signal(str, str)  # record id, decision draft id (open it)
    settings_requested = Signal(str)  # the settings tab to show ("signing")
    exported = Signal(str)  # record id: statuses changed, views should refresh

    PAGE_DECISION, PAGE_OPTIONS, PAGE_PROGRESS, PAGE_RESULT = range(4)

    def __init__(
        self,
        haven: Haven,
        record_id: str,
        parent: QWidget | None = None,
        *,
        clipboard: ClipboardGuard | None = None,
        exports: Exports | None = None,
    ) -> None:
        # Checked before the dialog exists, so a refusal leaves no half-built dialog behind.
        record = haven.record(record_id)
        if record.is_draft:
            raise InvalidState("Only a completed record can be exported. Complete it first.")
        form_title = haven.form_for(record).title
        super().__init__(parent)
        self._haven = haven
        self._exports = exports or Exports(haven)
        self._clipboard = clipboard
        self._record = record
        self._form_title = form_title
        self._task: Task | None = None
        self._stop = threading.Event()
        self._running = False
        self._stopping = False
        self._outcome: ExportOutcome | None = None
        self.passphrase_dialog: PassphraseDialog | None = None
        self._recipients: list[Recipient] = []
        self._signing_ok = False

        self.setObjectName("exportDialog")
        ref = plain_text(record.ref, one_line=True, limit=40)
        self.setWindowTitle(f"Export record {ref}")
        self.setAccessibleName(f"Export record {ref}")
        self.resize(640, 560)

        layout = QVBoxLayout(self)
        if haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading(f"Export {plain_text(self._form_title, one_line=True)}", self))
        self.about = QLabel(self._record_line(record), self)
        self.about.setObjectName("exportRecordLine")
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        layout.addWidget(self.about)

        self.pages = QStackedWidget(self)
        self.pages.setObjectName("exportPages")
        self.pages.addWidget(self._build_decision_page())
        self.pages.addWidget(self._build_options_page())
        self.pages.addWidget(self._build_progress_page())
        self.pages.addWidget(self._build_result_page())
        layout.addWidget(self.pages, 1)

        buttons = QHBoxLayout()
        self.export_button = QPushButton("&Export", self)
        self.export_button.setObjectName("startExportButton")
        self.export_button.setAccessibleName("Export")
        self.export_button.setAccessibleDescription("Make what you chose above.")
        self.export_button.setDefault(True)
        self.close_button = QPushButton("Cancel", self)
        self.close_button.setObjectName("closeExportButton")
        self.close_button.setAccessibleName("Cancel")
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)
        self.refresh()

    # ---- pages ----------------------------------------------------------------------------

    def _record_line(self, record: Record) -> str:
        parts = [f"Record {plain_text(record.ref, one_line=True)}"]
        if record.completed_at:
            parts.append(f"completed {when_text(record.completed_at)}")
        parts.append(f"status: {plain_text(record.status, one_line=True)}")
        return ", ".join(parts)

    def _build_decision_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("exportDecisionPage")
        box = QVBoxLayout(page)
        box.addWidget(heading("Information-sharing decision", page, level=2))
        self.decision_text = QLabel(page)
        self.decision_text.setObjectName("decisionExplanation")
        self.decision_text.setTextFormat(Qt.TextFormat.PlainText)
        self.decision_text.setWordWrap(True)
        self.decision_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.decision_text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box.addWidget(self.decision_text)
        self.decision_error = InlineError(page)
        box.addWidget(self.decision_error)
        row = QHBoxLayout()
        self.decision_button = QPushButton("&Record the decision…", page)
        self.decision_button.setObjectName("recordDecisionButton")
        self.decision_button.setAccessibleName("Record the information-sharing decision")
        self.decision_button.setAccessibleDescription(
            "Opens the information-sharing decision form for this record. When you "
            "complete it, Haven brings you back to Export."
        )
        row.addWidget(self.decision_button)
        row.addStretch(1)
        box.addLayout(row)
        box.addStretch(1)
        self.decision_button.clicked.connect(self.record_decision)
        return page

    def _build_options_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("exportOptionsPage")
        box = QVBoxLayout(page)
        self.decision_summary = QLabel(page)
        self.decision_summary.setObjectName("decisionSummary")
        self.decision_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.decision_summary.setWordWrap(True)
        box.addWidget(self.decision_summary)

        signing_row = QHBoxLayout()
        self.signing_status = QLabel(page)
        self.signing_status.setObjectName("signingStatus")
        self.signing_status.setTextFormat(Qt.TextFormat.PlainText)
        self.signing_status.setWordWrap(True)
        signing_row.addWidget(self.signing_status, 1)
        self.signing_button = QPushButton("Set up &signing…", page)
        self.signing_button.setObjectName("setUpSigningButton")
        self.signing_button.setAccessibleName("Set up signing")
        self.signing_button.setAccessibleDescription(
            "Open Settings to import your organisation's signing certificate."
        )
        signing_row.addWidget(self.signing_button)
        box.addLayout(signing_row)

        self.pdf_check = QCheckBox("Save a signed &PDF", page)
        self.pdf_check.setObjectName("savePdfCheck")
        self.pdf_check.setChecked(True)
        self.pdf_check.setAccessibleName("Save a signed PDF")
        self.pdf_check.setAccessibleDescription(
            "A PDF of the completed record with your organisation's signature. You choose "
            "where to save it; its file name is the record reference."
        )
        box.addWidget(self.pdf_check)

        self.package_check = QCheckBox("Send a secure pa&ckage", page)
        self.package_check.setObjectName("sendPackageCheck")
        self.package_check.setAccessibleName("Send a secure package")
        box.addWidget(self.package_check)

        self.training_note = QLabel(TRAINING_NEVER_SENDS, page)
        self.training_note.setObjectName("trainingNeverSends")
        self.training_note.setTextFormat(Qt.TextFormat.PlainText)
        self.training_note.setWordWrap(True)
        box.addWidget(self.training_note)

        self.package_box = QWidget(page)
        self.package_box.setObjectName("packageOptions")
        form = QFormLayout(self.package_box)
        form.setContentsMargins(24, 0, 0, 0)
        self.recipient = QComboBox(self.package_box)
        self.recipient.setObjectName("recipientChoice")
        self.recipient.setAccessibleName("Recipient")
        self.recipient.setAccessibleDescription(
            "Who receives the package. A suggested recipient for this form is chosen first."
        )
        form.addRow("&Recipient", self.recipient)
        self.recipient_info = QLabel(self.package_box)
        self.recipient_info.setObjectName("recipientInfo")
        self.recipient_info.setTextFormat(Qt.TextFormat.PlainText)
        self.recipient_info.setWordWrap(True)
        form.addRow(self.recipient_info)

        self.records = QListWidget(self.package_box)
        self.records.setObjectName("packageRecords")
        self.records.setAccessibleName("Records to include")
        self.records.setAccessibleDescription(
            "Completed records of the same child. Tick the ones to send together as a "
            "referral; each needs a decision to share it. Press Space to tick."
        )
        self.records.setMaximumHeight(140)
        self.records.setWordWrap(True)
        self.records.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        form.addRow("Records to &include", self.records)

        delivery = QWidget(self.package_box)
        delivery_box = QVBoxLayout(delivery)
        delivery_box.setContentsMargins(0, 0, 0, 0)
        self.queue_radio = QRadioButton("&Queue in Haven's outbox to send", delivery)
        self.queue_radio.setObjectName("queueRadio")
        self.queue_radio.setAccessibleName("Queue in Haven's outbox to send")
        self.queue_radio.setAccessibleDescription(
            "Haven sends it by the mail server set in Settings; see My work, Outbox."
        )
        self.eml_radio = QRadioButton("Save an e&mail file for my mail client", delivery)
        self.eml_radio.setObjectName("emlRadio")
        self.eml_radio.setAccessibleName("Save an email file for my mail client")
        self.eml_radio.setAccessibleDescription(
            "A .eml file that your mail program opens as a draft ready to send."
        )
        self.queue_radio.setChecked(True)
        self._delivery = QButtonGroup(self)
        self._delivery.addButton(self.queue_radio)
        self._delivery.addButton(self.eml_radio)
        delivery_box.addWidget(self.queue_radio)
        delivery_box.addWidget(self.eml_radio)
        form.addRow("Delivery", delivery)
        box.addWidget(self.package_box)

        self.options_error = InlineError(page)
        box.addWidget(self.options_error)
        box.addStretch(1)

        self.signing_button.clicked.connect(lambda: self.settings_requested.emit("signing"))
        self.pdf_check.toggled.connect(lambda _on: self._update_options())
        self.package_check.toggled.connect(lambda _on: self._update_options())
        self.recipient.currentIndexChanged.connect(lambda _i: self._update_recipient())
        return page

    def _build_progress_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("exportProgressPage")
        box = QVBoxLayout(page)
        box.addWidget(heading("Exporting", page, level=2))
        self.progress_text = QLabel("Starting…", page)
        self.progress_text.setObjectName("exportProgressText")
        self.progress_text.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(self.progress_text)
        self.progress = QProgressBar(page)
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Export progress")
        box.addWidget(self.progress)
        box.addStretch(1)
        return page

    def _build_result_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("exportResultPage")
        box = QVBoxLayout(page)
        box.addWidget(heading("Export finished", page, level=2))
        self.result_text = QLabel(page)
        self.result_text.setObjectName("exportResult")
        self.result_text.setTextFormat(Qt.TextFormat.PlainText)
        self.result_text.setWordWrap(True)
        self.result_text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.result_text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        box.addWidget(self.result_text)
        box.addStretch(1)
        return page

    # ---- state ----------------------------------------------------------------------------

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    @property
    def running(self) -> bool:
        return self._running

    def refresh(self) -> None:
        """Decide which page to show from the record's current sharing decision."""
        try:
            decision = self._exports.require_permission(self._record)
        except SharingDecisionRequired:
            self._show_decision_needed(None)
            return
        except ExportError as exc:
            self._show_decision_needed(exc.message)
            return
        self.decision_summary.setText(self._decision_line(decision))
        self._fill_recipients()
        self._fill_records()
        self._update_signing()
        self._update_options()
        self._set_page(self.PAGE_OPTIONS)

    def _decision_line(self, decision: Record) -> str:
        when = when_text(decision.completed_at) if decision.completed_at else ""
        by = plain_text(decision.completed_by or "", one_line=True, limit=80)
        text = f"Information-sharing decision {plain_text(decision.ref, one_line=True)}"
        if by:
            text += f" by {by}"
        if when:
            text += f", {when}"
        return text + ": share."

    def _show_decision_needed(self, refusal: str | None) -> None:
        if refusal is None:
            self.decision_text.setText(
                "No information-sharing decision is recorded for this record. Nothing "
                "leaves Haven without one (Appendix 13): record what will be shared, with "
                "whom, why, and the consent position. Export continues when the decision "
                "is completed."
            )
            self.decision_error.clear_message()
            self.decision_button.setText("&Record the decision…")
        else:
            self.decision_text.setText(
                "The information-sharing decision recorded for this record does not permit "
                "sharing it."
            )
            self.decision_error.show_message(refusal)
            self.decision_button.setText("&Record a new decision…")
        self.decision_text.setAccessibleName(self.decision_text.text())
        self._set_page(self.PAGE_DECISION)

    def _set_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.export_button.setVisible(index == self.PAGE_OPTIONS)
        closing = index == self.PAGE_RESULT
        self.close_button.setText("&Close" if closing else "Cancel")
        self.close_button.setAccessibleName("Close" if closing else "Cancel")
        if index == self.PAGE_DECISION:
            self.decision_button.setFocus()
        elif index == self.PAGE_OPTIONS:
            self.pdf_check.setFocus()
        elif index == self.PAGE_PROGRESS:
            self.close_button.setFocus()
        else:
            self.result_text.setFocus()

    def _fill_recipients(self) -> None:
        self._recipients = self._exports.recipients()
        self.recipient.blockSignals(True)
        self.recipient.clear()
        suggested = [r for r in self._recipients if self._record.form_id in r.forms]
        others = [r for r in self._recipients if r not in suggested]
        if not suggested:
            self.recipient.addItem("Choose a recipient…", "")
        for r in suggested:
            self.recipient.addItem(
                plain_text(r.label, one_line=True, limit=120) + " (suggested for this form)", r.id
            )
        for r in others:
            self.recipient.addItem(plain_text(r.label, one_line=True, limit=120), r.id)
        self.recipient.setCurrentIndex(0)
        self.recipient.blockSignals(False)

    def _fill_records(self) -> None:
        self.records.clear()
        try:
            candidates = self._exports.records_for_referral(self._record.subject_id)
        except HavenError:
            candidates = [self._record]
        for record in candidates:
            if record.superseded_by:
                continue
            try:
                title = self._haven.form_for(record).title
            except HavenError:
                title = record.form_id
            try:
                self._exports.require_permission(record)
                permitted = True
            except HavenError:
                permitted = False
            text = f"{plain_text(title, one_line=True)} · {plain_text(record.ref, one_line=True)}"
            if record.completed_at:
                text += f" · completed {when_text(record.completed_at)}"
            if not permitted:
                text += " · no decision to share it"
            item = QListWidgetItem(text)
            item.setData(RECORD_ROLE, record.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
            if permitted:
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(
                    Qt.CheckState.Checked
                    if record.id == self._record.id
                    else Qt.CheckState.Unchecked
                )
            else:
                item.setFlags(Qt.ItemFlag.ItemIsSelectable)
            self.records.addItem(item)
            if record.id == self._record.id:
                self.records.setCurrentItem(item)

    def _signing_ready(self) -> bool:
        try:
            self._exports.signing_identity()
        except HavenError:
            return False
        return True

    def _update_signing(self) -> None:
        ready = self._signing_ready()
        if ready:
            self.signing_status.setText("Signed with your organisation's certificate.")
        else:
            self.signing_status.setText(
                "No signing certificate is set up yet. PDFs and packages are signed, so set "
                "one up first."
            )
        self.signing_status.setAccessibleName(self.signing_status.text())
        self.signing_button.setVisible(not ready)
        self._signing_ok = ready

    def signing_changed(self) -> None:
        """Settings were closed: the certificate may now be there."""
        if self.page == self.PAGE_OPTIONS:
            self._update_signing()
            self._update_options()

    def _update_options(self) -> None:
        training = self._haven.training
        if training:
            self.package_check.setChecked(False)
        self.package_check.setEnabled(not training)
        self.package_check.setAccessibleDescription(
            TRAINING_NEVER_SENDS
            if training
            else "Build an encrypted, signed package for a recipient and queue it or save "
            "it for your mail client."
        )
        if training:
            self.package_check.setToolTip(TRAINING_NEVER_SENDS)
        self.training_note.setVisible(training)
        self.package_box.setVisible(self.package_check.isChecked())
        self.package_box.setEnabled(self.package_check.isChecked() and not training)
        self._update_recipient()
        chosen = self.pdf_check.isChecked() or self.package_check.isChecked()
        self.export_button.setEnabled(chosen and self._signing_ok)

    def _current_recipient(self) -> Recipient | None:
        rid = self.recipient.currentData()
        for r in self._recipients:
            if r.id == rid:
                return r
        return None

    def _update_recipient(self) -> None:
        r = self._current_recipient()
        if r is None:
            text = "Choose who should receive the package."
        else:
            lines = []
            if r.mailbox:
                lines.append(f"Mailbox: {plain_text(r.mailbox, one_line=True, limit=200)}")
            else:
                lines.append("No mailbox is set up for this recipient: add one in Settings.")
            if r.certificate_pem:
                lines.append("Encrypted to the recipient's certificate (S/MIME).")
            else:
                lines.append(
                    "No certificate for this recipient: the files go in an encrypted archive "
                    "and Haven shows you its passphrase once, to send by another channel."
                )
            if r.locked:
                lines.append("Set by your organisation.")
            text = "\n".join(lines)
        self.recipient_info.setText(text)
        self.recipient_info.setAccessibleName(text)

    def select_recipient(self, recipient_id: str) -> bool:
        index = self.recipient.findData(recipient_id)
        if index < 0:
            return False
        self.recipient.setCurrentIndex(index)
        return True

    def checked_record_ids(self) -> list[str]:
        ids = []
        for row in range(self.records.count()):
            item = self.records.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ids.append(str(item.data(RECORD_ROLE)))
        return ids

    # ---- actions ----------------------------------------------------------------------------

    def record_decision(self) -> None:
        """Open (or start) the sharing-decision form as a child record of this one."""
        try:
            form_id = self._exports.sharing_form_id()
            drafts = [
                r for r in self._haven.repo.children_of(self._record.id, form_id) if r.is_draft
            ]
            draft = (
                drafts[0]
                if drafts
                else self._haven.start_record(
                    self._record.subject_id, form_id, parent_id=self._record.id
                )
            )
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self.decision_started.emit(self._record.id, draft.id)
        self.accept()

    def _job(self) -> ExportJob | None:
        """The user's choices as a job, asking where to save; None when not ready."""
        self.options_error.clear_message()
        want_pdf = self.pdf_check.isChecked()
        want_package = self.package_check.isChecked() and not self._haven.training
        if not (want_pdf or want_package):
            self.options_error.show_message("Choose a signed PDF, a secure package, or both.")
            self.pdf_check.setFocus()
            return None
        recipient = self._current_recipient() if want_package else None
        record_ids: list[str] = []
        if want_package:
            if recipient is None:
                self.options_error.show_message("Choose who should receive the package.")
                self.recipient.setFocus()
                return None
            if not recipient.mailbox:
                self.options_error.show_message(
                    "This recipient has no mailbox set up yet. Add it in Settings, Recipients."
                )
                self.recipient.setFocus()
                return None
            record_ids = self.checked_record_ids()
            if not record_ids:
                self.options_error.show_message("Tick at least one record to include.")
                self.records.setFocus()
                return None
        stem = safe_file_stem(self._record.ref)
        pdf_path = None
        if want_pdf:
            pdf_path = ask_save_path(
                self, "Save the signed PDF", f"{stem}.pdf", "PDF documents (*.pdf)"
            )
            if pdf_path is None:
                return None
        queue = self.queue_radio.isChecked()
        eml_path = None
        if want_package and not queue:
            eml_path = ask_save_path(
                self, "Save the email file", f"{stem}.eml", "Email messages (*.eml)"
            )
            if eml_path is None:
                return None
        return ExportJob(
            record_id=self._record.id,
            pdf_path=pdf_path,
            package_record_ids=tuple(record_ids),
            recipient_label=recipient.label if recipient else "",
            mailbox=recipient.mailbox if recipient else "",
            certificate_pem=recipient.certificate_pem if recipient else "",
            queue=queue,
            eml_path=eml_path,
        )

    def start_export(self) -> None:
        if self._running or self.page != self.PAGE_OPTIONS:
            return
        job = self._job()
        if job is None:
            return
        self._stop = threading.Event()
        self._running = True
        self._stopping = False
        self.progress.setValue(0)
        self.progress_text.setText("Starting…")
        self._set_page(self.PAGE_PROGRESS)
        self._task = run_task(
            run_export,
            self._exports,
            job,
            self._stop,
            context=self,
            on_success=self._succeeded,
            on_failure=self._failed,
            on_progress=self._progressed,
            on_finished=self._task_finished,
        )

    def _progressed(self, percent: int, text: str) -> None:
        if self._stopping:
            return
        self.progress.setValue(percent)
        self.progress_text.setText(plain_text(text, one_line=True))
        self.progress.setAccessibleDescription(f"{percent}% - {self.progress_text.text()}")

    def _task_finished(self) -> None:
        self._task = None
        self._running = False

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.exported.emit(self._record.id)
        self._set_page(self.PAGE_OPTIONS)
        if isinstance(exc, ExportCancelled):
            self.options_error.show_message("Export cancelled. Nothing more was saved or queued.")
            return
        show_error(self, exc)

    def _succeeded(self, result: object) -> None:
        self._running = False
        if not isinstance(result, ExportOutcome):
            return
        self.exported.emit(self._record.id)
        self.result_text.setText(self._result_lines(result))
        self.result_text.setAccessibleName("Export result")
        self.result_text.setAccessibleDescription(self.result_text.text())
        self._set_page(self.PAGE_RESULT)
        passphrase, result.passphrase = result.passphrase, None
        if passphrase:
            self.passphrase_dialog = PassphraseDialog(
                passphrase,
                result.recipient_label,
                _clipboard_guard(self._clipboard),
                self,
                training=self._haven.training,
            )
            dialog = self.passphrase_dialog
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.finished.connect(lambda _r: self._passphrase_closed())
            dialog.open()
            dialog.activateWindow()

    def _passphrase_closed(self) -> None:
        self.passphrase_dialog = None
        self.result_text.setFocus()

    def _result_lines(self, outcome: ExportOutcome) -> str:
        lines: list[str] = []
        if outcome.pdf_path is not None:
            lines.append(
                "The signed PDF was saved to:\n" + plain_text(str(outcome.pdf_path), limit=500)
            )
        label = plain_text(outcome.recipient_label, one_line=True, limit=120)
        if outcome.outbox_id is not None:
            lines.append(
                f"Queued in the outbox for {label}. Haven sends it from My work (Send now) "
                "using the mail server in Settings."
            )
        if outcome.eml_path is not None:
            lines.append(
                "The email file was saved to:\n"
                + plain_text(str(outcome.eml_path), limit=500)
                + "\nOpen it with your mail program and send it."
            )
        if outcome.outbox_id is not None or outcome.eml_path is not None:
            if outcome.encrypted_to_certificate:
                lines.append("The package is signed and encrypted to the recipient's certificate.")
            else:
                lines.append(
                    "The package is an encrypted archive. Send its passphrase, which you were "
                    "shown once, by another channel: never in the same email."
                )
        return "\n\n".join(lines) or "Nothing was exported."

    def _request_stop(self) -> None:
        if not self._running:
            return
        self._stopping = True
        self._stop.set()
        self.progress_text.setText("Stopping…")

    def reject(self) -> None:
        """Cancel while working stops the work (the dialog stays to say what happened);
        otherwise it closes."""
        if self._running:
            self._request_stop()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._stop.set()
        super().done(result)
