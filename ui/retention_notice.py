"""The warning before retention deletes anything (SPEC 3: "purged, with a warning first").

A banner the main window shows after unlock when records fall due under the retention
policy within its notice period (30 days unless the organisation says otherwise), with a
"Show" button listing them by reference, form and due date. Which records are due is
app.retention's decision; working it out reads the whole store, so `load` runs it off
the UI thread (ui.workers) and the banner only shows the plain values that come back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import HavenError
from app.forms.dates import format_date
from app.service import Haven
from ui import plain_text
from ui.accessibility import post_alert
from ui.workers import Task, run_task

if TYPE_CHECKING:
    from app.retention import DueRecord

ID_ROLE = Qt.ItemDataRole.UserRole


def upcoming(haven: Haven) -> tuple[list[DueRecord], int]:
    """What falls due within the policy's notice period, and that period (worker side)."""
    # Imported here, after the window has painted: app.retention is not needed to show it.
    from app.retention import due_for_purge, load_policy

    policy = load_policy()
    return due_for_purge(haven, None, policy.notice_days, policy=policy), policy.notice_days


def notice_text(count: int, days: int) -> str:
    records = "1 record is" if count == 1 else f"{count} records are"
    within = "in the next day" if days == 1 else f"in the next {days} days"
    return f"{records} due to be deleted under your organisation's retention policy {within}."


def due_text(item: DueRecord, now: datetime) -> str:
    if item.is_due(now):
        return "Due now"
    return format_date(item.due_at.astimezone().date())


class RetentionNotice(QFrame):
    """A banner saying how many records are due to be deleted, with the list on demand.

    Hidden while nothing is due. `dismissed` tells the window the user closed it.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retentionNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self._task: Task | None = None
        self._items: list[DueRecord] = []

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.message = QLabel(self)
        self.message.setObjectName("retentionNoticeText")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.show_button = QPushButton("Show l&ist", self)  # Alt+S, Alt+H: Search, Help
        self.show_button.setObjectName("retentionNoticeShow")
        self.show_button.setCheckable(True)
        row.addWidget(self.show_button)
        self.dismiss_button = QPushButton("&Dismiss", self)
        self.dismiss_button.setObjectName("retentionNoticeDismiss")
        self.dismiss_button.setAccessibleName("Dismiss the retention notice")
        self.dismiss_button.setAccessibleDescription(
            "Hide this notice until Haven is next unlocked. Nothing is deleted."
        )
        row.addWidget(self.dismiss_button)
        layout.addLayout(row)

        self.list = QTreeWidget(self)
        self.list.setObjectName("retentionNoticeList")
        self.list.setHeaderLabels(["Reference", "Form", "Due to be deleted"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setAccessibleName("Records due to be deleted")
        self.list.setAccessibleDescription(
            "Each record's reference, its form and the date the retention policy deletes "
            "it, together with the records linked to it."
        )
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.header().setAccessibleName("Columns of records due to be deleted")
        self.list.setVisible(False)
        layout.addWidget(self.list)

        self.show_button.toggled.connect(self._toggle_list)
        self.dismiss_button.clicked.connect(self._dismiss)
        self._toggle_list(False)
        self.setVisible(False)

    # ---- filling ------------------------------------------------------------------------

    def load(self, haven: Haven) -> Task:
        """Work out what is due off the UI thread; the banner appears if anything is."""
        if self._task is not None:
            self._task.cancel()
        self._task = run_task(
            upcoming,
            haven,
            context=self,
            on_success=self._loaded,
            on_failure=self._failed,
        )
        return self._task

    def set_items(self, items: Sequence[DueRecord], days: int, now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        self._items = list(items)
        self.list.clear()
        for due in self._items:
            linked = due.record_count - 1
            reference = plain_text(due.ref, one_line=True, limit=80)
            if linked:
                reference += f" (and {linked} linked record{'s' if linked != 1 else ''})"
            row = QTreeWidgetItem(
                [
                    reference,
                    plain_text(due.form_title, one_line=True, limit=120),
                    due_text(due, moment),
                ]
            )
            row.setData(0, ID_ROLE, due.key)
            self.list.addTopLevelItem(row)
        for column in (0, 2):
            self.list.resizeColumnToContents(column)
        if not self._items:
            self.setVisible(False)
            return
        text = notice_text(len(self._items), days)
        self.show_button.setVisible(True)
        self.message.setText(text)
        self.message.setAccessibleName(text)
        self.setAccessibleName("Retention notice")
        self.setAccessibleDescription(text)
        self.setVisible(True)
        post_alert(self.message)

    def items(self) -> list[DueRecord]:
        return list(self._items)

    # ---- internals -----------------------------------------------------------------------

    def _loaded(self, result: object) -> None:
        if isinstance(result, tuple) and len(result) == 2:
            items, days = result
            self.set_items(list(items), int(days))

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, HavenError):
            from ui.errors import show_error

            show_error(self, error)
            return
        # A broken policy file is IT's to fix; say so here rather than in a dialog.
        self._items = []
        self.list.clear()
        text = plain_text(str(error), one_line=True, limit=300)
        self.message.setText(text)
        self.message.setAccessibleName(text)
        self.setAccessibleName("Retention notice")
        self.setAccessibleDescription(text)
        self.show_button.setChecked(False)
        self.show_button.setVisible(False)
        self.setVisible(True)

    def _toggle_list(self, shown: bool) -> None:
        self.list.setVisible(shown)
        self.show_button.setText("Hide l&ist" if shown else "Show l&ist")
        self.show_button.setAccessibleName(
            "Hide the records due to be deleted" if shown else "Show the records due to be deleted"
        )
        self.show_button.setAccessibleDescription(
            "Lists each record by reference, form and the date it is due to be deleted."
        )
        if shown:
            self.list.setFocus()

    def _dismiss(self) -> None:
        self.setVisible(False)
        self.dismissed.emit()
