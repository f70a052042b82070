"""Export a completed record: the sharing decision first, then a signed PDF and/or a
secure package, made off the UI thread, with the results said plainly.

The order is the framework's, not a convenience: nothing leaves Haven without a recorded
information-sharing decision that permits it (Appendix 13; SPEC 2.5), so the dialog opens
on that decision and only offers the export once `Exports.require_permission` accepts it.
When no decision exists the user records one in the ordinary form screen (a child record
of this one); the main window brings the user back here when it is completed.

Everything slow - rendering, signing and verifying the PDF, building and encrypting the
package, writing files - runs in `app.export.job.run_export` through ui.workers (house
habit 3) with a progress bar and Cancel. The worker gets plain data (`ExportJob`), never
widgets. The steps, the gate and what each step needs are `app.export.wizard`'s, tested
without Qt; this dialog shows them (the options page is ui/export/options_page.py).

A package for a recipient without a certificate is an AES-256 archive whose passphrase
Haven shows ONCE (`PassphraseDialog`) and never stores: the user sends it by another
channel. A training profile can save PDFs (the core watermarks them) but never builds,
queues or sends a package (framework Standard 10).

No child's name appears in a title or a file name here: file names are the record's
opaque reference (SPEC 3).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import Record
from app.errors import InvalidState
from app.export.exports import Exports
from app.export.job import ExportCancelled, ExportJob, ExportOutcome, run_export, safe_file_stem
from app.export.wizard import (
    ChoiceField,
    ExportStep,
    choices_problem,
    decision_draft,
    decision_gate,
    effective_choices,
    export_job,
)
from app.service import Haven
from ui import plain_text
from ui.clipboard import ClipboardGuard
from ui.errors import InlineError, show_error
from ui.export.options_page import TRAINING_NEVER_SENDS, ExportOptionsPage
from ui.export.passphrase_dialog import PassphraseDialog, clipboard_guard
from ui.export.save_path import ask_save_path
from ui.theme import heading, training_banner
from ui.times import when_text
from ui.widgets.work_pages import ProgressPage, ResultPage
from ui.workers import Task, run_task

__all__ = ["TRAINING_NEVER_SENDS", "ExportDialog", "PassphraseDialog"]


class ExportDialog(QDialog):
    """Decision -> choices -> progress -> results, on one record."""

    decision_started = Signal(str, str)  # record id, decision draft id (open it)
    settings_requested = Signal(str)  # the settings tab to show ("signing")
    exported = Signal(str)  # record id: statuses changed, views should refresh

    PAGE_DECISION = int(ExportStep.DECISION)
    PAGE_OPTIONS = int(ExportStep.OPTIONS)
    PAGE_PROGRESS = int(ExportStep.PROGRESS)
    PAGE_RESULT = int(ExportStep.RESULT)

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
        self.options = ExportOptionsPage(haven, self._exports, record, self)
        self.pages.addWidget(self.options)
        self.progress_page = ProgressPage(
            self, title="Exporting", prefix="export", bar_name="Export progress"
        )
        self.pages.addWidget(self.progress_page)
        self.result_page = ResultPage(self, title="Export finished", prefix="export")
        self.pages.addWidget(self.result_page)
        layout.addWidget(self.pages, 1)
        # The options page's widgets, under the names the window and the tests use.
        opts = self.options
        self.decision_summary, self.signing_status = opts.decision_summary, opts.signing_status
        self.signing_button, self.pdf_check = opts.signing_button, opts.pdf_check
        self.package_check, self.training_note = opts.package_check, opts.training_note
        self.package_box, self.recipient = opts.package_box, opts.recipient
        self.recipient_info, self.records = opts.recipient_info, opts.records
        self.queue_radio, self.eml_radio = opts.queue_radio, opts.eml_radio
        self.options_error = opts.options_error
        self.progress_text, self.progress = self.progress_page.text, self.progress_page.bar
        self.result_text = self.result_page.text

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
        self.signing_button.clicked.connect(lambda: self.settings_requested.emit("signing"))
        self.options.exportable.connect(self.export_button.setEnabled)
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

    # ---- state ----------------------------------------------------------------------------

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    @property
    def running(self) -> bool:
        return self._running

    def refresh(self) -> None:
        """Decide which page to show from the record's current sharing decision."""
        gate = decision_gate(self._exports, self._record)
        if gate.decision is None:
            self._show_decision_needed(gate.refusal)
            return
        self.options.show_decision(gate.decision)
        self._update_options()
        self._set_page(self.PAGE_OPTIONS)

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

    def signing_changed(self) -> None:
        """Settings were closed: the certificate may now be there."""
        if self.page == self.PAGE_OPTIONS:
            self.options.update_signing()
            self._update_options()

    def _update_options(self) -> None:
        self.options.update_options()  # Export follows through `exportable`

    def select_recipient(self, recipient_id: str) -> bool:
        return self.options.select_recipient(recipient_id)

    def checked_record_ids(self) -> list[str]:
        return self.options.checked_record_ids()

    # ---- actions ----------------------------------------------------------------------------

    def record_decision(self) -> None:
        """Open (or start) the sharing-decision form as a child record of this one."""
        try:
            draft = decision_draft(self._exports, self._haven, self._record)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self.decision_started.emit(self._record.id, draft.id)
        self.accept()

    def _job(self) -> ExportJob | None:
        """The user's choices as a job, asking where to save; None when not ready."""
        self.options_error.clear_message()
        choices = effective_choices(self.options.choices(), training=self._haven.training)
        problem = choices_problem(choices)
        if problem is not None:
            self.options_error.show_message(problem.message)
            focus = {
                ChoiceField.KIND: self.pdf_check,
                ChoiceField.RECIPIENT: self.recipient,
                ChoiceField.RECORDS: self.records,
            }[problem.field]
            focus.setFocus()
            return None
        stem = safe_file_stem(self._record.ref)
        pdf_path = None
        if choices.want_pdf:
            pdf_path = ask_save_path(
                self, "Save the signed PDF", f"{stem}.pdf", "PDF documents (*.pdf)"
            )
            if pdf_path is None:
                return None
        eml_path = None
        if choices.want_package and not choices.queue:
            eml_path = ask_save_path(
                self, "Save the email file", f"{stem}.eml", "Email messages (*.eml)"
            )
            if eml_path is None:
                return None
        return export_job(self._record, choices, pdf_path=pdf_path, eml_path=eml_path)

    def start_export(self) -> None:
        if self._running or self.page != self.PAGE_OPTIONS:
            return
        job = self._job()
        if job is None:
            return
        self._stop = threading.Event()
        self._running = True
        self._stopping = False
        self.progress_page.restart()
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
        self.progress_page.show_progress(percent, text)

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
                clipboard_guard(self._clipboard),
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
