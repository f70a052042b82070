"""Back up this profile: choose a file, set the backup passphrase twice, watch it happen.

The work itself is `app.backup.write_backup`, run off the UI thread through ui.workers
(house habit 3) with progress and Cancel; the worker gets plain values (the session, a
path and the passphrase), never widgets. The passphrase fields are emptied as soon as
the work starts and whenever the dialog closes (KeePassXC's habit), and the passphrase
is never shown, logged or kept.

Cancel stops the work at its next check; the dialog then says what really happened: a
backup that finished in the meantime is reported as written, never as cancelled. The
suggested file name carries only the date (SPEC 3: no child's name in file names Haven
writes).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import keys
from app.backup import SUFFIX, BackupSummary, Progress, write_backup
from app.errors import HavenError, WeakPassphrase
from app.profile import Session
from ui import plain_text
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.widgets.strength_meter import StrengthMeter
from ui.widgets.work_pages import ProgressPage, ResultPage
from ui.workers import Task, run_task

FILE_FILTER = f"Haven backups (*{SUFFIX})"


@dataclass(frozen=True)
class BackupJob:
    """What to write, as plain values for the worker."""

    path: Path
    passphrase: str
    kdf: keys.KdfParams | None = None


def run_backup(
    session: Session, job: BackupJob, stop: threading.Event, *, progress: Progress | None = None
) -> BackupSummary:
    """The backup itself, off the UI thread; `stop` is the dialog's Cancel."""
    return write_backup(
        session, job.path, job.passphrase, kdf=job.kdf, progress=progress, cancelled=stop.is_set
    )


def suggested_name(training: bool) -> str:
    kind = "haven-training-backup" if training else "haven-backup"
    return f"{kind}-{date.today().isoformat()}{SUFFIX}"


def with_suffix(path: Path) -> Path:
    return path if path.suffix.lower() == SUFFIX else path.with_name(path.name + SUFFIX)


class BackupDialog(QDialog):
    """Choices -> progress -> result, for the unlocked profile."""

    backed_up = Signal(str)  # the backup's id: the audit log has a new entry

    PAGE_CHOICES, PAGE_PROGRESS, PAGE_RESULT = range(3)

    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        kdf: keys.KdfParams | None = None,
        folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._kdf = kdf
        self._task: Task | None = None
        self._stop = threading.Event()
        self._running = False
        self.summary: BackupSummary | None = None

        self.setObjectName("backupDialog")
        self.setWindowTitle("Back up this profile")
        self.setAccessibleName("Back up this profile")
        self.setModal(True)
        self.resize(600, 440)

        layout = QVBoxLayout(self)
        if session.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("Back up this profile", self))
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("backupPages")
        self.pages.addWidget(self._build_choices_page(folder))
        self.progress_page = ProgressPage(
            self, title="Backing up", prefix="backup", bar_name="Backup progress"
        )
        self.pages.addWidget(self.progress_page)
        self.result_page = ResultPage(self, title="Backup written", prefix="backup")
        self.result_page.text.setAccessibleName("Backup result")
        self.pages.addWidget(self.result_page)
        self.progress_text, self.progress = self.progress_page.text, self.progress_page.bar
        self.result_text = self.result_page.text
        layout.addWidget(self.pages, 1)

        buttons = QHBoxLayout()
        self.backup_button = QPushButton("&Back up", self)
        self.backup_button.setObjectName("startBackupButton")
        self.backup_button.setAccessibleName("Back up")
        self.backup_button.setAccessibleDescription(
            "Write the encrypted backup file with the passphrase above."
        )
        self.backup_button.setDefault(True)
        self.close_button = QPushButton("Cancel", self)
        self.close_button.setObjectName("closeBackupButton")
        self.close_button.setAccessibleName("Cancel")
        buttons.addStretch(1)
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.backup_button.clicked.connect(self.start_backup)
        self.close_button.clicked.connect(self.reject)
        self._set_page(self.PAGE_CHOICES)

    # ---- pages ----------------------------------------------------------------------------

    def _build_choices_page(self, folder: Path | None) -> QWidget:
        page = QWidget(self)
        page.setObjectName("backupChoicesPage")
        box = QVBoxLayout(page)
        self.about = QLabel(
            "Haven writes one encrypted file holding everything in this profile: children, "
            "records, the audit log and settings. Keep it away from this computer, for "
            "example on an encrypted drive your organisation provides. Restoring it needs "
            "the backup passphrase you choose here, and nobody can recover a forgotten "
            "one, so keep it somewhere safe and separate from the file.",
            page,
        )
        self.about.setObjectName("backupAbout")
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        box.addWidget(self.about)

        form = QFormLayout()
        start = folder or Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )
        self.path = QLineEdit(str(start / suggested_name(self._session.training)), page)
        self.path.setObjectName("backupPath")
        self.path.setAccessibleName("Backup file")
        self.path.setAccessibleDescription(
            "Where to save the backup. The name should not include a child's name."
        )
        self.choose_button = QPushButton("C&hoose…", page)
        self.choose_button.setObjectName("chooseBackupPath")
        self.choose_button.setAccessibleName("Choose where to save the backup")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.choose_button)
        path_label = QLabel("Backup &file", page)
        path_label.setBuddy(self.path)
        form.addRow(path_label, path_row)

        self.passphrase = self._secret(page, "Backup passphrase", "backupPassphrase")
        self.passphrase.setAccessibleDescription(
            "At least 10 characters; three or four unrelated words work well."
        )
        form.addRow("Backup &passphrase", self.passphrase)
        self.meter = StrengthMeter(page, "backupPassphraseStrength", "Backup passphrase strength")
        self.strength, self.strength_label = self.meter.bar, self.meter.label
        form.addRow("Strength", self.meter.row)
        self.confirm = self._secret(page, "Backup passphrase again", "confirmBackupPassphrase")
        self.confirm.setAccessibleDescription("Type the same backup passphrase again.")
        form.addRow("Passphrase &again", self.confirm)
        box.addLayout(form)

        self.error = InlineError(page)
        self.error.setObjectName("backupError")
        box.addWidget(self.error)
        box.addStretch(1)

        self.choose_button.clicked.connect(self.choose_path)
        self.passphrase.textChanged.connect(self._update_strength)
        return page

    def _secret(self, parent: QWidget, name: str, object_name: str) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setObjectName(object_name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        return edit

    # ---- state ----------------------------------------------------------------------------

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    @property
    def running(self) -> bool:
        return self._running

    def _set_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.backup_button.setVisible(index == self.PAGE_CHOICES)
        closing = index == self.PAGE_RESULT
        self.close_button.setText("&Close" if closing else "Cancel")
        self.close_button.setAccessibleName("Close" if closing else "Cancel")
        self.close_button.setAccessibleDescription(
            "Stop the backup; no file is written." if index == self.PAGE_PROGRESS else ""
        )
        if index == self.PAGE_CHOICES:
            self.passphrase.setFocus()
        elif index == self.PAGE_PROGRESS:
            self.close_button.setFocus()
        else:
            self.result_text.setFocus()

    def _update_strength(self, text: str) -> None:
        self.meter.show_for(text)

    def choose_path(self) -> None:
        chosen, _selected = QFileDialog.getSaveFileName(
            self, "Save the backup as", self.path.text(), FILE_FILTER
        )
        if chosen:
            self.path.setText(str(with_suffix(Path(chosen))))

    def _job(self) -> BackupJob | None:
        """The choices as a job; None (with the problem shown beside it) when not ready."""
        self.error.clear_message()
        text = self.path.text().strip()
        if not text:
            self._problem("Choose where to save the backup.", self.path)
            return None
        path = with_suffix(Path(text).expanduser())
        if not path.parent.is_dir():
            self._problem(
                "That folder does not exist. Choose a folder that does, for example with Choose.",
                self.path,
            )
            return None
        passphrase = self.passphrase.text()
        try:
            keys.check_passphrase_strength(passphrase)
        except WeakPassphrase as exc:
            self._problem(exc.message, self.passphrase)
            return None
        if self.confirm.text() != passphrase:
            self.confirm.clear()
            self._problem(
                "The two passphrases are not the same. Type the backup passphrase again.",
                self.confirm,
            )
            return None
        return BackupJob(path=path, passphrase=passphrase, kdf=self._kdf)

    def _problem(self, message: str, field: QWidget) -> None:
        self.error.show_message(message)
        field.setFocus()
        return None

    # ---- actions ----------------------------------------------------------------------------

    def start_backup(self) -> None:
        if self._running or self.page != self.PAGE_CHOICES:
            return
        job = self._job()
        if job is None:
            return
        self._forget_passphrases()
        self._stop = threading.Event()
        self._running = True
        self.progress_page.restart()
        self._set_page(self.PAGE_PROGRESS)
        self._task = run_task(
            run_backup,
            self._session,
            job,
            self._stop,
            context=self,
            on_success=self._succeeded,
            on_failure=self._failed,
            on_progress=self._progressed,
            on_finished=self._task_finished,
        )

    def _progressed(self, percent: int, text: str) -> None:
        if self._stop.is_set():
            return
        self.progress_page.show_progress(percent, text)

    def _task_finished(self) -> None:
        self._task = None
        self._running = False

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self._set_page(self.PAGE_CHOICES)
        if isinstance(exc, HavenError):  # BackupCancelled included: say so, plainly
            self.error.show_message(exc.message)
        else:
            show_error(self, exc)

    def _succeeded(self, result: object) -> None:
        self._running = False
        if not isinstance(result, BackupSummary):
            return
        self.summary = result
        self.result_text.setText(self._result_lines(result))
        self.result_text.setAccessibleDescription(self.result_text.text())
        self._set_page(self.PAGE_RESULT)
        self.backed_up.emit(result.backup_id)

    def _result_lines(self, summary: BackupSummary) -> str:
        children = f"{summary.children} {'child' if summary.children == 1 else 'children'}"
        records = f"{summary.records} {'record' if summary.records == 1 else 'records'}"
        return (
            "The encrypted backup was saved to:\n"
            + plain_text(str(summary.path), limit=500)
            + f"\n\nIt holds {children} and {records}. Keep it away from this computer, and "
            "keep the backup passphrase somewhere separate: without it the backup cannot be "
            "restored. To restore it, use 'haven restore' with a new, empty profile folder."
        )

    def _forget_passphrases(self) -> None:
        self.passphrase.clear()
        self.confirm.clear()

    def reject(self) -> None:
        """Cancel while working stops the work (the dialog stays to say what happened);
        otherwise it closes."""
        if self._running:
            self._stop.set()
            self.progress_text.setText("Stopping…")
            return
        super().reject()

    def done(self, result: int) -> None:
        self._stop.set()
        self._forget_passphrases()
        super().done(result)
