"""Unlocking and locking the window: building the workspace for a session, and taking it down.

A mixin of ui.main_window.MainWindow rather than a collaborator: the window itself is what
ui.lock.LockController locks (`Lockable`), and unlocking fills in the window's own state
(the workspace, the banners, where the user was). Kept apart so that what happens to
record text on lock (SPEC 3) is read in one place, not between the menus and the views.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QMainWindow, QStackedWidget, QWidget

from app.errors import HavenError
from app.profile import Session
from app.service import Haven
from ui import plain_text
from ui.errors import report_unexpected, show_error
from ui.lock import LockController, Position
from ui.shell.workspace import Workspace, position_parts
from ui.unlock import UnlockScreen, Wait
from ui.workers import run_task

if TYPE_CHECKING:
    from app.exchange.relay import Exchange
    from ui.chronology import ChronologyView
    from ui.my_work import MyWorkView
    from ui.queue_view import QueueView
    from ui.reopen_banner import ReopenDraftBanner
    from ui.retention_notice import RetentionNotice

    _Window = QMainWindow
else:
    _Window = object

# The queue count and the retention notice read the whole store in workers: started once
# the window has painted, so that they do not hold the store, the GIL and the two cores
# while it paints. The banners above the list (crash recovery, retention) are hidden until
# they have something to say, so they are made then too (issue 11: start-up).
AFTER_FIRST_PAINT_MS = 250


class LockCycle(_Window):
    """The unlock screen, `open_session`, and ui.lock.Lockable for MainWindow."""

    if TYPE_CHECKING:
        # What this mixin needs of MainWindow.
        unlocked = Signal()
        profile_dir: Path
        training: bool
        pages: QStackedWidget
        lock: LockController
        session: Session | None
        haven: Haven | None
        workspace: Workspace | None
        unlock_screen: UnlockScreen | None
        chronology: ChronologyView | None
        my_work: MyWorkView | None
        queue_view: QueueView | None
        retention_notice: RetentionNotice | None
        reopen_banner: ReopenDraftBanner | None
        form_view: QWidget | None
        view_name: str
        subject_id: str | None
        record_id: str | None
        _exchange: Exchange | None
        _position: Position | None
        _unlock_wait: Wait
        _service_factory: Callable[[Session], Haven]
        _training_passphrase: str | None

        def _set_unlocked_actions(self, unlocked: bool) -> None: ...
        def _update_title(self, context: str | None = None) -> None: ...
        def _update_queue_count(self) -> None: ...
        def show_child(self, subject_id: str) -> None: ...
        def show_my_work(self) -> None: ...
        def show_queue(self) -> None: ...
        def new_child(self) -> None: ...
        def focus_children(self) -> None: ...
        def open_record(self, record_id: str, *, position: Position | None = None) -> None: ...

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
        offer = position is None
        QTimer.singleShot(AFTER_FIRST_PAINT_MS, lambda: self._add_banners(haven, offer=offer))
        if session.keychain_note:
            self.statusBar().showMessage(plain_text(session.keychain_note, one_line=True))
        # After the window has painted: the count reads the whole store (issue 11).
        QTimer.singleShot(AFTER_FIRST_PAINT_MS, self._update_queue_count)
        # Forms built and autosave's owed writes made, off the UI thread (_build_forms).
        QTimer.singleShot(AFTER_FIRST_PAINT_MS, lambda: self._build_forms(haven))
        self.unlocked.emit()

    def _reopen_draft(self, record_id: str, place: object) -> None:
        """The crash banner's Reopen: the draft, at the section and question it was on."""
        from ui.form.autosave import DraftPlace

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

    def _build_forms(self, haven: Haven) -> None:
        """After the first paint, off the UI thread: build the forms (those that loaded
        before, unchanged, are built on first use: app.forms.loader) so that the first
        record does not wait, then write what autosave still owed when Haven last stopped
        (killed after a save: its search-index rows and audit entries, flush_pending)."""
        if self.haven is haven and self.workspace is not None:

            def work() -> None:
                haven.registry.ids()
                haven.flush_pending()

            run_task(work, context=self.workspace)  # a failure is shown

    def _add_banners(self, haven: Haven, *, offer: bool) -> None:
        """The banners above the list, once the window has painted (AFTER_FIRST_PAINT_MS).

        SPEC 3: a warning before the retention policy deletes anything (it reads every
        record, in a worker); after a crash, the offer to reopen the unfinished draft, above
        everything, with the focus (`offer`: not when returning to where the user was after
        a lock). They live in the workspace, so they go with it on lock and are worked out
        again on unlock.
        """
        workspace = self.workspace
        if self.haven is not haven or workspace is None or not shiboken6.isValid(workspace):
            return  # locked (or locked and unlocked again) before they were made
        from ui.reopen_banner import ReopenDraftBanner
        from ui.retention_notice import RetentionNotice

        notice = RetentionNotice(workspace)
        workspace.outer_layout.insertWidget(0, notice)
        banner = ReopenDraftBanner(workspace)
        workspace.outer_layout.insertWidget(0, banner)
        banner.reopen_requested.connect(self._reopen_draft)
        banner.dismissed.connect(self.focus_children)
        self.retention_notice, self.reopen_banner = notice, banner
        # Made after the list but shown above it: first in Tab order too.
        panel = workspace.children_panel
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
        notice.load(haven)
        # The offer takes the focus only if the user has not gone elsewhere meanwhile.
        if offer and banner.load(haven) and self.view_name == "children":
            banner.offer()
