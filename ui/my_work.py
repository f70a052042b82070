"""My work: drafts (and whether each still has errors), what needs action, the outbox.

SPEC 3: "every draft in a list shows whether it has errors" (Record.problem_count, kept by
the service at every autosave). The outbox's "Send now" only emits `send_requested`: the
export/outbox engineer's code connects to it (MainWindow.send_outbox_requested).
A training profile can never send (app.errors.TrainingProfileCannotSend), so the button is
disabled there with a description that says why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import Record
from app.errors import HavenError
from app.service import Haven
from ui import plain_text
from ui.theme import heading
from ui.times import when_text

ID_ROLE = Qt.ItemDataRole.UserRole


def problems_text(record: Record) -> str:
    if record.problem_count <= 0:
        return "No errors"
    n = record.problem_count
    return f"{n} error{'s' if n != 1 else ''} to fix"


class MyWorkView(QWidget):
    open_record = Signal(str)
    send_requested = Signal(str)

    def __init__(self, haven: Haven, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myWorkView")
        self._haven = haven
        layout = QVBoxLayout(self)
        layout.addWidget(heading("My work", self))

        layout.addWidget(heading("Drafts", self, level=2))
        self.drafts = QTreeWidget(self)
        self.drafts.setObjectName("draftsList")
        self.drafts.setHeaderLabels(["Record", "Form", "Child", "Last saved", "Errors"])
        self.drafts.setRootIsDecorated(False)
        self.drafts.setAlternatingRowColors(True)
        self.drafts.setAccessibleName("Drafts")
        self.drafts.setAccessibleDescription(
            "Your unfinished records and whether each still has errors. Press Enter to open."
        )
        self.drafts.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.drafts.header().setAccessibleName("Draft columns")
        layout.addWidget(self.drafts, 2)

        layout.addWidget(heading("Needs action", self, level=2))
        self.needs = QListWidget(self)
        self.needs.setObjectName("needsActionList")
        self.needs.setAccessibleName("Needs action")
        self.needs.setAccessibleDescription(
            "Overdue return interviews, repeat missing episodes and follow-up forms not "
            "started. Press Enter to open the record, where there is one."
        )
        self.needs.setWordWrap(True)
        layout.addWidget(self.needs, 1)

        layout.addWidget(heading("Outbox", self, level=2))
        self.outbox = QTreeWidget(self)
        self.outbox.setObjectName("outboxList")
        self.outbox.setHeaderLabels(["To", "Status", "Attempts", "Last result"])
        self.outbox.setRootIsDecorated(False)
        self.outbox.setAccessibleName("Outbox")
        self.outbox.setAccessibleDescription("Packages waiting to be sent, and failed ones.")
        self.outbox.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.outbox.header().setAccessibleName("Outbox columns")
        layout.addWidget(self.outbox, 1)

        row = QHBoxLayout()
        self.send_button = QPushButton("Send no&w", self)  # Alt+N is New child
        self.send_button.setObjectName("sendNowButton")
        self.send_button.setAccessibleName("Send now")
        if haven.training:
            self.send_button.setAccessibleDescription("A training profile never sends anything.")
            self.send_button.setToolTip("A training profile never sends anything.")
        else:
            self.send_button.setAccessibleDescription(
                "Try now to send every package waiting in the outbox."
            )
        row.addStretch(1)
        row.addWidget(self.send_button)
        layout.addLayout(row)

        self.drafts.itemActivated.connect(lambda item, _c: self._open(item.data(0, ID_ROLE)))
        self.needs.itemActivated.connect(lambda item: self._open(item.data(ID_ROLE)))
        self.send_button.clicked.connect(self._send)
        self.outbox.currentItemChanged.connect(lambda *_: self._update_send())
        self.refresh()

    def refresh(self) -> None:
        work = self._haven.my_work()
        self.drafts.clear()
        refs: dict[str, str] = {}
        for record in work.drafts:
            child_ref = refs.get(record.subject_id)
            if child_ref is None:
                try:
                    child_ref = self._haven.child(record.subject_id).ref
                except HavenError:
                    child_ref = ""
                refs[record.subject_id] = child_ref
            try:
                title = self._haven.form_for(record).title
            except HavenError:
                title = record.form_id
            item = QTreeWidgetItem(
                [
                    plain_text(record.ref, one_line=True),
                    plain_text(title, one_line=True),
                    plain_text(child_ref, one_line=True),
                    when_text(record.updated_at),
                    problems_text(record),
                ]
            )
            item.setData(0, ID_ROLE, record.id)
            self.drafts.addTopLevelItem(item)
        for column in (0, 2, 3, 4):
            self.drafts.resizeColumnToContents(column)

        self.needs.clear()
        for maybe_record, message in work.needs_action:
            line = QListWidgetItem(plain_text(message, one_line=True, limit=300))
            line.setData(ID_ROLE, maybe_record.id if maybe_record is not None else None)
            self.needs.addItem(line)
        if not work.needs_action:
            empty = QListWidgetItem("Nothing needs action.")
            empty.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.needs.addItem(empty)

        self.outbox.clear()
        for out in work.outbox:
            row = QTreeWidgetItem(
                [
                    plain_text(out.recipient_label or out.recipient, one_line=True),
                    plain_text(out.status, one_line=True),
                    str(out.attempts),
                    plain_text(out.last_error or out.last_reply or "", one_line=True, limit=200),
                ]
            )
            row.setData(0, ID_ROLE, out.id)
            self.outbox.addTopLevelItem(row)
        self._update_send()

    def draft_count(self) -> int:
        return self.drafts.topLevelItemCount()

    def _update_send(self) -> None:
        self.send_button.setEnabled(
            not self._haven.training and self.outbox.currentItem() is not None
        )

    def _open(self, record_id: object) -> None:
        if record_id:
            self.open_record.emit(str(record_id))

    def _send(self) -> None:
        item = self.outbox.currentItem()
        if item is not None and not self._haven.training:
            self.send_requested.emit(str(item.data(0, ID_ROLE)))
