"""The children list with full-text search (the "New child" dialog is ui/new_child_dialog.py).

The list is a QListView over ui.children_model.ChildrenModel, which pages through the
store (one page at unlock, more as the user scrolls), so start-up does not grow with the
number of children. Search runs over the encrypted store's index (Haven.search) off the
UI thread through ui.workers, debounced while the user types; a result that arrives after
a newer search started, or after an auto-lock destroyed the panel, is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import ChildListing, Subject
from app.errors import StoreCorrupt
from app.forms.dates import format_date, parse_date
from app.service import Haven
from ui import plain_text
from ui.accessibility import post_alert
from ui.children_model import SUBJECT_ROLE, ChildrenModel
from ui.errors import show_error
from ui.theme import heading
from ui.workers import Task, run_task

SEARCH_DEBOUNCE_MS = 250
INTEGRITY_POLL_MS = 1000
__all__ = ["SUBJECT_ROLE", "ChildrenPanel", "child_line"]


def child_line(subject: Subject | ChildListing) -> str:
    """How a child appears in lists inside the window (never in titles or file names)."""
    name = plain_text(subject.name, one_line=True, limit=120)
    parts = [name]
    if subject.known_as:
        parts[0] += f" (known as {plain_text(subject.known_as, one_line=True, limit=60)})"
    born = parse_date(subject.dob) if subject.dob else None
    if born is not None:
        parts.append(f"born {format_date(born)}")
    parts.append(plain_text(subject.ref, one_line=True, limit=40))
    return " · ".join(parts)


class ChildrenPanel(QWidget):
    """Search box, list of children, New child button."""

    child_selected = Signal(str)
    new_child_requested = Signal()

    def __init__(self, haven: Haven, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("childrenPanel")
        self._haven = haven
        self._generation = 0
        self._task: Task | None = None
        self._searching_for = ""

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Children", self, level=2))

        self.search = QLineEdit(self)
        self.search.setObjectName("childSearch")
        self.search.setPlaceholderText("Search names, references and records")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search children and records")
        self.search.setAccessibleDescription(
            "Type a name, reference or words from a record. Results update as you type. "
            "Shortcut: Control F."
        )
        search_label = QLabel("&Search", self)
        search_label.setBuddy(self.search)
        layout.addWidget(search_label)
        layout.addWidget(self.search)

        # The whole-file integrity check runs after unlock (app.store.IntegrityCheck); if it
        # finds damage, every write is refused from then on, and this says so plainly.
        self.integrity_warning = QLabel(StoreCorrupt.user_message, self)
        self.integrity_warning.setObjectName("integrityWarning")
        self.integrity_warning.setTextFormat(Qt.TextFormat.PlainText)
        self.integrity_warning.setWordWrap(True)
        self.integrity_warning.setAccessibleName(StoreCorrupt.user_message)
        self.integrity_warning.setVisible(False)
        layout.addWidget(self.integrity_warning)
        self._integrity_timer = QTimer(self)
        self._integrity_timer.setInterval(INTEGRITY_POLL_MS)
        self._integrity_timer.timeout.connect(self._check_integrity)
        self._integrity_timer.start()

        self.result_status = QLabel(self)
        self.result_status.setObjectName("searchStatus")
        self.result_status.setTextFormat(Qt.TextFormat.PlainText)
        self.result_status.setWordWrap(True)
        layout.addWidget(self.result_status)

        self.model = ChildrenModel(haven, child_line, self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setObjectName("childrenList")
        self.list.setAccessibleName("Children")
        self.list.setAccessibleDescription(
            "Press Enter to open the child's chronology of records and missing episodes."
        )
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        layout.addWidget(self.list, 1)

        self.new_button = QPushButton("&New child…", self)
        self.new_button.setObjectName("newChildButton")
        self.new_button.setAccessibleName("New child")
        self.new_button.setAccessibleDescription("Add a child or young person. Control N.")
        layout.addWidget(self.new_button)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)
        self.list.activated.connect(self._activated)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        self.new_button.clicked.connect(self.new_child_requested)

        self.refresh()

    # ---- list ---------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        current = select or self.current_subject_id()
        if self._searching_for:
            self._run_search()
            return
        self.model.load_first_page()
        self._show(current)

    def _show(self, select: str | None) -> None:
        """Make `select` (or the first child) current, quietly, and say what is shown."""
        self.list.blockSignals(True)
        self.list.selectionModel().blockSignals(True)
        row = self.model.row_of(select) if select else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.list.setCurrentIndex(self.model.index(row, 0))
        self.list.selectionModel().blockSignals(False)
        self.list.blockSignals(False)
        shown = self.model.total
        if not self._searching_for:
            self._set_status("No children yet. Use New child to add one." if not shown else "")
        else:
            self._set_status(
                f"{shown} child{'ren' if shown != 1 else ''} found"
                if shown
                else "No children match your search."
            )

    def _set_status(self, text: str) -> None:
        self.result_status.setText(text)
        self.result_status.setAccessibleName(text or "Search results")
        self.result_status.setVisible(bool(text))
        if text:
            post_alert(self.result_status)

    def current_subject_id(self) -> str | None:
        value = self.list.currentIndex().data(SUBJECT_ROLE)
        return str(value) if value else None

    def select(self, subject_id: str) -> None:
        """Mark the child shown elsewhere as current, without re-announcing the choice."""
        row = self.model.row_of(subject_id)
        if row is None:
            return
        self.list.blockSignals(True)
        self.list.selectionModel().blockSignals(True)
        self.list.setCurrentIndex(self.model.index(row, 0))
        self.list.selectionModel().blockSignals(False)
        self.list.blockSignals(False)

    def visible_subject_ids(self) -> list[str]:
        """The children in the list so far (a page at a time when not searching)."""
        return self.model.subject_ids()

    def _activated(self, index: QModelIndex) -> None:
        value = index.data(SUBJECT_ROLE)
        if value:
            self.child_selected.emit(str(value))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        value = current.data(SUBJECT_ROLE) if current.isValid() else None
        if value and self.list.hasFocus():
            self.child_selected.emit(str(value))

    # ---- integrity ------------------------------------------------------------------------

    def _check_integrity(self) -> None:
        state = self._haven.session.integrity_state()
        if state == "damaged":
            self._integrity_timer.stop()
            self.integrity_warning.setVisible(True)
            post_alert(self.integrity_warning)
        elif state in ("ok", "cancelled"):
            self._integrity_timer.stop()

    # ---- search -------------------------------------------------------------------------

    @property
    def searching(self) -> bool:
        return self._task is not None

    def _search_now(self) -> None:
        self._debounce.stop()
        self._run_search()

    def _run_search(self) -> None:
        text = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if not text:
            current = self.current_subject_id()
            self._searching_for = ""
            self.model.load_first_page()
            self._show(current)
            return
        self._searching_for = text
        self._set_status("Searching…")
        self._task = run_task(
            self._haven.find_children,
            text,
            context=self,
            on_success=lambda hits: self._search_done(generation, hits),
            on_failure=lambda exc: self._search_failed(generation, exc),
        )

    def _search_done(self, generation: int, hits: object) -> None:
        if generation != self._generation:
            return
        self._task = None
        current = self.current_subject_id()
        found = [s for s in hits if isinstance(s, Subject)] if isinstance(hits, list) else []
        self.model.show_only(found)
        self._show(current)

    def _search_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._task = None
        self._set_status("The search could not be completed.")
        show_error(self, exc)
