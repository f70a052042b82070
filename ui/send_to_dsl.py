"""Send a completed record to my designated safeguarding lead's Haven (issue 9).

The record goes as a signed package encrypted to the DSL's certificate, queued in the
outbox (app.exchange.relay.Exchange.send_record). As for every export the sharing
decision comes first (Appendix 13): without one the dialog says so and starts it in the
ordinary form screen, and the main window brings the user back here when it is completed.
Who the DSL is comes from the "dsl" recipient (Settings, Recipients); when their mailbox
or certificate is missing the dialog says so plainly and offers Settings.

Signing, packaging and encrypting run off the UI thread (ui.workers) with a busy
indicator. A training profile never sends (Standard 10): the dialog says so and Send
stays disabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.directory import Recipient
from app.domain import Record
from app.errors import ExportError, HavenError, InvalidState
from app.export.exports import Exports
from app.export.packaging import ExportedPackage
from app.service import Haven
from ui import plain_text
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.times import when_text
from ui.workers import run_task

if TYPE_CHECKING:
    from app.exchange.relay import Exchange

DSL = "dsl"
TRAINING_NEVER_SENDS = "Training profiles never send anything."


def send_to_dsl_button(parent: QWidget) -> QPushButton:
    """The form view's "Send to my DSL…" button (the form view only places it)."""
    button = QPushButton("Send to my &DSL…", parent)
    button.setObjectName("sendToDslButton")
    button.setAccessibleName("Send to my DSL")
    button.setAccessibleDescription(
        "Send this record, signed and encrypted, to your designated safeguarding lead's "
        "Haven, after the information-sharing decision."
    )
    return button


def send_record_to_dsl(exchange: Exchange, record_id: str) -> ExportedPackage:
    """Worker: sign, package, encrypt and queue the record for the DSL."""
    return exchange.send_record(record_id, DSL, queue=True)


def start_decision(haven: Haven, exports: Exports, record: Record) -> Record:
    """The sharing-decision draft of `record`: the one already started, or a new one (as
    Export does, so both lead to the same draft)."""
    form_id = exports.sharing_form_id()
    drafts = [r for r in haven.repo.children_of(record.id, form_id) if r.is_draft]
    if drafts:
        return drafts[0]
    return haven.start_record(record.subject_id, form_id, parent_id=record.id)


class SendToDslDialog(QDialog):
    """Who it goes to, the sharing decision, then Send; the result said plainly."""

    decision_started = Signal(str, str)  # record id, decision draft id (open it)
    settings_requested = Signal(str)  # the settings tab to show
    queued = Signal(str)  # record id: statuses changed, views should refresh
    send_now_requested = Signal()

    def __init__(
        self,
        haven: Haven,
        record_id: str,
        parent: QWidget | None = None,
        *,
        exchange: Exchange | None = None,
    ) -> None:
        # Checked before the dialog exists, so a refusal leaves no half-built dialog behind.
        record = haven.record(record_id)
        if record.is_draft:
            raise InvalidState("Complete the record before sending it.")
        if exchange is None:
            from ui.received import exchange_for

            exchange = exchange_for(haven)
        if exchange.provenance(record.id) is not None:
            raise InvalidState(
                "This record was received from another Haven; send it on as a referral "
                "(Export), not back through your DSL."
            )
        form_title = haven.form_for(record).title
        super().__init__(parent)
        self._haven = haven
        self._exchange = exchange
        self._exports = exchange.exports
        self._record = record
        self._recipient: Recipient | None = None
        self._running = False
        self._sent = False

        ref = plain_text(record.ref, one_line=True, limit=40)
        self.setObjectName("sendToDslDialog")
        self.setWindowTitle(f"Send record {ref} to my DSL")
        self.setAccessibleName(f"Send record {ref} to my DSL")
        self.resize(600, 420)
        layout = QVBoxLayout(self)
        if haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("Send to my DSL", self))
        about = f"{plain_text(form_title, one_line=True)}, record {ref}"
        if record.completed_at:
            about += f", completed {when_text(record.completed_at)}"
        self.about = self._text_label("sendRecordLine", about + ".")
        layout.addWidget(self.about)

        layout.addWidget(heading("Who it goes to", self, level=2))
        self.recipient_text = self._text_label("dslRecipient")
        layout.addWidget(self.recipient_text)
        self.settings_button = QPushButton("Set up my DSL in &Settings…", self)
        self.settings_button.setObjectName("dslSettingsButton")
        self.settings_button.setAccessibleName("Set up my DSL in Settings")
        self.settings_button.setAccessibleDescription(
            "Open Settings, Recipients, to add your DSL's email address and certificate."
        )
        layout.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.signing_text = self._text_label("dslSigningStatus")
        layout.addWidget(self.signing_text)
        self.signing_button = QPushButton("Set up si&gning…", self)
        self.signing_button.setObjectName("dslSigningButton")
        self.signing_button.setAccessibleName("Set up signing")
        self.signing_button.setAccessibleDescription(
            "Open Settings to import your organisation's signing certificate."
        )
        layout.addWidget(self.signing_button, 0, Qt.AlignmentFlag.AlignLeft)

        layout.addWidget(heading("Information-sharing decision", self, level=2))
        self.decision_text = self._text_label("dslDecision")
        layout.addWidget(self.decision_text)
        self.decision_error = InlineError(self)
        layout.addWidget(self.decision_error)
        self.decision_button = QPushButton("&Record the sharing decision…", self)
        self.decision_button.setObjectName("dslRecordDecisionButton")
        self.decision_button.setAccessibleName("Record the sharing decision")
        self.decision_button.setAccessibleDescription(
            "Opens the information-sharing decision form for this record. When you complete "
            "it, Haven brings you back here."
        )
        layout.addWidget(self.decision_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.training_note = self._text_label("dslTrainingNote", TRAINING_NEVER_SENDS)
        self.training_note.setVisible(haven.training)
        layout.addWidget(self.training_note)

        self.busy = QProgressBar(self)
        self.busy.setObjectName("sendBusy")
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Signing, encrypting and queueing the record")
        self.busy.setVisible(False)
        layout.addWidget(self.busy)
        self.result_text = self._text_label("sendResult")
        self.result_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.result_text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.result_text.setVisible(False)
        layout.addWidget(self.result_text)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.send_button = QPushButton("&Send", self)
        self.send_button.setObjectName("startSendToDslButton")
        self.send_button.setAccessibleName("Send")
        self.send_button.setAccessibleDescription(
            "Sign and encrypt the record for your DSL and put it in the outbox."
        )
        self.send_button.setDefault(True)
        self.send_now_button = QPushButton("Send &now", self)
        self.send_now_button.setObjectName("dslSendNowButton")
        self.send_now_button.setAccessibleName("Send now")
        self.send_now_button.setAccessibleDescription(
            "Try now to send every package waiting in the outbox."
        )
        self.send_now_button.setVisible(False)
        self.close_button = QPushButton("Cancel", self)
        self.close_button.setObjectName("closeSendToDslButton")
        self.close_button.setAccessibleName("Cancel")
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.send_now_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.settings_button.clicked.connect(lambda: self.settings_requested.emit("recipients"))
        self.signing_button.clicked.connect(lambda: self.settings_requested.emit("signing"))
        self.decision_button.clicked.connect(self.record_decision)
        self.send_button.clicked.connect(self.send)
        self.send_now_button.clicked.connect(self._send_now)
        self.close_button.clicked.connect(self.reject)
        self.refresh()

    def _text_label(self, name: str, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        return label

    # ---- state ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def ready(self) -> bool:
        return self.send_button.isEnabled()

    def refresh(self) -> None:
        """Say who it goes to and whether it may go; called again after Settings."""
        recipient_ok = self._update_recipient()
        signing_ok = self._update_signing()
        decision_ok = self._update_decision()
        self.send_button.setVisible(not self._sent)
        self.send_button.setEnabled(
            recipient_ok and signing_ok and decision_ok and not self._haven.training
        )

    def _update_recipient(self) -> bool:
        try:
            recipient: Recipient | None = self._exports.recipient(DSL)
        except HavenError:
            recipient = None
        self._recipient = recipient
        if recipient is None:
            text = (
                "Haven has no designated safeguarding lead in its list of recipients. Ask IT "
                "to add one."
            )
            ready = False
        else:
            label = plain_text(recipient.label, one_line=True, limit=120)
            mailbox = plain_text(recipient.mailbox, one_line=True, limit=200)
            if recipient.mailbox and recipient.certificate_pem:
                text = f"To: {label} ({mailbox}). Encrypted to their certificate."
                ready = True
            elif recipient.mailbox:
                text = (
                    f"To: {label} ({mailbox}). Haven does not have their certificate yet, so it "
                    "cannot encrypt the record for them. Add it in Settings, Recipients."
                )
                ready = False
            else:
                text = (
                    f"{label} is not set up yet: Haven needs their email address and their "
                    "certificate. Add them in Settings, Recipients."
                )
                ready = False
        self.recipient_text.setText(text)
        self.recipient_text.setAccessibleName(text)
        self.settings_button.setVisible(recipient is not None and not ready)
        return ready

    def _update_signing(self) -> bool:
        try:
            self._exports.signing_identity()
            ready = True
        except HavenError:
            ready = False
        text = (
            "Signed with your organisation's certificate."
            if ready
            else "No signing certificate is set up yet. Records are signed before they are "
            "sent, so set one up first."
        )
        self.signing_text.setText(text)
        self.signing_text.setAccessibleName(text)
        self.signing_button.setVisible(not ready)
        return ready

    def _update_decision(self) -> bool:
        try:
            decision = self._exports.require_permission(self._record)
        except ExportError as exc:
            none_yet = self._exports.decision_for(self._record.id) is None
            if none_yet:
                text = (
                    "No information-sharing decision is recorded for this record. Nothing "
                    "leaves Haven without one (Appendix 13): record what will be shared, with "
                    "whom, why, and the consent position. Sending continues when the decision "
                    "is completed."
                )
                self.decision_error.clear_message()
                self.decision_button.setText("&Record the sharing decision…")
            else:
                text = (
                    "The information-sharing decision recorded for this record does not "
                    "permit sharing it."
                )
                self.decision_error.show_message(exc.message)
                self.decision_button.setText("&Record a new decision…")
            self.decision_text.setText(text)
            self.decision_text.setAccessibleName(text)
            self.decision_button.setVisible(not self._sent)
            return False
        by = plain_text(decision.completed_by or "", one_line=True, limit=80)
        text = f"Information-sharing decision {plain_text(decision.ref, one_line=True)}"
        if by:
            text += f" by {by}"
        if decision.completed_at:
            text += f", {when_text(decision.completed_at)}"
        text += ": share."
        self.decision_text.setText(text)
        self.decision_text.setAccessibleName(text)
        self.decision_error.clear_message()
        self.decision_button.setVisible(False)
        return True

    # ---- actions ----------------------------------------------------------------------------

    def record_decision(self) -> None:
        """Open (or start) the sharing-decision form as a child record of this one."""
        try:
            draft = start_decision(self._haven, self._exports, self._record)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self.decision_started.emit(self._record.id, draft.id)
        self.accept()

    def send(self) -> None:
        if self._running or self._sent or not self.send_button.isEnabled():
            return
        self._running = True
        self.send_button.setEnabled(False)
        self.decision_button.setEnabled(False)
        self.busy.setVisible(True)
        self.close_button.setEnabled(False)
        run_task(
            send_record_to_dsl,
            self._exchange,
            self._record.id,
            context=self,
            on_success=self._succeeded,
            on_failure=self._failed,
        )

    def _succeeded(self, _package: object) -> None:
        self._running = False
        self._sent = True
        self.busy.setVisible(False)
        label = plain_text(
            self._recipient.label if self._recipient else "your DSL", one_line=True, limit=120
        )
        text = f"Queued for {label}. It is sent when Haven is online (Send now)."
        self.result_text.setText(text)
        self.result_text.setAccessibleName("Sent to my DSL")
        self.result_text.setAccessibleDescription(text)
        self.result_text.setVisible(True)
        self.send_button.setVisible(False)
        self.send_now_button.setVisible(not self._haven.training)
        self.close_button.setEnabled(True)
        self.close_button.setText("&Close")
        self.close_button.setAccessibleName("Close")
        self.result_text.setFocus()
        self.queued.emit(self._record.id)

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.busy.setVisible(False)
        self.close_button.setEnabled(True)
        self.decision_button.setEnabled(True)
        self.refresh()
        show_error(self, exc)

    def _send_now(self) -> None:
        self.send_now_requested.emit()
        self.accept()

    def reject(self) -> None:
        """While the record is being signed and queued the dialog stays: it finishes in a
        moment, and closing then would hide whether it was queued."""
        if self._running:
            return
        super().reject()
