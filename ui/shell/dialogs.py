"""The dialogs the window opens over the workspace: export, send to the DSL, settings,
backup, the LSCB report and importing received records.

A mixin of ui.main_window.MainWindow: each is a public command of the window (the menus,
the form view's banner and My work call them), and the two that start a sharing decision
first (Appendix 13) come back to the window when that decision's record is completed.
Kept apart so the window's own module is about the workspace, not about every dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from app.profile import Session
from app.service import Haven
from ui.clipboard import ClipboardGuard
from ui.errors import show_error
from ui.lock import LockController, Position
from ui.shell.workspace import Workspace

if TYPE_CHECKING:
    # Dialogs (and what only they use: exports, the exchange, certificates and ssl) are
    # imported where they open, not at start-up (issue 11: they were a third of it).
    from app.exchange.relay import Exchange
    from ui.backup_dialog import BackupDialog
    from ui.export_dialog import ExportDialog
    from ui.my_work import MyWorkView
    from ui.outbox_actions import OutboxSender
    from ui.received import ReceivedImporter
    from ui.report_dialog import ReportDialog
    from ui.send_to_dsl import SendToDslDialog
    from ui.settings_dialog import SettingsDialog

    _Window = QMainWindow
else:
    _Window = object


class ShellDialogs(_Window):
    """Export, Send to my DSL, Settings, Back up, LSCB report, Import, Send now."""

    if TYPE_CHECKING:
        # What this mixin needs of MainWindow.
        send_outbox_requested = Signal(str)
        clipboard: ClipboardGuard | None
        lock: LockController
        session: Session | None
        haven: Haven | None
        workspace: Workspace | None
        my_work: MyWorkView | None
        import_action: QAction
        _exchange: Exchange | None
        _outbox_sender: OutboxSender | None
        _importer: ReceivedImporter | None
        _pending_exports: dict[str, str]
        _pending_sends: dict[str, str]

        def _refresh_views(self, *, queue_too: bool = True) -> None: ...
        def _store_changed(self, *, queue_too: bool = True) -> None: ...
        def open_record(self, record_id: str, *, position: Position | None = None) -> None: ...

    # ---- exports, settings and the outbox ---------------------------------------------

    @property
    def outbox_sender(self) -> OutboxSender:
        """My work's "Send now" (made when first used: it imports the export package)."""
        if self._outbox_sender is None:
            from ui.outbox_actions import OutboxSender

            self._outbox_sender = OutboxSender()
        return self._outbox_sender

    @property
    def importer(self) -> ReceivedImporter:
        """File, Import received records (made when first used, like the exchange)."""
        if self._importer is None:
            from ui.received import ReceivedImporter

            importer = ReceivedImporter(self)
            importer.store_changed.connect(self._store_changed)
            importer.running_changed.connect(self._importing)
            self._importer = importer
        return self._importer

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

    def open_settings(
        self, tab: str | None = None, *, parent: QWidget | None = None
    ) -> SettingsDialog | None:
        haven = self.haven
        if haven is None or self.workspace is None:
            return None
        try:
            from ui.settings_dialog import SettingsDialog

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
            from ui.received import exchange_for

            self._exchange = exchange_for(haven)
        return self._exchange

    def send_to_dsl(self, record_id: str) -> SendToDslDialog | None:
        """The form view's "Send to my DSL…": the sharing decision first, then queue it."""
        if self.haven is None or self.workspace is None:
            return None
        try:
            from ui.send_to_dsl import SendToDslDialog

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

    def _resume_after_decision(self, record_id: object) -> None:
        """A sharing decision started from Export or Send to my DSL is completed: go back
        to that dialog (after the form view has finished handling its own completion)."""
        waiting = self._pending_exports.pop(str(record_id), None) if record_id else None
        if waiting is not None:
            QTimer.singleShot(0, lambda: self.export_record(waiting))
        sending = self._pending_sends.pop(str(record_id), None) if record_id else None
        if sending is not None:
            QTimer.singleShot(0, lambda: self.send_to_dsl(sending))
