"""The main window: unlock screen or workspace (children, chronology, my work, a record).

Two pages in one window: the unlock screen and the workspace. Everything that shows
record text lives inside the workspace, which is built when the profile is unlocked and
DESTROYED when it locks (ui.lock), so a locked Haven holds no child's data in its widgets.
The window's title never carries a child's name: at most an opaque reference
(SPEC 3: "Nor do file names Haven writes, window titles, notifications...").

The form renderer (ui/form_view.py, written separately) is imported lazily when a record
is opened. What the window expects of it:
- `FormView(haven, record_id, parent=None, position=None)`; `position` is the view's own
  `FormPosition(record_id, section_index, item_id, on_check_page)`, given when the view is
  re-created after an unlock (the window builds it from the plain `ui.lock.Position`);
- `save_now()` - write unsaved typing now (before locking, closing, switching views);
- `position()` - where the user is: an object with `section_index`, `item_id` and
  (optionally) `on_check_page` attributes;
- `clear()` (optional) - stop autosaving and drop record text; called before the view is
  destroyed on lock;
- signals `closed()`, `completed(str record_id)` and (optional) `amended(str new_id)`
  when the view now shows a new version; (optional) `export_requested(str)` and
  `send_to_dsl_requested(str)` from the completed-record banner.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import Subject
from app.errors import HavenError
from app.profile import Session
from app.service import Haven
from ui import plain_text
from ui.children import ChildrenPanel, NewChildDialog
from ui.chronology import ChronologyView
from ui.clipboard import ClipboardGuard
from ui.errors import report_unexpected, show_error, show_notice
from ui.form.autosave import DraftPlace
from ui.lock import LockController, Position
from ui.my_work import MyWorkView
from ui.outbox_actions import OutboxSender
from ui.received import ReceivedImporter, exchange_for
from ui.reopen_banner import ReopenDraftBanner
from ui.retention_notice import RetentionNotice
from ui.send_to_dsl import SendToDslDialog
from ui.settings_dialog import SettingsDialog
from ui.shortcuts_help import describe_shortcut
from ui.theme import heading, set_high_contrast, training_banner
from ui.unlock import UnlockScreen, Wait, qt_wait
from ui.widgets.focus_ring import install_focus_ring
from ui.workers import run_task, wait_for_all

if TYPE_CHECKING:
    # Dialogs are imported where they open, not at start-up (issue 11).
    from app.exchange.relay import Exchange
    from ui.backup_dialog import BackupDialog
    from ui.export_dialog import ExportDialog
    from ui.queue_view import QueueView
    from ui.report_dialog import ReportDialog

APP_TITLE = "Haven"
FORM_VIEW_MISSING = (
    "Records cannot be opened in this version of Haven: the form screen is not installed. "
    "Your records are safe; ask IT to update Haven."
)


FormViewFactory = Callable[[Haven, str, QWidget, Position | None], QWidget]


def default_form_view_factory(
    haven: Haven, record_id: str, parent: QWidget, position: Position | None = None
) -> QWidget:
    """Import the form renderer only when a record is opened (cheap start-up, and the
    shell keeps working if it is missing: the caller shows a plain message)."""
    from ui.form.form_pages import FormPosition
    from ui.form_view import FormView

    if position is not None and position.section_index is not None:
        where = FormPosition(
            record_id, position.section_index, position.item_id, position.on_check_page
        )
        return FormView(haven, record_id, parent=parent, position=where)
    return FormView(haven, record_id, parent=parent)


def position_parts(value: object) -> tuple[int | None, str | None, bool]:
    """(section index, item id, on check page) from the form view's position()."""
    if isinstance(value, tuple | list):
        section = value[0] if value and isinstance(value[0], int) else None
        item = value[1] if len(value) > 1 and isinstance(value[1], str) else None
        return section, item, False
    section = getattr(value, "section_index", None)
    item = getattr(value, "item_id", None)
    return (
        section if isinstance(section, int) else None,
        item if isinstance(item, str) else None,
        getattr(value, "on_check_page", False) is True,
    )


class Workspace(QWidget):
    """Children list on the left, the current view on the right. Holds record text."""

    def __init__(self, haven: Haven, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        layout = QVBoxLayout(self)
        self.outer_layout = layout
        layout.setContentsMargins(0, 0, 0, 0)
        if haven.training:
            layout.addWidget(training_banner(self))
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.children_panel = ChildrenPanel(haven, self.splitter)
        self.views = QStackedWidget(self.splitter)
        self.views.setObjectName("contentViews")
        self.placeholder = QWidget(self.views)
        ph_layout = QVBoxLayout(self.placeholder)
        ph_layout.addWidget(heading("Choose a child", self.placeholder))
        hint = QLabel(
            "Choose a child from the list to see their chronology, add a new child with "
            "Control N, or open My work with Control 2.",
            self.placeholder,
        )
        hint.setWordWrap(True)
        ph_layout.addWidget(hint)
        ph_layout.addStretch(1)
        self.views.addWidget(self.placeholder)
        self.splitter.addWidget(self.children_panel)
        self.splitter.addWidget(self.views)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)


# The queue count and the retention notice read the whole store in workers: started once
# the window has painted, so that they do not hold the store, the GIL and the two cores
# while it paints.
AFTER_FIRST_PAINT_MS = 250


class MainWindow(QMainWindow):
    """The shell. `open_session` after first run; otherwise it starts on the unlock screen."""

    send_outbox_requested = Signal(str)
    record_completed = Signal(str)
    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        profile_dir: Path,
        *,
        training: bool = False,
        clipboard: ClipboardGuard | None = None,
        try_keychain: bool = True,
        unlock_wait: Wait = qt_wait,
        listen_to_os: bool = True,
        idle_ms: int | None = None,
        service_factory: Callable[[Session], Haven] = Haven,
        form_view_factory: FormViewFactory = default_form_view_factory,
        training_passphrase: str | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("havenMainWindow")
        self.profile_dir = profile_dir
        self.training = training
        self.setProperty("havenTraining", training)
        self.clipboard = clipboard
        self._unlock_wait = unlock_wait
        self._service_factory = service_factory
        self._form_view_factory = form_view_factory
        self._training_passphrase = training_passphrase
        self.session: Session | None = None
        self.haven: Haven | None = None
        self.workspace: Workspace | None = None
        self.unlock_screen: UnlockScreen | None = None
        self.chronology: ChronologyView | None = None
        self.my_work: MyWorkView | None = None
        self.queue_view: QueueView | None = None
        self.retention_notice: RetentionNotice | None = None
        self.reopen_banner: ReopenDraftBanner | None = None
        self.form_view: QWidget | None = None
        self._exchange: Exchange | None = None
        self._count_generation = 0  # a count older than the newest one is dropped
        self.view_name = "children"
        self.subject_id: str | None = None
        self.record_id: str | None = None
        self._position: Position | None = None
        # Sharing-decision drafts started from Export: decision id -> the record to export
        # once the decision is completed (Appendix 13: the decision comes first).
        self._pending_exports: dict[str, str] = {}
        # The same for decisions started from "Send to my DSL": back to that dialog.
        self._pending_sends: dict[str, str] = {}
        self.outbox_sender = OutboxSender()
        self.importer = ReceivedImporter(self)
        self.importer.store_changed.connect(self._store_changed)
        self.importer.running_changed.connect(self._importing)

        install_focus_ring()
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        self.setCentralWidget(self.pages)
        self.resize(1100, 720)
        self._build_actions()

        self.lock = LockController(self, clipboard, self, listen_to_os=listen_to_os)
        if idle_ms is not None:
            self.lock.set_idle_ms(idle_ms)
        self.lock.locked.connect(self.locked)
        self.send_outbox_requested.connect(self.send_outbox)
        self._set_unlocked_actions(False)
        self._show_unlock(try_keychain=try_keychain, locked_after_use=False)

    # ---- actions and shortcuts ----------------------------------------------------------

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_child_action = QAction("&New child…", self)
        self.new_child_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_child_action.triggered.connect(self.new_child)
        self.import_action = QAction("&Import received records…", self)
        self.import_action.triggered.connect(self.import_received)
        self.lscb_action = QAction("LSCB &dataset report…", self)
        self.lscb_action.triggered.connect(self.open_lscb_report)
        self.backup_action = QAction("&Back up this profile…", self)
        self.backup_action.triggered.connect(self.open_backup)
        self.settings_action = QAction("Se&ttings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(lambda: self.open_settings())
        self.lock_action = QAction("&Lock now", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock_now)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        for action in (
            self.new_child_action,
            self.import_action,
            self.lscb_action,
            self.settings_action,
            self.backup_action,
            self.lock_action,
            self.quit_action,
        ):
            file_menu.addAction(action)

        go_menu = bar.addMenu("&Go")
        self.search_action = QAction("&Search", self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.triggered.connect(self.focus_search)
        self.children_action = QAction("&Children", self)
        self.children_action.setShortcut(QKeySequence("Ctrl+1"))
        self.children_action.triggered.connect(self.focus_children)
        self.my_work_action = QAction("&My work", self)
        self.my_work_action.setShortcut(QKeySequence("Ctrl+2"))
        self.my_work_action.triggered.connect(self.show_my_work)
        self.queue_action = QAction("&Queue", self)
        self.queue_action.setShortcut(QKeySequence("Ctrl+3"))
        self.queue_action.triggered.connect(self.show_queue)
        for action in (
            self.search_action,
            self.children_action,
            self.my_work_action,
            self.queue_action,
        ):
            go_menu.addAction(action)

        # "Queue: N waiting", always in sight while unlocked; choosing it opens the Queue.
        self.queue_button = QPushButton("Queue", self)
        self.queue_button.setObjectName("queueCountButton")
        self.queue_button.setFlat(True)
        self.queue_button.setAccessibleName("Queue")
        self.queue_button.setAccessibleDescription("Open the Queue (Control 3).")
        self.queue_button.clicked.connect(self.show_queue)
        self.statusBar().addPermanentWidget(self.queue_button)

        view_menu = bar.addMenu("&View")
        self.children_list_action = QAction("&Children list", self)
        self.children_list_action.setCheckable(True)
        self.children_list_action.setChecked(True)
        self.children_list_action.setShortcut(QKeySequence("F9"))
        self.children_list_action.setToolTip(
            "Show or hide the children list (F9). It folds away while a record is open, "
            "so the questions keep the width."
        )
        self.children_list_action.toggled.connect(self._children_list_toggled)
        view_menu.addAction(self.children_list_action)
        self.contrast_action = QAction("&High contrast", self)
        self.contrast_action.setCheckable(True)
        app = QApplication.instance()
        self.contrast_action.setChecked(bool(app and app.property("havenHighContrast")))
        self.contrast_action.toggled.connect(self._toggle_contrast)
        view_menu.addAction(self.contrast_action)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        for action in self.findChildren(QAction):
            describe_shortcut(action)

    def _set_unlocked_actions(self, unlocked: bool) -> None:
        for action in (
            self.new_child_action,
            self.settings_action,
            self.lock_action,
            self.search_action,
            self.children_action,
            self.my_work_action,
            self.import_action,
            self.queue_action,
            self.backup_action,
            self.lscb_action,
            self.children_list_action,
        ):
            action.setEnabled(unlocked)
        self.queue_button.setVisible(unlocked)
        if not unlocked:
            self._show_waiting(None)

    def _toggle_contrast(self, on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            set_high_contrast(app, on)

    def _update_title(self, context: str | None = None) -> None:
        parts = [APP_TITLE]
        if self.training:
            parts.append("TRAINING")
        if self.session is None:
            parts.append("locked")
        elif context:
            parts.append(plain_text(context, one_line=True, limit=40))
        self.setWindowTitle(" — ".join(parts))

    # ---- unlocking ------------------------------------------------------------------------

    def _show_unlock(self, *, try_keychain: bool, locked_after_use: bool) -> None:
        screen = UnlockScreen(
            self.profile_dir,
            self.pages,
            training=self.training,
            try_keychain=try_keychain,
            locked_after_use=locked_after_use,
            wait=self._unlock_wait,
            training_passphrase=self._training_passphrase,
        )
        screen.unlocked.connect(self._unlocked)
        self.unlock_screen = screen
        self.pages.addWidget(screen)
        self.pages.setCurrentWidget(screen)
        self._update_title()
        screen.passphrase.setFocus()

    def _unlocked(self, session: object) -> None:
        if isinstance(session, Session):
            self.open_session(session)

    def open_session(self, session: Session) -> None:
        """Build the workspace for an open session and return to where the user was."""
        try:
            haven = self._service_factory(session)
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged form file: say so, stay locked
            session.lock()
            show_error(self, exc)
            return
        self.session = session
        self.haven = haven
        if self.unlock_screen is not None:
            self.pages.removeWidget(self.unlock_screen)
            self.unlock_screen.deleteLater()
            self.unlock_screen = None
        self.workspace = Workspace(haven, self.pages)
        panel = self.workspace.children_panel
        panel.child_selected.connect(self.show_child)
        panel.new_child_requested.connect(self.new_child)
        # SPEC 3: a warning before the retention policy deletes anything; it lives in the
        # workspace, so it goes with it on lock and is worked out again on unlock.
        self.retention_notice = RetentionNotice(self.workspace)
        self.workspace.outer_layout.insertWidget(0, self.retention_notice)
        # Worked out after the window has painted: it reads every record (issue 11).
        QTimer.singleShot(AFTER_FIRST_PAINT_MS, lambda: self._load_retention_notice(haven))
        # After a crash: the offer to reopen the unfinished draft, above everything.
        self.reopen_banner = ReopenDraftBanner(self.workspace)
        self.workspace.outer_layout.insertWidget(0, self.reopen_banner)
        self.reopen_banner.reopen_requested.connect(self._reopen_draft)
        self.reopen_banner.dismissed.connect(self.focus_children)
        # Both banners are made after the list but shown above it: first in Tab order too.
        notice, banner = self.retention_notice, self.reopen_banner
        chain: list[QWidget] = [
            banner.reopen_button,
            banner.dismiss_button,
            notice.show_button,
            notice.dismiss_button,
            notice.list,
            panel.search,
            panel.list,
            panel.new_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        panel.search.setToolTip("Search children and records (Ctrl+F)")
        panel.new_button.setToolTip("Add a child or young person (Ctrl+N)")
        self.pages.addWidget(self.workspace)
        self.pages.setCurrentWidget(self.workspace)
        self._set_unlocked_actions(True)
        self.lock.session_opened(session)
        minutes = haven.settings().get("idle_lock_minutes", 5)
        self.lock.set_idle_minutes(float(minutes) if isinstance(minutes, int | float) else 5.0)
        position, self._position = self._position, None
        self.view_name = "children"
        self._update_title()
        if position is not None:
            self._restore(position)
        else:
            panel.list.setFocus()
            if self.reopen_banner.load(haven):
                self.reopen_banner.offer()
        if session.keychain_note:
            self.statusBar().showMessage(plain_text(session.keychain_note, one_line=True))
        # After the window has painted: the count reads the whole store (issue 11).
        QTimer.singleShot(AFTER_FIRST_PAINT_MS, self._update_queue_count)
        self.unlocked.emit()

    def _reopen_draft(self, record_id: str, place: object) -> None:
        """The crash banner's Reopen: the draft, at the section and question it was on."""
        haven = self.haven
        if haven is None or self.workspace is None:
            return
        try:
            record = haven.record(record_id)
        except HavenError as exc:
            show_error(self, exc)
            return
        self.subject_id = record.subject_id
        self.workspace.children_panel.select(record.subject_id)
        where = Position(view="record", subject_id=record.subject_id, record_id=record.id)
        if isinstance(place, DraftPlace):
            where = Position(
                view="record",
                subject_id=record.subject_id,
                record_id=record.id,
                section_index=place.section_index,
                item_id=place.item_id,
                on_check_page=place.on_check_page,
            )
        self.open_record(record.id, position=where)

    def _restore(self, position: Position) -> None:
        if position.subject_id and self.workspace is not None:
            self.workspace.children_panel.select(position.subject_id)
        if position.view == "record" and position.record_id:
            self.open_record(position.record_id, position=position)
        elif position.view == "my_work":
            self.show_my_work()
        elif position.view == "queue":
            self.show_queue()
        elif position.subject_id:
            self.show_child(position.subject_id)
            if self.chronology is not None:
                self.chronology.tree.setFocus()

    # ---- locking (ui.lock.Lockable) ------------------------------------------------------

    def lock_now(self) -> None:
        self.lock.lock_now()

    def prepare_for_lock(self) -> Position:
        """Save unsaved typing and say where the user is."""
        section: int | None = None
        item: str | None = None
        check_page = False
        view = self.form_view
        if view is not None and shiboken6.isValid(view):
            save_now = getattr(view, "save_now", None)
            if callable(save_now):
                save_now()
            position = getattr(view, "position", None)
            if callable(position):
                section, item, check_page = position_parts(position())
        return Position(
            view=self.view_name,
            subject_id=self.subject_id,
            record_id=self.record_id if self.view_name == "record" else None,
            section_index=section,
            item_id=item,
            on_check_page=check_page,
        )

    def discard_record_widgets(self) -> None:
        """Destroy every widget that holds record text: dialogs, views, lists, search."""
        for dialog in self.findChildren(QDialog):
            dialog.reject()
            dialog.deleteLater()
        view = self.form_view
        if view is not None and shiboken6.isValid(view):
            clear = getattr(view, "clear", None)
            if callable(clear):
                try:
                    clear()
                except Exception as exc:  # noqa: BLE001 - the lock goes ahead regardless
                    report_unexpected(type(exc), exc, exc.__traceback__)
        if self.workspace is not None:
            self.pages.removeWidget(self.workspace)
            self.workspace.hide()
            self.workspace.deleteLater()
        self.workspace = None
        self.chronology = None
        self.my_work = None
        self.queue_view = None
        self.retention_notice = None
        self.reopen_banner = None
        self.form_view = None
        self._exchange = None
        self.haven = None
        self.session = None
        self.statusBar().clearMessage()
        self._set_unlocked_actions(False)

    def show_unlock_screen(self, position: Position) -> None:
        self._position = position
        self._show_unlock(try_keychain=False, locked_after_use=True)

    # ---- views ----------------------------------------------------------------------------

    def _set_view(self, widget: QWidget, name: str) -> None:
        if self.workspace is None:
            return
        self.workspace.views.addWidget(widget)
        self.workspace.views.setCurrentWidget(widget)
        self.view_name = name
        # A record needs the width (at 1366 x 768 the list would leave the questions a
        # third of the window): the list folds away while one is open, and comes back
        # for every other view. F9 or Control+1 shows it again.
        self._show_children_list(name != "record")

    def _show_children_list(self, shown: bool) -> None:
        self.children_list_action.setChecked(shown)  # toggles the panel when it changes
        self._children_list_toggled(shown)  # and a new workspace's panel when it does not

    def _children_list_toggled(self, shown: bool) -> None:
        workspace = self.workspace
        if workspace is None:
            return
        panel = workspace.children_panel
        focused = QApplication.focusWidget()
        moving_focus = not shown and focused is not None and panel.isAncestorOf(focused)
        panel.setVisible(shown)
        current = workspace.views.currentWidget()
        if moving_focus and current is not None:
            current.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: every shortcut of the window and the form view."""
        from ui.shortcuts_help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        dialog.activateWindow()

    def _drop(self, widget: QWidget | None) -> None:
        if widget is not None and shiboken6.isValid(widget) and self.workspace is not None:
            self.workspace.views.removeWidget(widget)
            widget.deleteLater()

    def _close_form_view(self) -> None:
        view = self.form_view
        if view is None:
            return
        if shiboken6.isValid(view):
            save_now = getattr(view, "save_now", None)
            if callable(save_now):
                try:
                    save_now()
                except HavenError as exc:
                    show_error(self, exc)
        self._drop(view)
        self.form_view = None
        self.record_id = None

    def show_child(self, subject_id: str) -> None:
        haven = self.haven
        if haven is None or self.workspace is None:
            return
        self._close_form_view()
        try:
            view = ChronologyView(haven, subject_id, self.workspace.views)
        except HavenError as exc:
            show_error(self, exc)
            return
        self._drop(self.chronology)
        self._drop(self.my_work)
        self._drop(self.queue_view)
        self.my_work = self.queue_view = None
        self.chronology = view
        view.open_record.connect(self.open_record)
        view.start_form.connect(self.start_form)
        view.export_record.connect(self.export_record)
        self.subject_id = subject_id
        self.workspace.children_panel.select(subject_id)
        self._set_view(view, "chronology")
        self._update_title(view.subject_ref)

    def show_my_work(self) -> None:
        haven = self.haven
        if haven is None or self.workspace is None:
            return
        self._close_form_view()
        self._drop(self.my_work)
        self._drop(self.chronology)
        self._drop(self.queue_view)
        self.chronology = self.queue_view = None
        view = MyWorkView(haven, self.workspace.views)
        view.open_record.connect(self.open_record)
        view.send_requested.connect(self.send_outbox_requested)
        self.my_work = view
        self._set_view(view, "my_work")
        self._update_title("My work")
        view.drafts.setFocus()

    def show_queue(self) -> None:
        """Everything waiting on someone (ui.queue_view), in the workspace like My work."""
        if self.haven is None or self.workspace is None:
            return
        from ui.queue_view import QueueView

        self._close_form_view()
        for old in (self.queue_view, self.my_work, self.chronology):
            self._drop(old)
        self.chronology = self.my_work = self.queue_view = None
        try:
            view = QueueView(self.exchange(), self.workspace.views)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        view.open_record.connect(self.open_record)
        view.open_child.connect(self.show_child)
        view.counted.connect(self._queue_counted)
        view.changed.connect(lambda: self._store_changed(queue_too=False))
        self.queue_view = view
        self._set_view(view, "queue")
        self._update_title("Queue")
        view.tree.setFocus()

    def focus_search(self) -> None:
        if self.workspace is not None:
            self._show_children_list(True)
            self.workspace.children_panel.search.setFocus()
            self.workspace.children_panel.search.selectAll()

    def focus_children(self) -> None:
        if self.workspace is not None:
            self._show_children_list(True)
            self.workspace.children_panel.list.setFocus()

    def new_child(self) -> None:
        haven = self.haven
        if haven is None or self.workspace is None:
            return
        dialog = NewChildDialog(haven, self.workspace)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(self._child_created)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        dialog.name.setFocus()

    def _child_created(self, subject: object) -> None:
        if not isinstance(subject, Subject) or self.workspace is None:
            return
        self.workspace.children_panel.refresh(select=subject.id)
        self.show_child(subject.id)
        self.activateWindow()
        self.statusBar().showMessage(f"Child {plain_text(subject.ref, one_line=True)} added")

    # ---- records --------------------------------------------------------------------------

    def start_form(
        self, subject_id: str, form_id: str, parent_id: object = None, episode_id: object = None
    ) -> None:
        haven = self.haven
        if haven is None:
            return
        try:
            record = haven.start_record(
                subject_id,
                form_id,
                parent_id=str(parent_id) if parent_id else None,
                episode_id=str(episode_id) if episode_id else None,
            )
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self.open_record(record.id)

    def open_record(self, record_id: str, *, position: Position | None = None) -> None:
        """Show a record in the form view; with `position`, exactly where the user was."""
        haven = self.haven
        if haven is None or self.workspace is None:
            return
        try:
            record = haven.record(record_id)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self._close_form_view()
        try:
            view = self._form_view_factory(haven, record.id, self.workspace.views, position)
        except ImportError:
            show_notice(self, FORM_VIEW_MISSING)
            return
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self.form_view = view
        self.record_id = record.id
        self.subject_id = record.subject_id
        self.workspace.children_panel.select(record.subject_id)
        _connect(view, "closed", self._form_closed)
        _connect(view, "completed", self._form_completed)
        _connect(view, "amended", self._form_amended)
        _connect(view, "export_requested", self.export_record)
        _connect(view, "send_to_dsl_requested", self.send_to_dsl)
        self._set_view(view, "record")
        self._update_title(record.ref)
        view.setFocus()

    def _form_closed(self, *_args: Any) -> None:
        subject = self.subject_id
        self._close_form_view()
        if subject:
            self.show_child(subject)
        else:
            self.view_name = "children"

    def _form_amended(self, new_id: object = None) -> None:
        """The view now shows the new version (SPEC 3: amendments are new versions)."""
        if not new_id or self.haven is None:
            return
        self.record_id = str(new_id)
        try:
            self._update_title(self.haven.record(self.record_id).ref)
        except HavenError:
            self._update_title()
        if self.chronology is not None and shiboken6.isValid(self.chronology):
            self.chronology.refresh()

    def _form_completed(self, record_id: object = None) -> None:
        if record_id:
            self.record_completed.emit(str(record_id))
        if self.chronology is not None and shiboken6.isValid(self.chronology):
            self.chronology.refresh()
        self.statusBar().showMessage("Record completed")
        waiting = self._pending_exports.pop(str(record_id), None) if record_id else None
        if waiting is not None:
            # The sharing decision started from Export is done: back to Export (after the
            # form view has finished handling its own completion).
            QTimer.singleShot(0, lambda: self.export_record(waiting))
        sending = self._pending_sends.pop(str(record_id), None) if record_id else None
        if sending is not None:
            QTimer.singleShot(0, lambda: self.send_to_dsl(sending))
        self._update_queue_count()

    # ---- exports, settings and the outbox ---------------------------------------------

    def export_record(self, record_id: str) -> ExportDialog | None:
        """Export a completed record (the sharing decision first); also for the form view."""
        haven = self.haven
        if haven is None or self.workspace is None:
            return None
        try:
            from ui.export_dialog import ExportDialog

            dialog = ExportDialog(haven, record_id, self.workspace, clipboard=self.clipboard)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.decision_started.connect(self._decision_started)
        dialog.exported.connect(lambda _rid: self._refresh_views())
        dialog.settings_requested.connect(lambda tab: self._settings_for_export(dialog, str(tab)))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    def _settings_for_export(self, export: ExportDialog, tab: str) -> None:
        if not shiboken6.isValid(export):
            return
        settings = self.open_settings(tab, parent=export)
        if settings is not None:
            settings.finished.connect(
                lambda _r: export.signing_changed() if shiboken6.isValid(export) else None
            )

    def _decision_started(self, record_id: str, decision_id: str) -> None:
        self._pending_exports[decision_id] = record_id
        self.open_record(decision_id)
        self.statusBar().showMessage(
            "Complete the information-sharing decision; Export continues when it is completed."
        )

    def _refresh_views(self, *, queue_too: bool = True) -> None:
        if self.chronology is not None and shiboken6.isValid(self.chronology):
            self.chronology.refresh()
        if self.my_work is not None and shiboken6.isValid(self.my_work):
            self.my_work.refresh()
        queue = self.queue_view
        if queue_too and queue is not None and shiboken6.isValid(queue):
            queue.refresh()  # says the new count itself
        else:
            self._update_queue_count()

    def open_settings(
        self, tab: str | None = None, *, parent: QWidget | None = None
    ) -> SettingsDialog | None:
        haven = self.haven
        if haven is None or self.workspace is None:
            return None
        try:
            dialog = SettingsDialog(haven, parent or self.workspace, tab=tab)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.idle_minutes_changed.connect(lambda m: self.lock.set_idle_minutes(float(m)))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    def send_outbox(self, _item_id: str = "") -> None:
        """My work's "Send now": try every waiting package once, then refresh My work."""
        haven = self.haven
        if haven is None or self.workspace is None:
            return
        if not self.outbox_sender.send_now(haven, self.workspace, on_done=self._outbox_sent):
            return
        if self.my_work is not None and shiboken6.isValid(self.my_work):
            self.my_work.send_button.setEnabled(False)
        self.statusBar().showMessage("Sending…")

    def _outbox_sent(self, _report: object) -> None:
        self.statusBar().clearMessage()
        self._refresh_views()

    def open_lscb_report(self) -> ReportDialog | None:
        """File > LSCB dataset report: the quarter's anonymised counts as CSV and PDF."""
        haven = self.haven
        if haven is None or self.workspace is None:
            return None
        try:
            from ui.report_dialog import ReportDialog

            dialog = ReportDialog(haven, self.workspace)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(
            lambda _path: self.statusBar().showMessage("LSCB dataset report saved")
        )
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    def open_backup(self) -> BackupDialog | None:
        """File > Back up: an encrypted copy of the profile under a backup passphrase."""
        if self.session is None or self.workspace is None:
            return None
        from ui.backup_dialog import BackupDialog

        dialog = BackupDialog(self.session, self.workspace)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    # ---- Haven to Haven: sending to the DSL, importing, the queue ------------------------

    def exchange(self) -> Exchange:
        """The Haven-to-Haven use cases over the open profile (made when first needed)."""
        haven = self.haven
        if haven is None:
            raise RuntimeError("no open profile")
        if self._exchange is None or self._exchange.haven is not haven:
            self._exchange = exchange_for(haven)
        return self._exchange

    def send_to_dsl(self, record_id: str) -> SendToDslDialog | None:
        """The form view's "Send to my DSL…": the sharing decision first, then queue it."""
        if self.haven is None or self.workspace is None:
            return None
        try:
            dialog = SendToDslDialog(
                self.haven, record_id, self.workspace, exchange=self.exchange()
            )
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.decision_started.connect(self._send_decision_started)
        dialog.queued.connect(lambda _rid: self._refresh_views())
        dialog.send_now_requested.connect(lambda: self.send_outbox_requested.emit(""))
        dialog.settings_requested.connect(lambda tab: self._settings_for_send(dialog, str(tab)))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()
        dialog.activateWindow()
        return dialog

    def _settings_for_send(self, dialog: SendToDslDialog, tab: str) -> None:
        if not shiboken6.isValid(dialog):
            return
        settings = self.open_settings(tab, parent=dialog)
        if settings is not None:
            settings.finished.connect(
                lambda _r: dialog.refresh() if shiboken6.isValid(dialog) else None
            )

    def _send_decision_started(self, record_id: str, decision_id: str) -> None:
        self._pending_sends[decision_id] = record_id
        self.open_record(decision_id)
        self.statusBar().showMessage(
            "Complete the information-sharing decision; sending to your DSL continues when "
            "it is completed."
        )

    def import_received(self) -> None:
        """File, Import received records (ui.received.ReceivedImporter does the work)."""
        if self.haven is not None and self.workspace is not None:
            self.importer.choose_and_import(self.exchange(), self.workspace)

    def _importing(self, running: bool) -> None:
        self.import_action.setEnabled(not running and self.session is not None)
        if running:
            self.statusBar().showMessage("Importing received records…")
        elif self.session is not None:
            self.statusBar().clearMessage()

    def _store_changed(self, *, queue_too: bool = True) -> None:
        """Records or children arrived (an import, a child confirmed): refresh every list."""
        if self.workspace is not None:
            self.workspace.children_panel.refresh()
        self._refresh_views(queue_too=queue_too)

    def _load_retention_notice(self, haven: Haven) -> None:
        notice = self.retention_notice
        if self.haven is haven and notice is not None and shiboken6.isValid(notice):
            notice.load(haven)

    def _update_queue_count(self) -> None:
        """Count what is waiting off the UI thread (the queue reads the whole store)."""
        if self.haven is None or self.workspace is None:
            return
        from ui.queue_view import waiting_count

        self._count_generation += 1
        generation = self._count_generation

        def counted(total: object) -> None:
            if generation == self._count_generation:
                self._show_waiting(total)

        run_task(waiting_count, self.exchange(), context=self.workspace, on_success=counted)

    def _queue_counted(self, total: int) -> None:
        self._count_generation += 1  # the view's own count is the newest
        self._show_waiting(total)

    def _show_waiting(self, total: object) -> None:
        text = f"Queue: {total} waiting" if isinstance(total, int) else "Queue"
        self.queue_button.setText(text)
        self.queue_button.setAccessibleName(text)

    # ---- closing --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        session = self.session
        if session is not None:
            try:
                self.prepare_for_lock()
            except Exception as exc:  # noqa: BLE001 - closing goes ahead; the bug is logged
                report_unexpected(type(exc), exc, exc.__traceback__)
            self.lock.forget_session()
            self.discard_record_widgets()
            session.lock()
        if self.clipboard is not None and shiboken6.isValid(self.clipboard):
            self.clipboard.clear_if_owned()
        wait_for_all(5000)
        super().closeEvent(event)


def _connect(view: QWidget, name: str, slot: Callable[..., object]) -> None:
    signal = getattr(view, name, None)
    if signal is not None and hasattr(signal, "connect"):
        signal.connect(slot)
