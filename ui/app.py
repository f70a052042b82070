"""Start-up: the application object, theme, crash log, then first run / unlock / window.

`haven-desktop` / `python -m ui` / `haven` with no subcommand (ui.__main__) call
`run(profile_dir)`; `--profile-dir DIR` passes DIR. With no
profile in the folder the first-run dialog creates one (or opens the training profile);
otherwise the main window starts on its unlock screen.

The training profile lives beside the real one: `training_profile_dir()` by default, or
`DIR/../training` when a profile folder was given, so a test or demo folder never makes
a training profile inside the user's real data folder.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from app.errors import HavenError, ProfileError
from app.profile import (
    ProfilePaths,
    Session,
    default_data_dir,
    default_profile_dir,
    read_meta,
    training_profile_dir,
)
from app.training import TRAINING_PASSPHRASE, create_training_profile
from ui import start_up
from ui.clipboard import ClipboardGuard
from ui.errors import CrashLog, install_crash_log, show_error
from ui.first_run import FirstRunDialog
from ui.main_window import MainWindow
from ui.shell.lock_cycle import AFTER_FIRST_PAINT_MS
from ui.theme import apply_theme
from ui.unlock import Wait, qt_wait
from ui.workers import Task, run_task, wait_for_all

log = logging.getLogger(__name__)


def training_dir_for(profile_dir: Path | None) -> Path:
    return profile_dir.parent / "training" if profile_dir is not None else training_profile_dir()


def is_training_profile(folder: Path) -> bool:
    try:
        return read_meta(folder).training
    except HavenError:
        return False


class Shell(QObject):
    """Owns the windows for one run: first-run dialog, main window, clipboard guard."""

    window_opened = Signal(object)

    def __init__(
        self,
        profile_dir: Path,
        *,
        training_dir: Path | None = None,
        clipboard: ClipboardGuard | None = None,
        unlock_wait: Wait = qt_wait,
        listen_to_os: bool = True,
        idle_ms: int | None = None,
        try_keychain: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile_dir = profile_dir
        self.training_dir = training_dir or training_dir_for(profile_dir)
        # Not parented to the shell: windows keep a reference and may outlive it.
        self.clipboard = clipboard or ClipboardGuard()
        self._unlock_wait = unlock_wait
        self._listen_to_os = listen_to_os
        self._idle_ms = idle_ms
        self._try_keychain = try_keychain
        self.first_run: FirstRunDialog | None = None
        self.main_window: MainWindow | None = None
        self.progress: QProgressDialog | None = None
        self._task: Task | None = None

    def start(self) -> None:
        if ProfilePaths(self.profile_dir).exists():
            self.open_window(self.profile_dir)
        else:
            self.show_first_run()

    # ---- first run ----------------------------------------------------------------------

    def show_first_run(self) -> None:
        dialog = FirstRunDialog(self.profile_dir)
        dialog.created.connect(lambda session: self.open_window(self.profile_dir, session))
        dialog.practise_requested.connect(self.practise)
        dialog.rejected.connect(self._first_run_cancelled)
        self.first_run = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _first_run_cancelled(self) -> None:
        if self.main_window is None and self._task is None:
            QApplication.quit()

    def practise(self) -> None:
        """Open the training profile, creating it (with its fictional cases) the first time."""
        if self._task is not None:
            return
        if ProfilePaths(self.training_dir).exists():
            self.open_window(self.training_dir)
            self._close_first_run()
            return
        parent: QWidget | None = self.first_run
        progress = QProgressDialog("Creating the training profile…", "", 0, 100, parent)
        progress.setObjectName("trainingProgress")
        progress.setWindowTitle("Haven — TRAINING")
        progress.setCancelButton(None)
        progress.setMinimumDuration(300)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setAccessibleName("Creating the training profile")
        self.progress = progress
        if self.first_run is not None:
            self.first_run.setEnabled(False)
        self._task = run_task(
            create_training_profile,
            self.training_dir,
            context=self,
            on_success=self._training_ready,
            on_failure=self._training_failed,
            on_progress=lambda pct, text: self._progress(pct, text),
        )

    def _progress(self, percent: int, text: str) -> None:
        # setValue on a modal progress dialog processes events, so the task may finish
        # (and the dialog go) in the middle of this call: hold our own reference.
        progress = self.progress
        if progress is not None and shiboken6.isValid(progress):
            progress.setLabelText(text)
            progress.setValue(percent)

    def _end_progress(self) -> None:
        self._task = None
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _training_ready(self, session: object) -> None:
        self._end_progress()
        if isinstance(session, Session):
            self.open_window(self.training_dir, session)
        self._close_first_run()

    def _training_failed(self, exc: BaseException) -> None:
        self._end_progress()
        if self.first_run is not None:
            self.first_run.setEnabled(True)
        show_error(self.first_run, exc)

    def _close_first_run(self) -> None:
        dialog = self.first_run
        if dialog is not None:
            self.first_run = None
            dialog.rejected.disconnect(self._first_run_cancelled)
            dialog.close()
            dialog.deleteLater()

    # ---- main window ------------------------------------------------------------------

    def open_window(self, folder: Path, session: Session | None = None) -> MainWindow:
        training = session.training if session is not None else is_training_profile(folder)
        window = MainWindow(
            folder,
            training=training,
            clipboard=self.clipboard,
            try_keychain=self._try_keychain,
            unlock_wait=self._unlock_wait,
            listen_to_os=self._listen_to_os,
            idle_ms=self._idle_ms,
            training_passphrase=TRAINING_PASSPHRASE if training else None,
        )
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.main_window = window
        if session is not None:
            window.open_session(session)
        if self.first_run is not None and session is not None:
            self._close_first_run()
        window.show()
        window.raise_()
        window.activateWindow()
        self.window_opened.emit(window)
        return window

    def shutdown(self) -> None:
        """At quit: close the window (saving and locking), clear the clipboard, join work."""
        if self.main_window is not None:
            self.main_window.close()
        self.clipboard.clear_if_owned()
        wait_for_all(5000)


def crash_log_folder() -> Path:
    return default_data_dir() / "logs"


def start(app: QApplication, profile_dir: Path | None = None) -> tuple[Shell, CrashLog | None]:
    """Everything before the event loop: theme, crash log, first run or unlock."""
    app.setApplicationName("Haven")
    app.setOrganizationName("Haven")
    apply_theme(app)
    crash: CrashLog | None = None
    try:
        crash = install_crash_log(crash_log_folder())
    except OSError:
        log.warning("the crash log could not be opened")
    folder = profile_dir if profile_dir is not None else default_profile_dir()
    shell = Shell(folder)
    app.aboutToQuit.connect(shell.shutdown)
    try:
        shell.start()
    except ProfileError as exc:
        show_error(None, exc)
    return shell, crash


def run(profile_dir: Path | None = None) -> int:
    """The desktop application's entry point; returns the process exit code."""
    os.umask(0o077)  # anything Haven writes is private to the user
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    shell, crash = start(app, profile_dir)
    # The collector paused at the start (ui.start_up.begin) resumes once the window painted.
    QTimer.singleShot(AFTER_FIRST_PAINT_MS, start_up.first_paint_done)
    code = app.exec()
    shell.shutdown()
    if crash is not None:
        crash.uninstall()
    return int(code)
