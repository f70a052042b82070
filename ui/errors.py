"""The ONE place an error becomes a dialog, and the offline crash log (house habit 5).

- A `HavenError` carries a message written to be shown to a user (app/errors.py: no
  personal data), so it is shown as it is.
- Anything else is a bug: the user sees a generic message and the details go to the crash
  log in Haven's data folder. Nothing is sent anywhere (no telemetry).

The crash log never holds personal data: it records the exception's type and the code
locations of the traceback (file, line, function), never the exception's message, local
variables or any answer text, because a bug's message can contain whatever was being
processed (a child's name in a KeyError, for example). HavenError messages are safe by
contract and are kept.
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.errors import HavenError
from ui import plain_text
from ui.accessibility import post_alert
from ui.theme import error_palette

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

# QMessageBox is imported where used: making their Python types (and
# its enums) took a tenth of the window's start-up, before any error (issue 11).

log = logging.getLogger(__name__)

GENERIC_MESSAGE = (
    "Something went wrong inside Haven. What you had saved is safe. Details without any "
    "personal information were written to Haven's crash log on this computer; if it keeps "
    "happening, tell IT and mention the time."
)
CRASH_LOG_NAME = "crash.log"

_crash_log: CrashLog | None = None
_open_boxes: set[QMessageBox] = set()


def show_error(parent: QWidget | None, error: BaseException, *, title: str = "Haven") -> None:
    """Show a HavenError's own message, or a generic one (logging the bug) for the rest."""
    from PySide6.QtWidgets import QMessageBox

    if isinstance(error, HavenError):
        message = plain_text(error.message)
        problems = getattr(error, "problems", None)
        if isinstance(problems, list) and problems:
            message += "\n\n" + "\n".join(plain_text(p, one_line=True) for p in problems[:20])
        icon = QMessageBox.Icon.Warning
    else:
        report_unexpected(type(error), error, error.__traceback__)
        message = GENERIC_MESSAGE
        icon = QMessageBox.Icon.Critical
    _show_message(parent, title, message, icon)


def _show_message(parent: QWidget | None, title: str, message: str, icon: QMessageBox.Icon) -> None:
    from PySide6.QtWidgets import QMessageBox

    if QApplication.instance() is None:
        return
    window = parent.window() if parent is not None else None
    if window is not None and window.property("havenTraining"):
        title = f"{title} — TRAINING"
    box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setAccessibleName(title)
    box.setAccessibleDescription(message)
    box.setObjectName("havenErrorDialog")
    box.setModal(True)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # Keep the Python wrapper alive until the box is closed (a parentless box would be
    # destroyed as soon as this function returned).
    _open_boxes.add(box)
    box.finished.connect(lambda _result: _open_boxes.discard(box))
    # open() rather than exec(): a nested event loop would keep running through an
    # auto-lock, and tests can find and close the box.
    box.open()
    box.activateWindow()


def report_unexpected(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """Write a bug to the crash log (if installed) without personal data."""
    if _crash_log is not None:
        _crash_log.write_exception(exc_type, exc, tb)
    else:
        kind = exc_type.__name__ if exc_type else "unknown"  # the type only, never the text
        log.error("unexpected error: %s", kind)


def redacted_traceback(
    exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
) -> str:
    """The type and code locations only; the message only for HavenError (safe by contract)."""
    name = f"{exc_type.__module__}.{exc_type.__qualname__}" if exc_type else "unknown"
    lines = [name]
    if isinstance(exc, HavenError):
        lines[0] += f": {plain_text(exc.message, one_line=True)}"
    for frame in traceback.extract_tb(tb):
        lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
    cause = exc.__cause__ if exc is not None else None
    if cause is not None and cause is not exc:
        lines.append("caused by " + redacted_traceback(type(cause), cause, cause.__traceback__))
    return "\n".join(lines)


class CrashLog:
    """An append-only local file for bugs: Python exceptions, thread exceptions, Qt fatal
    messages and, through faulthandler, hard crashes (segfaults) of the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fh: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for faulthandler
        self._lock = threading.Lock()
        self._previous: dict[str, Any] = {}

    def _write(self, text: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            self._fh.write(f"--- {stamp}\n{text}\n")
            self._fh.flush()

    def write_exception(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._write(redacted_traceback(exc_type, exc, tb))

    def install(self) -> None:
        """Hook every way a bug can surface; `uninstall` puts the previous hooks back."""
        global _crash_log
        _crash_log = self
        self._previous = {
            "excepthook": sys.excepthook,
            "threading": threading.excepthook,
            "faulthandler": faulthandler.is_enabled(),
        }
        faulthandler.enable(file=self._fh, all_threads=True)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        self._previous["qt"] = qInstallMessageHandler(self._qt_message)

    def uninstall(self) -> None:
        global _crash_log
        if _crash_log is self:
            _crash_log = None
        if self._previous:
            sys.excepthook = self._previous["excepthook"]
            threading.excepthook = self._previous["threading"]
            faulthandler.disable()
            if self._previous["faulthandler"]:
                faulthandler.enable()
            qInstallMessageHandler(self._previous["qt"])
            self._previous = {}
        with self._lock:
            self._fh.close()

    def _excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        self.write_exception(exc_type, exc, tb)
        if isinstance(exc, KeyboardInterrupt):
            return
        if isinstance(exc, HavenError):
            show_error(None, exc)
        else:
            from PySide6.QtWidgets import QMessageBox

            _show_message(None, "Haven", GENERIC_MESSAGE, QMessageBox.Icon.Critical)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        self.write_exception(args.exc_type, args.exc_value, args.exc_traceback)

    def _qt_message(self, kind: QtMsgType, context: Any, message: str) -> None:
        # Only Qt's own critical and fatal messages, and only their text: Qt does not put
        # record content into these, while warnings can echo widget text.
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self._write(f"Qt {kind.name}: {plain_text(message, one_line=True, limit=300)}")


def install_crash_log(folder: Path) -> CrashLog:
    crash = CrashLog(folder / CRASH_LOG_NAME)
    crash.install()
    return crash


def guarded(parent: QWidget | None, fn: Callable[[], object]) -> bool:
    """Run a quick UI-thread action; errors become a dialog. True when it succeeded."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the one edge where errors become dialogs
        show_error(parent, exc)
        return False
    return True


class InlineError(QLabel):
    """A specific message beside the thing it is about, announced to screen readers.

    Setting a message makes the label visible, puts the message in its accessible name and
    description, and raises an Alert accessibility event so a screen reader speaks it
    without the user moving focus (the nearest Qt widgets offer to an ARIA role=alert).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setObjectName("inlineError")
        error_palette(self)
        self.setVisible(False)

    def show_message(self, message: str) -> None:
        text = plain_text(message)
        self.setText(text)
        self.setAccessibleName("Error: " + text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        if text:
            post_alert(self)

    def clear_message(self) -> None:
        self.setText("")
        self.setAccessibleName("")
        self.setAccessibleDescription("")
        self.setVisible(False)

    def message(self) -> str:
        return self.text()


def show_notice(parent: QWidget | None, message: str, *, title: str = "Haven") -> None:
    """A plain information message (not an error), shown the same way as errors."""
    from PySide6.QtWidgets import QMessageBox

    _show_message(parent, title, plain_text(message), QMessageBox.Icon.Information)
