"""The export dialog's options: signed PDF and/or secure package, the recipient, which of
the child's records go in the package, and how it is delivered.

What may be chosen and what stops Export is app.export.wizard's; this page shows it. A
training profile can save PDFs but never sends (framework Standard 10), so the package
choice is disabled there and says why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.directory import Recipient
from app.domain import Record
from app.export.exports import Exports
from app.export.wizard import (
    ExportChoices,
    can_export,
    recipient_choices,
    referral_candidates,
    signing_ready,
)
from app.service import Haven
from ui import plain_text
from ui.errors import InlineError
from ui.times import when_text

TRAINING_NEVER_SENDS = "Training profiles never send anything."
RECORD_ROLE = Qt.ItemDataRole.UserRole


class ExportOptionsPage(QWidget):
    """The options step of the export wizard, for one record."""

    exportable = Signal(bool)  # whether Export may be pressed, after every change

    def __init__(self, haven: Haven, exports: Exports, record: Record, parent: QWidget) -> None:
        super().__init__(parent)
        self._haven = haven
        self._exports = exports
        self._record = record
        self._recipients: list[Recipient] = []
        self.signing_ok = False
        self.setObjectName("exportOptionsPage")
        box = QVBoxLayout(self)
        self.decision_summary = QLabel(self)
        self.decision_summary.setObjectName("decisionSummary")
        self.decision_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.decision_summary.setWordWrap(True)
        box.addWidget(self.decision_summary)

        signing_row = QHBoxLayout()
        self.signing_status = QLabel(self)
        self.signing_status.setObjectName("signingStatus")
        self.signing_status.setTextFormat(Qt.TextFormat.PlainText)
        self.signing_status.setWordWrap(True)
        signing_row.addWidget(self.signing_status, 1)
        self.signing_button = QPushButton("Set up &signing…", self)
        self.signing_button.setObjectName("setUpSigningButton")
        self.signing_button.setAccessibleName("Set up signing")
        self.signing_button.setAccessibleDescription(
            "Open Settings to import your organisation's signing certificate."
        )
        signing_row.addWidget(self.signing_button)
        box.addLayout(signing_row)

        self.pdf_check = QCheckBox("Save a signed &PDF", self)
        self.pdf_check.setObjectName("savePdfCheck")
        self.pdf_check.setChecked(True)
        self.pdf_check.setAccessibleName("Save a signed PDF")
        self.pdf_check.setAccessibleDescription(
            "A PDF of the completed record with your organisation's signature. You choose "
            "where to save it; its file name is the record reference."
        )
        box.addWidget(self.pdf_check)

        self.package_check = QCheckBox("Send a secure pa&ckage", self)
        self.package_check.setObjectName("sendPackageCheck")
        self.package_check.setAccessibleName("Send a secure package")
        box.addWidget(self.package_check)

        self.training_note = QLabel(TRAINING_NEVER_SENDS, self)
        self.training_note.setObjectName("trainingNeverSends")
        self.training_note.setTextFormat(Qt.TextFormat.PlainText)
        self.training_note.setWordWrap(True)
        box.addWidget(self.training_note)

        box.addWidget(self._build_package_box())

        self.options_error = InlineError(self)
        box.addWidget(self.options_error)
        box.addStretch(1)

        self.pdf_check.toggled.connect(lambda _on: self.update_options())
        self.package_check.toggled.connect(lambda _on: self.update_options())
        self.recipient.currentIndexChanged.connect(lambda _i: self._update_recipient())

    def _build_package_box(self) -> QWidget:
        self.package_box = QWidget(self)
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
        return self.package_box

    # ---- filling ------------------------------------------------------------------------

    def show_decision(self, decision: Record) -> None:
        """Fill the page for a record whose sharing decision permits the export."""
        self.decision_summary.setText(_decision_line(decision))
        self._fill_recipients()
        self._fill_records()
        self.update_signing()
        self.update_options()

    def _fill_recipients(self) -> None:
        self._recipients = self._exports.recipients()
        self.recipient.blockSignals(True)
        self.recipient.clear()
        choices = recipient_choices(self._recipients, self._record.form_id)
        if not any(c.suggested for c in choices):
            self.recipient.addItem("Choose a recipient…", "")
        for choice in choices:
            label = plain_text(choice.recipient.label, one_line=True, limit=120)
            if choice.suggested:
                label += " (suggested for this form)"
            self.recipient.addItem(label, choice.recipient.id)
        self.recipient.setCurrentIndex(0)
        self.recipient.blockSignals(False)

    def _fill_records(self) -> None:
        self.records.clear()
        for candidate in referral_candidates(self._exports, self._haven, self._record):
            record = candidate.record
            text = (
                f"{plain_text(candidate.title, one_line=True)} · "
                f"{plain_text(record.ref, one_line=True)}"
            )
            if record.completed_at:
                text += f" · completed {when_text(record.completed_at)}"
            if not candidate.permitted:
                text += " · no decision to share it"
            item = QListWidgetItem(text)
            item.setData(RECORD_ROLE, record.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
            if candidate.permitted:
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(
                    Qt.CheckState.Checked if candidate.checked else Qt.CheckState.Unchecked
                )
            else:
                item.setFlags(Qt.ItemFlag.ItemIsSelectable)
            self.records.addItem(item)
            if record.id == self._record.id:
                self.records.setCurrentItem(item)

    def update_signing(self) -> None:
        ready = signing_ready(self._exports)
        if ready:
            self.signing_status.setText("Signed with your organisation's certificate.")
        else:
            self.signing_status.setText(
                "No signing certificate is set up yet. PDFs and packages are signed, so set "
                "one up first."
            )
        self.signing_status.setAccessibleName(self.signing_status.text())
        self.signing_button.setVisible(not ready)
        self.signing_ok = ready

    def update_options(self) -> bool:
        """Show what the choices allow; returns whether Export may be pressed."""
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
        ready = can_export(
            want_pdf=self.pdf_check.isChecked(),
            want_package=self.package_check.isChecked(),
            signing_ok=self.signing_ok,
        )
        self.exportable.emit(ready)
        return ready

    def current_recipient(self) -> Recipient | None:
        rid = self.recipient.currentData()
        for r in self._recipients:
            if r.id == rid:
                return r
        return None

    def _update_recipient(self) -> None:
        r = self.current_recipient()
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

    def choices(self) -> ExportChoices:
        """What is ticked and picked, as plain values for app.export.wizard."""
        want_package = self.package_check.isChecked()
        return ExportChoices(
            want_pdf=self.pdf_check.isChecked(),
            want_package=want_package,
            recipient=self.current_recipient() if want_package else None,
            record_ids=tuple(self.checked_record_ids()) if want_package else (),
            queue=self.queue_radio.isChecked(),
        )


def _decision_line(decision: Record) -> str:
    when = when_text(decision.completed_at) if decision.completed_at else ""
    by = plain_text(decision.completed_by or "", one_line=True, limit=80)
    text = f"Information-sharing decision {plain_text(decision.ref, one_line=True)}"
    if by:
        text += f" by {by}"
    if when:
        text += f", {when}"
    return text + ": share."
