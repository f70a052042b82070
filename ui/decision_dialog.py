"""The DSL's decision on a received record: mark it reviewed (an optional note) or return it
to its author for amending (a reason, required).

The rules and the signed return package are app.exchange's; this dialog asks, runs the
work off the UI thread (building, signing and queueing a return takes a moment) and says
what happened. Text from the other Haven passes through `plain_text` before a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import plain_text
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.workers import run_task

if TYPE_CHECKING:
    from app.exchange.relay import Exchange


class DecisionDialog(QDialog):
    """Mark a received record reviewed (an optional note) or return it to its author (a
    reason, required). The work runs off the UI thread; the dialog stays until it is done.
    """

    decided = Signal(str)  # record id

    REVIEW, RETURN = "review", "return"

    def __init__(
        self,
        exchange: Exchange,
        record_id: str,
        kind: str,
        parent: QWidget | None = None,
        *,
        about: str = "",
    ) -> None:
        super().__init__(parent)
        self._exchange = exchange
        self._record_id = record_id
        self.kind = kind
        self._running = False
        returning = kind == self.RETURN
        title = "Return to author" if returning else "Mark reviewed"
        self.setObjectName("returnDialog" if returning else "reviewDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        if exchange.haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading(title, self))
        if about:
            line = QLabel(plain_text(about, one_line=True, limit=300), self)
            line.setObjectName("decisionAbout")
            line.setTextFormat(Qt.TextFormat.PlainText)
            line.setWordWrap(True)
            layout.addWidget(line)
        if returning:
            prompt = (
                "&Why are you returning it? Its author sees this and amends the record. (Required)"
            )
        else:
            prompt = "&Note about your review (optional)"
        label = QLabel(prompt, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("returnReason" if returning else "reviewNote")
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName("Reason for returning it" if returning else "Review note")
        label.setBuddy(self.text)
        layout.addWidget(self.text, 1)
        self.error = InlineError(self)
        layout.addWidget(self.error)

        self.busy = QProgressBar(self)
        self.busy.setObjectName("decisionBusy")
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Returning the record" if returning else "Saving")
        self.busy.setVisible(False)
        layout.addWidget(self.busy)

        buttons = QDialogButtonBox(self)
        self.ok_button: QPushButton = buttons.addButton(
            "&Return to author" if returning else "&Mark reviewed",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.ok_button.setObjectName("confirmReturnButton" if returning else "confirmReviewButton")
        self.ok_button.setAccessibleName(title)
        if returning:
            self.ok_button.setAccessibleDescription(
                "Signs and encrypts the record's return for its author and puts it in the outbox."
            )
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text.setFocus()

    @property
    def running(self) -> bool:
        return self._running

    def submit(self) -> None:
        if self._running:
            return
        text = self.text.toPlainText().strip()
        if self.kind == self.RETURN and not text:
            self.error.show_message(
                "Say why you are returning the record, so its author knows what to amend."
            )
            self.text.setFocus()
            return
        self.error.clear_message()
        self._running = True
        self.ok_button.setEnabled(False)
        self.text.setReadOnly(True)
        self.busy.setVisible(True)
        if self.kind == self.RETURN:
            run_task(
                self._exchange.return_to_author,
                self._record_id,
                text,
                queue=True,
                context=self,
                on_success=self._succeeded,
                on_failure=self._failed,
            )
        else:
            run_task(
                self._exchange.mark_reviewed,
                self._record_id,
                text,
                context=self,
                on_success=self._succeeded,
                on_failure=self._failed,
            )

    def _succeeded(self, _result: object) -> None:
        self._running = False
        self.decided.emit(self._record_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.busy.setVisible(False)
        self.text.setReadOnly(False)
        self.ok_button.setEnabled(True)
        show_error(self, exc)

    def reject(self) -> None:
        if self._running:
            return  # the return is being signed and queued; it finishes in a moment
        super().reject()
