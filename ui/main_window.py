"""The main window: unlock screen or workspace (children, chronology, my work, a record).

Two pages in one window: the unlock screen and the workspace. Everything that shows
record text lives inside the workspace (ui.shell.workspace, which also says what the
window expects of the lazily imported form view), built when the profile is unlocked and
DESTROYED when it locks (ui.shell.lock_cycle), so a locked Haven holds no child's data in
its widgets. The window's title never carries a child's name: at most an opaque reference
(SPEC 3: "Nor do file names Haven writes, window titles, notifications...").

This module keeps what the window is for: switching between the views of the workspace
and opening records. The menus (ui.shell.menus), the queue count in the status bar
(ui.shell.queue_count), locking and unlocking (ui.shell.lock_cycle) and the dialogs the
window opens (ui.shell.dialogs) each have their own module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QWidget

from app.domain import Subject
from app.errors import HavenError
from app.profile import Session
from app.service import Haven
from ui import plain_text
from ui.clipboard import ClipboardGuard
from ui.errors import report_unexpected, show_error, show_notice
from ui.lock import LockController, Position
from ui.shell.dialogs import ShellDialogs
from ui.shell.lock_cycle import LockCycle
from ui.shell.menus import ShellMenus
from ui.shell.queue_count import QueueCount
from ui.shell.workspace import (
    FORM_VIEW_MISSING,
    FormViewFactory,
    Workspace,
    connect_if_present,
    default_form_view_factory,
)
from ui.unlock import UnlockScreen, Wait, qt_wait
from ui.widgets.focus_ring import install_focus_ring
from ui.workers import wait_for_all

if TYPE_CHECKING:
    # The views other than the children list are imported when first shown, the dialogs
    # (ui.shell.dialogs) when opened: the first window paints without them (issue 11).
    from app.exchange.relay import Exchange
    from ui.chronology import ChronologyView
    from ui.my_work import MyWorkView
    from ui.outbox_actions import OutboxSender
    from ui.queue_view import QueueView
    from ui.received import ReceivedImporter
    from ui.reopen_banner import ReopenDraftBanner
    from ui.retention_notice import RetentionNotice

APP_TITLE = "Haven"


class MainWindow(LockCycle, ShellDialogs, QMainWindow):
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
        self.view_name = "children"
        self.subject_id: str | None = None
        self.record_id: str | None = None
        self._position: Position | None = None
        # Sharing-decision drafts started from Export: decision id -> the record to export
        # once the decision is completed (Appendix 13: the decision comes first).
        self._pending_exports: dict[str, str] = {}
        # The same for decisions started from "Send to my DSL": back to that dialog.
        self._pending_sends: dict[str, str] = {}
        # Made when first used (ui.shell.dialogs): they import exports and the exchange.
        self._outbox_sender: OutboxSender | None = None
        self._importer: ReceivedImporter | None = None

        install_focus_ring()
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        self.setCentralWidget(self.pages)
        self.resize(1100, 720)
        self.menus = ShellMenus(self, self)
        self.new_child_action = self.menus.new_child_action
        self.import_action = self.menus.import_action
        self.lscb_action = self.menus.lscb_action
        self.backup_action = self.menus.backup_action
        self.settings_action = self.menus.settings_action
        self.lock_action = self.menus.lock_action
        self.quit_action = self.menus.quit_action
        self.search_action = self.menus.search_action
        self.children_action = self.menus.children_action
        self.my_work_action = self.menus.my_work_action
        self.queue_action = self.menus.queue_action
        self.children_list_action = self.menus.children_list_action
        self.contrast_action = self.menus.contrast_action
        self.shortcuts_action = self.menus.shortcuts_action
        self.children_list_action.toggled.connect(self._children_list_toggled)
        # "Queue: N waiting", always in sight while unlocked; choosing it opens the Queue.
        self.queue_count = QueueCount(self, self.show_queue)
        self.queue_button = self.queue_count.button

        self.lock = LockController(self, clipboard, self, listen_to_os=listen_to_os)
        if idle_ms is not None:
            self.lock.set_idle_ms(idle_ms)
        self.lock.locked.connect(self.locked)
        self.send_outbox_requested.connect(self.send_outbox)
        self._set_unlocked_actions(False)
        self._show_unlock(try_keychain=try_keychain, locked_after_use=False)

    def _set_unlocked_actions(self, unlocked: bool) -> None:
        self.menus.set_unlocked(unlocked)
        self.queue_count.set_unlocked(unlocked)

    def _update_title(self, context: str | None = None) -> None:
        parts = [APP_TITLE]
        if self.training:
            parts.append("TRAINING")
        if self.session is None:
            parts.append("locked")
        elif context:
            parts.append(plain_text(context, one_line=True, limit=40))
        self.setWindowTitle(" — ".join(parts))

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
        from ui.chronology import ChronologyView

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
        from ui.my_work import MyWorkView

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
        from ui.new_child_dialog import NewChildDialog

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
        connect_if_present(view, "closed", self._form_closed)
        connect_if_present(view, "completed", self._form_completed)
        connect_if_present(view, "amended", self._form_amended)
        connect_if_present(view, "export_requested", self.export_record)
        connect_if_present(view, "send_to_dsl_requested", self.send_to_dsl)
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
        self._resume_after_decision(record_id)
        self._update_queue_count()

    # ---- keeping the lists and the queue count up to date ----------------------------------

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

    def _store_changed(self, *, queue_too: bool = True) -> None:
        """Records or children arrived (an import, a child confirmed): refresh every list."""
        if self.workspace is not None:
            self.workspace.children_panel.refresh()
        self._refresh_views(queue_too=queue_too)

    def _update_queue_count(self) -> None:
        """Count what is waiting off the UI thread (the queue reads the whole store)."""
        if self.haven is None or self.workspace is None:
            return
        self.queue_count.refresh(self.exchange(), self.workspace)

    def _queue_counted(self, total: int) -> None:
        self.queue_count.counted(total)  # the view's own count is the newest

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
