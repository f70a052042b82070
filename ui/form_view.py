"""The guided form: any form file, one section at a time, GOV.UK question-page style.

Layout: a list of the sections (the progress list, which the user can jump through), the
current section's page (heading, help, guidance, error summary, its questions), a footer
with Previous / Continue and the draft's actions, and, for forms with outcomes, what
Haven suggests beside the page. After the last section comes "Check your answers", whose
"Complete this record" button completes the record through `Haven.complete`.

The view is three layers: the widgets and their layout (ui/form/form_chrome.py), the
pages driven by the form session (ui/form/form_pages.py), and here the record's life —
loading, autosave, completing, amending, deleting, clearing on lock. None of them holds a
rule: which sections and questions show, which come next, which problems are shown
when, the Continue rule, the completion guard and what a record's state allows live in
`app.forms.session.FormSession` (tested without Qt); everything form-specific comes from
the definition and the engine (HOUSE_STYLE: no `if form.id == ...` here).

Validation follows the GOV.UK pattern (validate on Continue, not on blur): Continue on a
section with problems stays on it once, shows the error summary and moves focus there;
pressing Continue again moves on (a draft may be incomplete) and the section stays marked
"There is a problem". Once shown, a message disappears as soon as its answer is fixed.
Completion is refused while any error remains.

Drafts save themselves (ui/form/autosave.py). A save only queues the record's search-index
rewrite and its audit "change" entry (issue 11); the view has them written off the UI
thread (`Haven.flush_pending` through ui.workers) when the user changes section, pauses
typing for `IDLE_DRAIN_MS`, or leaves the record (`save_now`). Completed records open
read-only: every input stays focusable and readable but cannot change; "Amend" asks why
and opens the new version (SPEC 3); a record received from another Haven says where it
came from and is never amended here. Nothing here logs or titles a window with anything
but the record's opaque reference.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import (
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMessageBox,
    QWidget,
)

from app.domain import Record
from app.errors import HavenError, ValidationFailed
from app.forms.session import (
    BEFORE_COMPLETING,
    FormSession,
    record_actions,
)
from app.service import Haven, SaveResult
from ui import plain_text
from ui.accessibility import alert, announce
from ui.errors import show_error
from ui.form import discard
from ui.form.amend_dialog import AmendDialog
from ui.form.autosave import (
    Autosaver,
    DraftPlace,
    draft_left_open,
    local_date_time,
    local_time,
    mark_draft_closed,
    mark_draft_editing,
    remember_place,
    saved_place,
)
from ui.form.check_answers import CheckAnswersPage
from ui.form.form_pages import FormPages, FormPosition
from ui.received import provenance_text, received_from
from ui.shortcuts import FORM_SHORTCUTS, keys_text
from ui.theme import error_palette
from ui.workers import Task, run_task

log = logging.getLogger(__name__)

# A pause in typing this long has the queued index rows and audit entry written.
IDLE_DRAIN_MS = 3000


class FormView(FormPages):
    """A record's form, section by section. See the module docstring.

    Signals: `closed()` when the user closes (or deletes) the record, `completed(id)` when
    it was completed, `saved(id)` after every successful save, `amended(new_id)` and
    `open_record(new_id)` when a completed record was amended and the view now shows the
    new draft.
    """

    closed = Signal()
    completed = Signal(str)
    saved = Signal(str)
    amended = Signal(str)
    open_record = Signal(str)
    export_requested = Signal(str)
    """Asks the window to open a record in a fresh view (after an amendment: the new
    version, which this view already shows if nobody does)."""
    send_to_dsl_requested = Signal(str)

    def __init__(
        self,
        haven: Haven,
        record_id: str,
        parent: QWidget | None = None,
        position: FormPosition | None = None,
    ) -> None:
        super().__init__(haven, parent)
        self.setObjectName("formView")
        self._editing_marked = False
        self.recovered_at: str | None = None
        self._place_written: DraftPlace | None = None
        self.autosaver = Autosaver(self._save, self)
        self.autosaver.saved.connect(self._after_save)
        self.autosaver.failed.connect(self._save_failed)
        # Saves since the last drain started; the drain in flight; a drain asked for
        # while one ran (one at a time: the second one starts when the first ends).
        self._undrained = False
        self._drain_task: Task | None = None
        self._drain_again = False
        self._idle_drain = QTimer(self)
        self._idle_drain.setSingleShot(True)
        self._idle_drain.setInterval(IDLE_DRAIN_MS)
        self._idle_drain.timeout.connect(self.drain_pending)
        self._connect_chrome()
        self._install_shortcuts()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        record = haven.record(record_id, audited=position is None)
        self._load(record, position)

    def _connect_chrome(self) -> None:
        """The chrome (ui/form/form_chrome.py) builds the widgets; this gives them work."""
        self.amend_button.clicked.connect(self.ask_amend)
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.record.id))
        self.send_dsl_button.clicked.connect(
            lambda: self.send_to_dsl_requested.emit(self.record.id)
        )
        self.nav.clicked.connect(self._nav_chosen)
        self.nav.activated.connect(self._nav_chosen)
        self.outcome_panel.alert_shown.connect(self._alert_shown)
        self.continue_button.clicked.connect(self.continue_)
        self.previous_button.clicked.connect(self.previous_section)
        self.check_button.clicked.connect(self.check_for_errors)
        self.delete_button.clicked.connect(self.ask_delete_draft)
        self.close_button.clicked.connect(self.close_form)

    def _install_shortcuts(self) -> None:
        """Bind ui.shortcuts.FORM_SHORTCUTS (the list Help > Keyboard shortcuts
        shows) and name them in the buttons' tooltips."""
        slots: dict[str, Callable[[], None]] = {
            "next": self.next_section,
            "previous": self.previous_section,
            "continue": self._ctrl_enter,
            "save": self._save_shortcut,
            "sections": lambda: self.set_sections_shown(None),
            "suggestions": lambda: self.set_suggestions_shown(None),
        }
        self.shortcuts: list[QShortcut] = []
        for binding in FORM_SHORTCUTS:
            for keys in binding.keys:
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slots[binding.name])
                self.shortcuts.append(shortcut)
        for button, name, words in (
            (self.previous_button, "previous", "Previous section"),
            (self.continue_button, "continue", "Check this section and continue"),
            (self.sections_toggle, "sections", "Show or hide the list of sections"),
            (self.suggestions_toggle, "suggestions", "Show or hide what Haven suggests"),
        ):
            button.setToolTip(f"{words} ({keys_text(name)})")
        self.continue_button.setToolTip(
            f"{self.continue_button.toolTip()}. {keys_text('next')} goes to the next "
            "section without stopping."
        )
        self.close_button.setToolTip("Save and close this record")

    def _check_page_made(self, page: CheckAnswersPage) -> None:
        page.change_requested.connect(self._change_from_check)
        page.complete_requested.connect(self.complete)
        page.complete_button.setToolTip(f"Complete this record ({keys_text('continue')})")

    # ==== loading a record ===============================================================

    def _load(self, record: Record, position: FormPosition | None = None) -> None:
        """Show `record` (first open, after completing, after amending)."""
        self.record = record
        self.form = self.haven.form_for(record)
        self.ctx = self.haven.context(record)
        self.session = FormSession(
            self.form, record.answers, self.ctx, read_only=not record.is_draft
        )
        self._nav_rows = []
        for page_index in list(self._pages):
            scroll = self._scrolls.pop(page_index)
            self.stack.removeWidget(scroll)
            discard(scroll)
        self._pages.clear()
        self._editing_marked = False
        self._place_written = None
        self.setWindowTitle(f"{self.form.title} — {record.ref}")
        self.form_title.setText(plain_text(self.form.title, one_line=True))
        self.form_title.setAccessibleName(self.form_title.text())
        self._update_status()
        self._fit_panels()
        self.outcome_panel.clear()
        self.check_button.setVisible(not self.read_only)
        self.delete_button.setVisible(not self.read_only)
        self.recovered_banner.setVisible(False)
        self.recovered_at = None
        if record.is_draft and draft_left_open(self.haven, record.id):
            self._editing_marked = True
            self.recovered_at = local_time(record.updated_at)
            self._banner_text(self.recovered_banner).setText(
                f"Recovered your draft saved at {self.recovered_at}. Haven stopped "
                "unexpectedly while you were working on it; check your latest answers."
            )
            self.recovered_banner.setAccessibleName(
                f"Recovered your draft saved at {self.recovered_at}"
            )
            self.recovered_banner.setVisible(True)
            place = saved_place(self.haven, record.id) if position is None else None
            if place is not None:
                # Back where the user was when Haven stopped, not at section 1.
                position = FormPosition(
                    record.id, place.section_index, place.item_id, place.on_check_page
                )
                self._place_written = place
        self._rebuild_nav()
        self._show_outcomes(speak=False)
        if position is not None and position.on_check_page:
            self.session.current = position.section_index
            self.show_check_page(focus=False)
        else:
            start = self.session.first_section()
            index = self.session.nearest_visible(
                position.section_index if position is not None else start
            )
            self.go_to_section(index, focus=False)
            if position is not None and position.item_id:
                self._pending_focus = position.item_id
        if self.isVisible():
            self._apply_pending_focus()
        if self.recovered_banner.isVisible():
            alert(self.recovered_banner, self.recovered_banner.accessibleName())

    def _update_status(self) -> None:
        record = self.record
        if record.is_draft:
            status = f"Draft · {record.ref}"
            if record.version > 1:
                status += f" · version {record.version}"
            self.saved_label.setText(f"Last saved at {local_time(record.updated_at)}")
        else:
            status = f"{record.status.capitalize()} · {record.ref} · version {record.version}"
            self.saved_label.setText("")
        self.saved_label.setAccessibleName(self.saved_label.text())
        self.status_label.setText(status)
        banner = self._banner_text(self.record_banner)
        if not record.is_draft:
            when = local_date_time(record.completed_at or record.updated_at)
            text = f"This record was completed on {when} and is locked."
            # A record received from another Haven is read-only here: never amended.
            received = received_from(self.haven, record.id)
            if record.superseded_by:
                text += " It has been replaced by a newer version."
            elif received is not None:
                text = f"{provenance_text(received)} It is read-only here and cannot be amended."
            else:
                text += " To change it, amend it: Haven keeps this version and records why."
            banner.setText(text)
            actions = record_actions(record, self.form, received=received is not None)
            self.amend_button.setVisible(actions.can_amend)
            self.export_button.setVisible(actions.can_export)
            self.send_dsl_button.setVisible(actions.can_send_to_dsl)
            self.record_banner.setAccessibleName(text)
            self.record_banner.setVisible(True)
        elif record.amend_reason:
            banner.setText(
                f"This draft amends version {record.version - 1}. Reason: "
                f"{plain_text(record.amend_reason, one_line=True, limit=300)}"
            )
            self.amend_button.setVisible(False)
            self.export_button.setVisible(False)
            self.send_dsl_button.setVisible(False)
            self.record_banner.setVisible(True)
        else:
            self.record_banner.setVisible(False)

    def _ctrl_enter(self) -> None:
        if self.on_check_page:
            if not self.read_only:
                self.complete()
        else:
            self.continue_()

    # ==== draft actions =====================================================================

    def check_for_errors(self) -> None:
        """Check the whole draft without completing it (SPEC 3), on the check page."""
        if self._cleared or self.read_only:
            return
        self._display_sections(None)
        self.show_check_page(focus=False)
        self.haven.checked(self.record.id, self.session.error_count())
        if self.session.problems:
            self.check_page.set_notice(None)
            self._update_check_summary(take_focus=True)
        else:
            self.check_page.set_notice(
                "No problems found. This draft can be completed when you are ready."
            )
            self.check_page.notice.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.check_page.complete_button.setFocus(Qt.FocusReason.OtherFocusReason)
            announce(self.check_page, self.check_page.notice.text(), assertive=True)

    def complete(self) -> None:
        """Check every answer and lock the record (Haven.complete) if nothing blocks it."""
        if self._cleared or self.read_only:
            return
        blockers = self.session.completion_blockers(self._collect_local())
        self._refresh_problem_views()
        if blockers:
            self.show_check_page(focus=False)
            self.check_page.set_notice(None)
            self._update_check_summary(take_focus=True, intro=BEFORE_COMPLETING)
            return
        self.save_now()
        try:
            record = self.haven.complete(self.record.id, self.answers)
        except ValidationFailed:
            self._display_sections(None)
            self.show_check_page(focus=False)
            self._update_check_summary(take_focus=True, intro=BEFORE_COMPLETING)
            return
        except HavenError as error:
            show_error(self, error)
            return
        self.autosaver.cancel()
        mark_draft_closed(self.haven, record.id)
        self._load(record)
        self.show_check_page(focus=False)
        self.check_page.set_notice(f"Completed. This record ({record.ref}) is now locked.")
        self.record_banner.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.record_banner.setFocus(Qt.FocusReason.OtherFocusReason)
        announce(self, f"Record {record.ref} completed and locked.", assertive=True)
        self.completed.emit(record.id)

    def ask_amend(self) -> None:
        """Ask why, then make and open the new version (Haven.amend)."""
        if self._cleared or self.record.is_draft:
            return
        dialog = AmendDialog(self)

        def finished(result: int) -> None:
            reason = dialog.reason_text()
            dialog.deleteLater()
            if result != QDialog.DialogCode.Accepted:
                self.amend_button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            self.amend(reason)

        dialog.finished.connect(finished)
        dialog.open()

    def amend(self, reason: str) -> None:
        try:
            record = self.haven.amend(self.record.id, reason)
        except HavenError as error:
            show_error(self, error)
            return
        self._load(record)
        announce(self, f"New version {record.ref} opened for you to change.", assertive=True)
        self.amended.emit(record.id)
        self.open_record.emit(record.id)

    def ask_delete_draft(self) -> None:
        if self._cleared or self.read_only:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete draft",
            f"Delete this draft ({self.record.ref})? Everything entered in it will be lost. "
            "The deletion is recorded in the audit log.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("confirmDeleteDraft")
        delete = box.addButton("Delete draft", QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("confirmDelete")
        keep = box.addButton("Keep draft", QMessageBox.ButtonRole.RejectRole)
        keep.setObjectName("keepDraft")
        box.setDefaultButton(keep)

        def finished() -> None:
            box.deleteLater()
            if box.clickedButton() is delete:
                self.delete_draft()
            else:
                self.delete_button.setFocus(Qt.FocusReason.OtherFocusReason)

        box.finished.connect(finished)
        box.open()

    def delete_draft(self) -> None:
        self.autosaver.stop()
        try:
            self.haven.delete_draft(self.record.id)
        except HavenError as error:
            show_error(self, error)
            return
        mark_draft_closed(self.haven, self.record.id)
        self.clear()
        self.closed.emit()

    def close_form(self) -> None:
        """Save everything and say we are done (the window removes the view)."""
        self.save_now()
        self.closed.emit()

    # ==== saving ============================================================================

    def _save(self) -> SaveResult:
        if not self._editing_marked:
            mark_draft_editing(self.haven, self.record.id)
            self._editing_marked = True
        result = self.haven.save_draft(self.record.id, self.answers)
        self.ctx = self.haven.context(self.record)
        self._remember_place()
        return result

    def _remember_place(self) -> None:
        """Keep where the user is while the draft has edits (reopened there after a crash)."""
        if not self._editing_marked or self._cleared or self.read_only or not self.isVisible():
            return  # (not while a view is being built: its focus is not placed yet)
        where = self.position()
        place = DraftPlace(where.section_index, where.item_id, where.on_check_page)
        if place == self._place_written:
            return
        try:
            remember_place(self.haven, self.record.id, place)
        except HavenError as error:  # the answers are saved; only the place is not
            kind = type(error).__name__  # the kind only: no record text reaches the log
            log.warning("Draft place not kept: %s", kind)
            return
        self._place_written = place

    def _after_save(self, result: SaveResult) -> None:
        self._undrained = True
        if not self._cleared:
            self._idle_drain.start()
        text = f"Saved at {local_time(result.saved_at)}"
        self.saved_label.setText(text)
        self.saved_label.setAccessibleName(text)
        palette = self.saved_label.palette()
        palette.setColor(
            QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.WindowText)
        )
        self.saved_label.setPalette(palette)
        if self.session.prune(self._collect_local()):
            self._refresh_problem_views()
            if self.on_check_page:
                self._update_check_summary(take_focus=False)
        self.saved.emit(self.record.id)

    def _save_failed(self, error: HavenError) -> None:
        text = f"Not saved: {error.message}"
        self.saved_label.setText(plain_text(text, one_line=True, limit=200))
        self.saved_label.setAccessibleName(self.saved_label.text())
        error_palette(self.saved_label)
        alert(self.saved_label, self.saved_label.text())

    def _save_shortcut(self) -> None:
        self.save_now()
        if not self.read_only and not self._cleared:
            announce(self.saved_label, self.saved_label.text())

    def save_now(self, *, drain: bool = True) -> None:
        """Write any pending typing now (window close, lock, Ctrl+S, leaving the record):
        a clean stop. Then the index and audit work the saves queued is drained, unless
        the view is being cleared (the lock writes the audit entries; unlock the rest)."""
        if self._cleared or self.read_only or not self.haven.session.is_open:
            return
        self.autosaver.flush()
        if self._editing_marked and not self.autosaver.pending:
            mark_draft_closed(self.haven, self.record.id)
            self._editing_marked = False
        if drain:
            self.drain_pending()

    # ==== draining what autosave queued ======================================================

    def go_to_section(self, index: int, focus: bool | str = True) -> None:
        super().go_to_section(index, focus)
        self.drain_pending()

    def show_check_page(self, focus: bool = True) -> None:
        super().show_check_page(focus)
        self.drain_pending()

    def drain_pending(self) -> None:
        """Have the search-index rows and audit entries the saves queued written, off the
        UI thread (a drain reads every stored record it indexes).

        Only after this view saved something. A save landing while the drain runs is
        not lost: it stays queued for the next drain (RecordsStore.index_records), which
        the save's own idle timer starts.
        """
        self._idle_drain.stop()
        if not self._undrained or not self.haven.session.is_open:
            return
        if self._drain_task is not None:
            self._drain_again = True
            return
        self._undrained = False
        self._drain_task = run_task(
            self.haven.flush_pending,
            context=self,
            on_failure=self._drain_failed,
            on_finished=self._drain_finished,
        )

    def _drain_finished(self) -> None:
        self._drain_task = None
        if self._drain_again:
            self._drain_again = False
            self.drain_pending()

    def _drain_failed(self, error: BaseException) -> None:
        # Nothing is lost: the queue is in the store and the next drain (or the unlock's)
        # writes it. Typically the profile locked while the drain ran.
        kind = type(error).__name__  # the type only, never the text
        log.warning("Queued index and audit work not written yet: %s", kind)
        self._undrained = True

    # ==== clearing ==========================================================================

    def clear(self) -> None:
        """Save, then drop every widget holding record text (lock, close). Final."""
        if self._cleared:
            return
        self.save_now(drain=False)
        self.autosaver.stop()
        self._idle_drain.stop()
        self._cleared = True
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)
        for scroll in self._scrolls.values():
            self.stack.removeWidget(scroll)
            discard(scroll)
        self._pages.clear()
        self._scrolls.clear()
        if self._check_page is not None:
            self._check_page.show_answers([], {}, read_only=True)
            self._check_page.summary.clear()
            self._check_page.set_notice(None)
        self.outcome_panel.clear()
        self.nav_model.set_rows([])
        self.session = FormSession(self.form, {}, self.ctx, read_only=True)
        for banner in (self.recovered_banner, self.record_banner):
            self._banner_text(banner).setText("")
            banner.setAccessibleName("")
            banner.setVisible(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_now()
        super().closeEvent(event)
