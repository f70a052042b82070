"""The children list with full-text search, and the "New child" dialog.

Search runs over the encrypted store's index (Haven.search) off the UI thread through
ui.workers, debounced while the user types; a result that arrives after a newer search
started, or after an auto-lock destroyed the panel, is dropped.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import LOCAL_AUTHORITIES, SearchHit, Subject
from app.errors import HavenError
from app.forms.dates import format_date, parse_date
from app.service import Haven
from ui import plain_text
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.widgets.date_input import DateInput
from ui.workers import Task, run_task

SEARCH_DEBOUNCE_MS = 250
SUBJECT_ROLE = Qt.ItemDataRole.UserRole


def child_line(subject: Subject) -> str:
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
        self._subjects: list[Subject] = []
        self._filter: set[str] | None = None

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

        self.result_status = QLabel(self)
        self.result_status.setObjectName("searchStatus")
        self.result_status.setTextFormat(Qt.TextFormat.PlainText)
        self.result_status.setWordWrap(True)
        layout.addWidget(self.result_status)

        self.list = QListWidget(self)
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
        self.list.itemActivated.connect(self._activated)
        self.list.currentItemChanged.connect(self._current_changed)
        self.new_button.clicked.connect(self.new_child_requested)

        self.refresh()

    # ---- list ---------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        current = select or self.current_subject_id()
        self._subjects = self._haven.children()
        self._fill(current)

    def _fill(self, select: str | None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        chosen: QListWidgetItem | None = None
        shown = 0
        for subject in self._subjects:
            if self._filter is not None and subject.id not in self._filter:
                continue
            item = QListWidgetItem(child_line(subject))
            item.setData(SUBJECT_ROLE, subject.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, child_line(subject))
            self.list.addItem(item)
            shown += 1
            if subject.id == select:
                chosen = item
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        if self._filter is None:
            self._set_status(
                "No children yet. Use New child to add one." if not self._subjects else ""
            )
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
            QAccessible.updateAccessibility(
                QAccessibleEvent(self.result_status, QAccessible.Event.Alert)
            )

    def current_subject_id(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(SUBJECT_ROLE) if item is not None else None
        return str(value) if value else None

    def select(self, subject_id: str) -> None:
        """Mark the child shown elsewhere as current, without re-announcing the choice."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(SUBJECT_ROLE) == subject_id:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
                return

    def visible_subject_ids(self) -> list[str]:
        return [str(self.list.item(r).data(SUBJECT_ROLE)) for r in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        self.child_selected.emit(str(item.data(SUBJECT_ROLE)))

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None and self.list.hasFocus():
            self.child_selected.emit(str(current.data(SUBJECT_ROLE)))

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
            self._filter = None
            self._fill(self.current_subject_id())
            return
        self._set_status("Searching…")
        self._task = run_task(
            self._haven.search,
            text,
            context=self,
            on_success=lambda hits: self._search_done(generation, hits),
            on_failure=lambda exc: self._search_failed(generation, exc),
        )

    def _search_done(self, generation: int, hits: object) -> None:
        if generation != self._generation:
            return
        self._task = None
        found: set[str] = set()
        if isinstance(hits, list):
            found = {h.subject_id for h in hits if isinstance(h, SearchHit)}
        self._filter = found
        self._fill(self.current_subject_id())

    def _search_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._task = None
        self._set_status("The search could not be completed.")
        show_error(self, exc)


class NewChildDialog(QDialog):
    """Name, known as, date of birth (GOV.UK three boxes), gender, local authority."""

    created = Signal(object)

    def __init__(
        self,
        haven: Haven,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newChildDialog")
        self.setWindowTitle("New child")
        self.setAccessibleName("New child")
        self._haven = haven
        layout = QVBoxLayout(self)
        if haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("Add a child or young person", self))

        self.summary = InlineError(self)
        layout.addWidget(self.summary)

        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("childName")
        self.name.setAccessibleName("Full name")
        self.name.setAccessibleDescription("The child's full legal name, as far as known.")
        form.addRow("Full &name", self.name)
        self.name_error = InlineError(self)
        form.addRow(self.name_error)

        self.known_as = QLineEdit(self)
        self.known_as.setObjectName("childKnownAs")
        self.known_as.setAccessibleName("Also known as")
        self.known_as.setAccessibleDescription("Nicknames or other names, if any. Optional.")
        form.addRow("Also &known as", self.known_as)

        self.dob = DateInput("Date of birth", self, must_be_past=True, today=today)
        self.dob.setObjectName("childDob")
        dob_label = QLabel("Date of &birth (optional)", self)
        dob_label.setBuddy(self.dob.day)
        form.addRow(dob_label, self.dob)
        self.dob_error = InlineError(self)
        form.addRow(self.dob_error)

        self.gender = QLineEdit(self)
        self.gender.setObjectName("childGender")
        self.gender.setAccessibleName("Gender")
        self.gender.setAccessibleDescription("As the child describes it. Optional.")
        form.addRow("&Gender", self.gender)

        self.local_authority = QComboBox(self)
        self.local_authority.setObjectName("childLocalAuthority")
        self.local_authority.addItem("Not known", "")
        for name in LOCAL_AUTHORITIES:
            self.local_authority.addItem(name, name)
        own = haven.session.info.local_authority
        if own in LOCAL_AUTHORITIES:
            self.local_authority.setCurrentIndex(LOCAL_AUTHORITIES.index(own) + 1)
        self.local_authority.setAccessibleName("Local authority")
        self.local_authority.setAccessibleDescription("Where the child lives.")
        form.addRow("&Local authority", self.local_authority)
        layout.addLayout(form)

        buttons = QDialogButtonBox(self)
        self.add_button = buttons.addButton("&Add child", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("addChildButton")
        self.add_button.setAccessibleName("Add child")
        self.add_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.setFocus()

    def submit(self) -> None:
        errors: list[tuple[InlineError, str, QWidget]] = []
        self.name_error.clear_message()
        self.dob_error.clear_message()
        if not self.name.text().strip():
            errors.append((self.name_error, "Enter the child's full name.", self.name))
        dob_problem = self.dob.error()
        if dob_problem:
            errors.append((self.dob_error, dob_problem, self.dob.first_invalid_part()))
        if errors:
            for label, message, _w in errors:
                label.show_message(message)
            count = len(errors)
            self.summary.show_message(
                f"There {'is a problem' if count == 1 else f'are {count} problems'}: "
                + " ".join(m for _l, m, _w in errors)
            )
            errors[0][2].setFocus()
            return
        self.summary.clear_message()
        try:
            subject = self._haven.add_child(
                self.name.text(),
                self.dob.value(),
                known_as=self.known_as.text(),
                gender=self.gender.text(),
                local_authority=str(self.local_authority.currentData() or ""),
            )
        except HavenError as exc:
            self.summary.show_message(exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - bugs go to the one error dialog
            show_error(self, exc)
            return
        self.created.emit(subject)
        self.accept()
