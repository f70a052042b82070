"""The Queue: everything waiting on someone, grouped by kind, with counts (issue 9).

What is in it, and in which order, is app.exchange.queue's (`build_queue`, QUEUE_KINDS);
this view shows it as a tree (a model, so a long queue stays quick), opens what an entry
is about, and offers the DSL's two decisions on a received record: "Mark reviewed…" and
"Return to author…" (ui.received.DecisionDialog, which runs them off the UI thread).

Every kind is listed with its count, (0) included, so "nothing waiting" is said rather
than implied. Entry titles may name a child: the view lives only inside the unlocked
workspace, which a lock destroys (ui.lock).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.exchange.queue import QUEUE_KINDS, DslQueue, QueueEntry, build_queue
from ui import plain_text
from ui.decision_dialog import DecisionDialog
from ui.errors import show_error
from ui.received import ChildMatchDialog, held_candidates
from ui.theme import heading
from ui.times import when_text

if TYPE_CHECKING:
    from app.exchange.relay import Exchange

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2


def waiting_text(total: int) -> str:
    return f"Queue: {total} waiting"


def kind_text(kind: str, count: int) -> str:
    return f"{QUEUE_KINDS[kind]} ({count})"


def entry_text(entry: QueueEntry) -> str:
    """One line for an entry: what it is, then its detail and when."""
    parts = [plain_text(entry.title, one_line=True, limit=200)]
    if entry.detail:
        parts.append(plain_text(entry.detail, one_line=True, limit=300))
    if entry.when:
        parts.append(when_text(entry.when))
    return " · ".join(parts)


class QueueView(QWidget):
    """Signals: `open_record(id)`, `open_child(subject id)`, `counted(total)` after every
    refresh, `changed()` when something here changed the store (a child may have been
    added), so the window refreshes its other views."""

    open_record = Signal(str)
    open_child = Signal(str)
    counted = Signal(int)
    changed = Signal()

    def __init__(self, exchange: Exchange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueView")
        self._exchange = exchange
        self.queue = DslQueue()
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Queue", self))
        self.summary = QLabel(self)
        self.summary.setObjectName("queueSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)

        self.model = QStandardItemModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("queueList")
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName("Queue")
        self.tree.setAccessibleDescription(
            "What is waiting, grouped by kind with a count for each. Press Enter on an "
            "entry to open it."
        )
        layout.addWidget(self.tree, 1)

        row = QHBoxLayout()
        self.review_button = QPushButton("Mark &reviewed…", self)
        self.review_button.setObjectName("markReviewedButton")
        self.review_button.setAccessibleName("Mark reviewed")
        self.review_button.setAccessibleDescription(
            "Record that you have reviewed the chosen received record, with a note if you want."
        )
        self.return_button = QPushButton("Re&turn to author…", self)
        self.return_button.setObjectName("returnToAuthorButton")
        self.return_button.setAccessibleName("Return to author")
        if exchange.haven.training:
            self.return_button.setAccessibleDescription("Training profiles never send anything.")
            self.return_button.setToolTip("Training profiles never send anything.")
        else:
            self.return_button.setAccessibleDescription(
                "Send the chosen received record back to its author to amend, with your reason."
            )
        self.refresh_button = QPushButton("R&efresh", self)
        self.refresh_button.setObjectName("refreshQueueButton")
        self.refresh_button.setAccessibleName("Refresh the queue")
        row.addWidget(self.review_button)
        row.addWidget(self.return_button)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)

        self.tree.activated.connect(self._activated)
        self.review_button.clicked.connect(lambda: self.decide(DecisionDialog.REVIEW))
        self.return_button.clicked.connect(lambda: self.decide(DecisionDialog.RETURN))
        self.refresh_button.clicked.connect(self.refresh)
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    # ---- contents -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild from the core's queue, keeping the chosen entry where it still exists."""
        current = self.current_entry()
        keep = _key(current) if current is not None else None
        self.queue = build_queue(self._exchange)
        self.model.clear()
        root = self.model.invisibleRootItem()
        grouped: dict[str, list[QueueEntry]] = {kind: [] for kind in QUEUE_KINDS}
        for entry in self.queue.entries:
            grouped.setdefault(entry.kind, []).append(entry)
        select: QStandardItem | None = None
        for kind, count in self.queue.counts().items():
            group = QStandardItem(kind_text(kind, count))
            group.setData(kind_text(kind, count), Qt.ItemDataRole.AccessibleTextRole)
            group.setData(kind, KIND_ROLE)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            font = group.font()
            font.setBold(True)
            group.setFont(font)
            for entry in grouped.get(kind, []):
                text = entry_text(entry)
                item = QStandardItem(text)
                item.setData(f"{QUEUE_KINDS[kind]}: {text}", Qt.ItemDataRole.AccessibleTextRole)
                item.setData(entry, ENTRY_ROLE)
                item.setData(kind, KIND_ROLE)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                group.appendRow(item)
                if keep is not None and _key(entry) == keep:
                    select = item
            root.appendRow(group)
        self.tree.expandAll()
        total = len(self.queue.entries)
        self.summary.setText(waiting_text(total))
        self.summary.setAccessibleName(self.summary.text())
        if select is not None:
            self.tree.setCurrentIndex(select.index())
        self._update_buttons()
        self.counted.emit(total)

    def total(self) -> int:
        return len(self.queue.entries)

    def group_texts(self) -> list[str]:
        root = self.model.invisibleRootItem()
        return [root.child(row).text() for row in range(root.rowCount())]

    def entries_of(self, kind: str) -> list[QStandardItem]:
        root = self.model.invisibleRootItem()
        for row in range(root.rowCount()):
            group = root.child(row)
            if group.data(KIND_ROLE) == kind:
                return [group.child(i) for i in range(group.rowCount())]
        return []

    def select_entry(self, kind: str, index: int = 0) -> bool:
        items = self.entries_of(kind)
        if index >= len(items):
            return False
        self.tree.setCurrentIndex(items[index].index())
        return True

    def current_entry(self) -> QueueEntry | None:
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        entry = index.data(ENTRY_ROLE)
        return entry if isinstance(entry, QueueEntry) else None

    def _update_buttons(self) -> None:
        entry = self.current_entry()
        reviewable = (
            entry is not None and entry.kind == "awaiting-review" and entry.record_id is not None
        )
        self.review_button.setEnabled(reviewable)
        self.return_button.setEnabled(reviewable and not self._exchange.haven.training)

    # ---- actions ----------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        entry = index.data(ENTRY_ROLE)
        if isinstance(entry, QueueEntry):
            self.open_entry(entry)

    def open_entry(self, entry: QueueEntry) -> None:
        if entry.kind == "awaiting-child" and entry.received_id:
            self.confirm_child(entry.received_id)
        elif entry.record_id:
            self.open_record.emit(entry.record_id)
        elif entry.subject_id:
            self.open_child.emit(entry.subject_id)

    def confirm_child(self, received_id: str) -> ChildMatchDialog | None:
        try:
            candidates = held_candidates(self._exchange, received_id)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return None
        dialog = ChildMatchDialog(self._exchange, received_id, candidates, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filed.connect(lambda _r: self._store_changed())
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    def decide(self, kind: str) -> DecisionDialog | None:
        """Open "Mark reviewed" or "Return to author" for the chosen received record."""
        entry = self.current_entry()
        if entry is None or entry.kind != "awaiting-review" or not entry.record_id:
            return None
        dialog = DecisionDialog(
            self._exchange, entry.record_id, kind, self, about=entry_text(entry)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.decided.connect(lambda _rid: self._store_changed())
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    def _store_changed(self) -> None:
        self.refresh()
        self.changed.emit()
        self.tree.setFocus()


def _key(entry: QueueEntry) -> tuple[str, str | None, str | None, str | None]:
    return (entry.kind, entry.received_id, entry.record_id, entry.outbox_id)


def waiting_count(exchange: Exchange) -> int:
    """Worker: how many entries the queue holds (for the window's "Queue: N waiting")."""
    return len(build_queue(exchange).entries)
