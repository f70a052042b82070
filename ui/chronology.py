"""One child's chronology: every record and missing episode, newest first, with flags.

The flags ("Return interview overdue by 5 hours", "3 missing episodes within 3 months:
automatic discussion at MASE") and the entries come from app.service (Haven.child_flags,
Haven.chronology): this view only shows them and offers the next actions - open an entry,
start any form, and start a return interview from a missing episode.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import ChronologyEntry
from app.errors import HavenError, NotFound
from app.forms.dates import (
    age_on,
    format_date,
    parse_date,
)
from app.service import Haven
from ui import plain_text
from ui.risk_chart import RiskOverTimePanel
from ui.theme import error_palette, heading
from ui.times import when_text

ENTRY_ROLE = Qt.ItemDataRole.UserRole

STATUS_WORDS = {
    "draft": "Draft",
    "completed": "Completed",
    "signed": "Signed",
    "queued": "Queued to send",
    "sent": "Sent",
    "missing": "Still missing",
    "returned": "Returned",
}


def badge_text(entry: ChronologyEntry) -> str:
    words = [STATUS_WORDS.get(entry.status, entry.status.capitalize())]
    words += [b for b in entry.badges if b != entry.status]
    return ", ".join(plain_text(w, one_line=True, limit=80) for w in words)


class ChronologyView(QWidget):
    """Signals carry ids only; the main window opens and starts records."""

    open_record = Signal(str)
    start_form = Signal(str, str, object, object)  # subject id, form id, parent id, episode id
    export_record = Signal(str)  # a completed record (ui.export_dialog)

    def __init__(self, haven: Haven, subject_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chronologyView")
        self._haven = haven
        self.subject_id = subject_id
        subject = haven.child(subject_id)
        self.subject_ref = subject.ref
        self._link: tuple[str, str | None] | None = None

        layout = QVBoxLayout(self)
        title = plain_text(subject.name, one_line=True, limit=120)
        self.title = heading(title, self)
        self.title.setAccessibleName(f"Chronology of {title}")
        layout.addWidget(self.title)
        facts = [plain_text(subject.ref, one_line=True)]
        if subject.known_as:
            facts.append("known as " + plain_text(subject.known_as, one_line=True, limit=60))
        born = parse_date(subject.dob) if subject.dob else None
        if born is not None:
            facts.append(f"born {format_date(born)}")
            age = age_on(born, haven.clock().date())
            if age is not None:
                facts.append(f"age {age}")
        if subject.gender:
            facts.append(plain_text(subject.gender, one_line=True, limit=40))
        if subject.local_authority:
            facts.append(plain_text(subject.local_authority, one_line=True))
        self.facts = QLabel(" · ".join(facts), self)
        self.facts.setObjectName("childFacts")
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setWordWrap(True)
        layout.addWidget(self.facts)

        self.flags = QLabel(self)
        self.flags.setObjectName("childFlags")
        self.flags.setTextFormat(Qt.TextFormat.PlainText)
        self.flags.setWordWrap(True)
        self.flags.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        error_palette(self.flags)
        layout.addWidget(self.flags)

        start_row = QHBoxLayout()
        self.form_choice = QComboBox(self)
        self.form_choice.setObjectName("startFormChoice")
        self.form_choice.setAccessibleName("Form to start")
        self.form_choice.setAccessibleDescription("Choose a form to start for this child.")
        for form_id, form_title in haven.startable_forms():
            self.form_choice.addItem(plain_text(form_title, one_line=True), form_id)
        # Mnemonics are unique in the window: Alt+F is the File menu, Alt+S the search.
        choice_label = QLabel("Fo&rm to start", self)
        choice_label.setBuddy(self.form_choice)
        self.start_button = QPushButton("S&tart form", self)
        self.start_button.setObjectName("startFormButton")
        self.start_button.setAccessibleName("Start form")
        self.start_button.setAccessibleDescription(
            "Start the chosen form for this child as a new draft."
        )
        start_row.addWidget(choice_label)
        start_row.addWidget(self.form_choice, 1)
        start_row.addWidget(self.start_button)
        layout.addLayout(start_row)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("chronologyList")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["When", "What", "Status", "Needs attention"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAccessibleName("Chronology, newest first")
        self.tree.setAccessibleDescription(
            "Every record and missing episode for this child. Press Enter to open one."
        )
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setAccessibleName("Chronology columns")
        layout.addWidget(self.tree, 1)

        actions = QHBoxLayout()
        self.open_button = QPushButton("&Open", self)
        self.open_button.setObjectName("openEntryButton")
        self.open_button.setAccessibleName("Open")
        self.open_button.setAccessibleDescription("Open the selected record or episode.")
        actions.addWidget(self.open_button)
        self.export_button = QPushButton("&Export…", self)
        self.export_button.setObjectName("exportEntryButton")
        self.export_button.setAccessibleName("Export")
        self.export_button.setAccessibleDescription(
            "Export the selected completed record as a signed PDF or a secure package, "
            "after its information-sharing decision. Control E."
        )
        actions.addWidget(self.export_button)
        self.open_action = QAction("&Open", self.tree)
        self.tree.addAction(self.open_action)
        self.export_action = QAction("&Export…", self.tree)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tree.addAction(self.export_action)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.follow_choice = QComboBox(self)
        self.follow_choice.setObjectName("followFormChoice")
        self.follow_choice.setAccessibleName("Next form for the selected entry")
        self.follow_choice.setAccessibleDescription(
            "Forms that follow the selected entry, for example a return interview after "
            "a missing episode."
        )
        follow_label = QLabel("Ne&xt form", self)
        follow_label.setBuddy(self.follow_choice)
        self.follow_button = QPushButton("Start &linked form", self)
        self.follow_button.setObjectName("startLinkedFormButton")
        self.follow_button.setAccessibleName("Start linked form")
        self.follow_button.setAccessibleDescription(
            "Start the chosen next form, linked to the selected entry."
        )
        actions.addStretch(1)
        actions.addWidget(follow_label)
        actions.addWidget(self.follow_choice)
        actions.addWidget(self.follow_button)
        layout.addLayout(actions)

        self.start_button.clicked.connect(self._start_chosen)
        self.open_button.clicked.connect(self._open_current)
        self.follow_button.clicked.connect(self._start_linked)
        self.export_button.clicked.connect(self._export_current)
        self.export_action.triggered.connect(self._export_current)
        self.open_action.triggered.connect(self._open_current)
        self.tree.itemActivated.connect(lambda _item, _col: self._open_current())
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        # Appendix 15 "distance travelled": the child's category and indicators over time,
        # under the flags, with the MASE pack export (ui.risk_chart).
        self.risk_panel = RiskOverTimePanel(haven, subject_id, self)
        layout.insertWidget(layout.indexOf(self.flags) + 1, self.risk_panel)
        # Reading order: the panel's Export button sits on its heading, above the chart.
        QWidget.setTabOrder(self.flags, self.risk_panel.export_button)
        QWidget.setTabOrder(self.risk_panel.export_button, self.risk_panel.chart)
        QWidget.setTabOrder(self.risk_panel.chart, self.form_choice)
        self.risk_panel.export_mase_pack.connect(lambda _subject_id: self.risk_panel.save_pack())
        self.refresh()

    # ---- content ------------------------------------------------------------------------

    def refresh(self) -> None:
        self.risk_panel.refresh()
        flags = self._haven.child_flags(self.subject_id)
        if flags:
            text = "Needs attention:\n" + "\n".join(
                "• " + plain_text(f, one_line=True, limit=300) for f in flags
            )
        else:
            text = ""
        self.flags.setText(text)
        self.flags.setAccessibleName(text or "No flags")
        self.flags.setVisible(bool(text))
        current = self.current_entry()
        self.tree.clear()
        for entry in self._haven.chronology(self.subject_id):
            item = QTreeWidgetItem(
                [
                    when_text(entry.when),
                    plain_text(entry.title, one_line=True, limit=200),
                    badge_text(entry),
                    "; ".join(plain_text(f, one_line=True, limit=200) for f in entry.flags),
                ]
            )
            item.setData(0, ENTRY_ROLE, (entry.kind, entry.id))
            self.tree.addTopLevelItem(item)
            if current is not None and (entry.kind, entry.id) == current:
                self.tree.setCurrentItem(item)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        for column in (0, 2, 3):
            self.tree.resizeColumnToContents(column)
        self._update_buttons()

    def current_entry(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        data = item.data(0, ENTRY_ROLE)
        if isinstance(data, tuple | list) and len(data) == 2:
            return str(data[0]), str(data[1])
        return None

    def entry_count(self) -> int:
        return self.tree.topLevelItemCount()

    def _update_buttons(self) -> None:
        entry = self.current_entry()
        self.open_button.setEnabled(entry is not None)
        self.open_action.setEnabled(entry is not None)
        exportable = self.exportable_record_id() is not None
        self.export_button.setEnabled(exportable)
        self.export_action.setEnabled(exportable)
        self.follow_choice.clear()
        self._link = self._linked_record(entry)
        if self._link is not None:
            record_id, _episode_id = self._link
            try:
                form = self._haven.form_for(self._haven.record(record_id))
                for form_id in form.starts_with:
                    title = self._haven.registry.get(form_id).title
                    self.follow_choice.addItem(plain_text(title, one_line=True), form_id)
            except HavenError:
                self.follow_choice.clear()
        has_next = self.follow_choice.count() > 0
        self.follow_choice.setEnabled(has_next)
        self.follow_button.setEnabled(has_next)

    def _linked_record(self, entry: tuple[str, str] | None) -> tuple[str, str | None] | None:
        """The record a next form would start from, and its missing episode if it has one."""
        if entry is None:
            return None
        kind, entry_id = entry
        try:
            if kind == "episode":
                episode = self._haven.repo.get_episode(entry_id)
                return (episode.record_id, episode.id) if episode.record_id else None
            try:
                episode_id: str | None = self._haven.repo.get_episode(entry_id).id
            except NotFound:
                episode_id = None
            return entry_id, episode_id
        except HavenError:
            return None

    def choose_next_form(self, form_id: str) -> bool:
        index = self.follow_choice.findData(form_id)
        if index < 0:
            return False
        self.follow_choice.setCurrentIndex(index)
        return True

    def select_entry(self, kind: str, entry_id: str) -> bool:
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if item is not None and tuple(item.data(0, ENTRY_ROLE)) == (kind, entry_id):
                self.tree.setCurrentItem(item)
                return True
        return False

    # ---- actions ------------------------------------------------------------------------

    def _start_chosen(self) -> None:
        form_id = self.form_choice.currentData()
        if form_id:
            self.start_form.emit(self.subject_id, str(form_id), None, None)

    def _open_current(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        kind, entry_id = entry
        if kind == "record":
            self.open_record.emit(entry_id)
            return
        try:
            episode = self._haven.repo.get_episode(entry_id)
        except HavenError:
            return
        if episode.record_id:
            self.open_record.emit(episode.record_id)

    def exportable_record_id(self) -> str | None:
        """The selected record when it can be exported: completed (or later), and not
        itself a sharing decision (the form that gates exports)."""
        entry = self.current_entry()
        if entry is None:
            return None
        kind, entry_id = entry
        try:
            if kind == "episode":
                record_id = self._haven.repo.get_episode(entry_id).record_id
                if not record_id:
                    return None
            else:
                record_id = entry_id
            record = self._haven.record(record_id)
            if record.is_draft or self._haven.form_for(record).permits_export is not None:
                return None
        except HavenError:
            return None
        return record.id

    def _export_current(self) -> None:
        record_id = self.exportable_record_id()
        if record_id is not None:
            self.export_record.emit(record_id)

    def _start_linked(self) -> None:
        form_id = self.follow_choice.currentData()
        if not form_id or self._link is None:
            return
        record_id, episode_id = self._link
        try:
            target = self._haven.registry.get(str(form_id))
        except HavenError:
            return
        # Link the episode only when the next form reads it (prefill "episode.*"): a
        # return interview does, a screening started from the same episode does not.
        reads_episode = any(
            (item.prefill or "").startswith("episode.") for _section, item in target.iter_items()
        )
        self.start_form.emit(
            self.subject_id, str(form_id), record_id, episode_id if reads_episode else None
        )
