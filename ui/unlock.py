"""The unlock screen: at start-up and after every lock.

- At start-up only, when the user chose "unlock automatically on this computer", Haven
  first tries the OS keychain; if that fails it says why in plain words
  (KeychainUnavailable's message) and asks for the passphrase. After an auto-lock the
  keychain is NOT used: a lock that the keychain silently undid would protect nothing.
- A wrong passphrase gets a clear message and another try. After repeated failures the
  Unlock button is disabled for a short, growing time (`failure_delay`: from the third
  failure 1 s, doubling, at most 30 s) to slow down guessing at an unattended laptop.
  The wait is injectable (`wait`) so tests never sleep.
- The passphrase runs through Argon2id off the UI thread (ui.workers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import HavenError, KeychainUnavailable, WrongPassphrase
from app.profile import ProfilePaths, unlock
from ui import plain_text
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.workers import Task, run_task

Wait = Callable[[float, Callable[[], None]], None]

FREE_ATTEMPTS = 2
MAX_DELAY_SECONDS = 30.0


def failure_delay(failures: int) -> float:
    """Seconds to wait after `failures` wrong passphrases in a row: 0, 0, 1, 2, 4 … 30."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_ATTEMPTS - 1)))


def qt_wait(seconds: float, callback: Callable[[], None]) -> None:
    QTimer.singleShot(int(seconds * 1000), callback)


def uses_keychain(folder: Path) -> bool:
    from app import keys  # read after the unlock screen has painted (see UnlockScreen)

    try:
        keyfile = keys.read_key_file(ProfilePaths(folder).key)
    except HavenError:
        return False
    return keyfile.wrap_of("keychain") is not None


class UnlockScreen(QWidget):
    """Emits `unlocked(Session)` once the profile is open."""

    unlocked = Signal(object)

    def __init__(
        self,
        profile_dir: Path,
        parent: QWidget | None = None,
        *,
        training: bool = False,
        try_keychain: bool = False,
        locked_after_use: bool = False,
        wait: Wait = qt_wait,
        training_passphrase: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unlockScreen")
        self._dir = profile_dir
        self._wait = wait
        self._failures = 0
        self._task: Task | None = None
        self._waiting = False
        self.setAccessibleName("Unlock Haven")

        outer = QVBoxLayout(self)
        if training:
            outer.addWidget(training_banner(self))
        outer.addStretch(1)
        row_outer = QHBoxLayout()
        column = QWidget(self)
        # About 45 characters wide at the user's font size: no pixel sizes.
        column.setMaximumWidth(column.fontMetrics().horizontalAdvance("m" * 45))
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        row_outer.addStretch(1)
        row_outer.addWidget(column, 4)
        row_outer.addStretch(1)
        outer.addLayout(row_outer)
        outer.addStretch(2)

        title = "Haven is locked" if locked_after_use else "Unlock Haven"
        box.addWidget(heading(title, self))
        intro = QLabel(
            "Haven locked itself to keep children's records safe. Enter your passphrase "
            "to carry on where you left off."
            if locked_after_use
            else "Enter your passphrase to open your records.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        box.addWidget(intro)

        self.notice = QLabel(self)
        self.notice.setObjectName("unlockNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setVisible(False)
        box.addWidget(self.notice)

        if training and training_passphrase:
            hint = QLabel(
                f"This is the training profile. Its passphrase is: {training_passphrase}",
                self,
            )
            hint.setWordWrap(True)
            hint.setTextFormat(Qt.TextFormat.PlainText)
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(hint)

        form = QFormLayout()
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("unlockPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setAccessibleDescription("The passphrase you chose for this profile.")
        form.addRow("&Passphrase", self.passphrase)
        box.addLayout(form)

        self.error = InlineError(self)
        box.addWidget(self.error)

        row = QHBoxLayout()
        self.unlock_button = QPushButton("&Unlock", self)
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setAccessibleDescription("Open Haven with this passphrase.")
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        box.addLayout(row)

        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Unlock status")
        box.addWidget(self.status)

        self.unlock_button.clicked.connect(self.try_passphrase)
        self.passphrase.returnPressed.connect(self.try_passphrase)
        self.setFocusProxy(self.passphrase)

        if try_keychain:
            # Whether this profile unlocks by keychain is read from its key file once the
            # screen is up: the screen paints without loading the key file code (issue 11).
            QTimer.singleShot(0, self._try_keychain_if_on)

    @property
    def failures(self) -> int:
        return self._failures

    @property
    def busy(self) -> bool:
        return self._task is not None

    def show_notice(self, text: str) -> None:
        clean = plain_text(text)
        self.notice.setText(clean)
        self.notice.setAccessibleName(clean)
        self.notice.setVisible(bool(clean))

    # ---- keychain ---------------------------------------------------------------------

    def _try_keychain_if_on(self) -> None:
        if self._task is None and uses_keychain(self._dir):
            self.try_keychain()

    def try_keychain(self) -> None:
        if self._task is not None:
            return
        self._set_busy(True, "Unlocking with this computer's keychain…")
        self._task = run_task(
            unlock,
            self._dir,
            None,
            context=self,
            on_success=self._opened,
            on_failure=self._keychain_failed,
        )

    def _keychain_failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False, "")
        if isinstance(exc, KeychainUnavailable):
            self.show_notice(exc.message)
        else:
            show_error(self, exc)
        self.passphrase.setFocus()

    # ---- passphrase -------------------------------------------------------------------

    def try_passphrase(self) -> None:
        if self._task is not None or self._waiting or not self.unlock_button.isEnabled():
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            self.error.show_message("Enter your passphrase.")
            self.passphrase.setFocus()
            return
        self.error.clear_message()
        self._set_busy(True, "Unlocking…")
        self._task = run_task(
            unlock,
            self._dir,
            passphrase,
            context=self,
            on_success=self._opened,
            on_failure=self._passphrase_failed,
        )

    def _passphrase_failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False, "")
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        if not isinstance(exc, WrongPassphrase):
            show_error(self, exc)
            return
        self._failures += 1
        delay = failure_delay(self._failures)
        message = exc.message
        if delay:
            seconds = int(delay)
            message += f" You can try again in {seconds} second{'s' if seconds != 1 else ''}."
            self._waiting = True
            self.unlock_button.setEnabled(False)
            self._wait(delay, self._end_wait)
        self.error.show_message(message)

    def _end_wait(self) -> None:
        self._waiting = False
        try:
            self.unlock_button.setEnabled(True)
        except RuntimeError:
            return  # the screen was closed while waiting

    def _opened(self, session: object) -> None:
        self._task = None
        self._failures = 0
        self._wipe()
        self._set_busy(False, "")
        self.unlocked.emit(session)

    def _set_busy(self, busy: bool, text: str) -> None:
        self.unlock_button.setEnabled(not busy and not self._waiting)
        self.passphrase.setReadOnly(busy)
        self.status.setText(text)

    def _wipe(self) -> None:
        # Best effort: Python strings cannot be zeroed, but the widget's copy goes now.
        self.passphrase.setText("x" * len(self.passphrase.text()))
        self.passphrase.clear()

    def closeEvent(self, event: object) -> None:
        self._wipe()
        super().closeEvent(event)  # type: ignore[arg-type]
