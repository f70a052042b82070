"""Text copied out of a record does not linger on the clipboard (SPEC 3; KeePassXC).

When Haven puts text on the clipboard - the user pressed Ctrl+C in one of Haven's
fields, or a Copy button called `copy` - the guard remembers that text and clears the
clipboard after `timeout_ms` (30 seconds by default), on lock and on quit. It clears only
if the clipboard still holds exactly what Haven put there: if the user has since copied
something else, in Haven or another program, that is left alone.

Where the platform can say who owns the clipboard (X11, Windows, macOS) that is checked
too. Copies are marked with the KDE "password manager hint" so clipboard managers that
honour it keep no history of them.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

DEFAULT_TIMEOUT_MS = 30_000
_CONCEALED = "x-kde-passwordManagerHint"


class ClipboardGuard(QObject):
    """Watches the application clipboard; one per application."""

    cleared = Signal()

    def __init__(self, parent: QObject | None = None, *, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        super().__init__(parent)
        self._clipboard: QClipboard = QGuiApplication.clipboard()
        self._owned: str | None = None
        self._setting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.clear_if_owned)
        self._clipboard.dataChanged.connect(self._changed)

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)

    @property
    def holds_haven_text(self) -> bool:
        return self._owned is not None

    def copy(self, text: str) -> None:
        """Put record text on the clipboard, marked concealed, and start the countdown."""
        mime = QMimeData()
        mime.setText(text)
        mime.setData(_CONCEALED, QByteArray(b"secret"))
        self._setting = True
        try:
            self._clipboard.setMimeData(mime)
        finally:
            self._setting = False
        self._remember(text)

    def _remember(self, text: str) -> None:
        self._owned = text
        self._timer.start()

    def _changed(self) -> None:
        if self._setting:
            return
        text = self._clipboard.text()
        if self._haven_put_it_there():
            if text:
                self._remember(text)
        elif self._owned is not None and text != self._owned:
            # Someone else replaced our text: nothing of ours is left to clear.
            self._forget()

    def _haven_put_it_there(self) -> bool:
        if self._clipboard.ownsClipboard():
            return True
        # Platforms that cannot report ownership (offscreen, some Wayland set-ups): a
        # change while one of Haven's widgets has keyboard focus is Haven's own copy.
        app = QGuiApplication.instance()
        return isinstance(app, QGuiApplication) and QGuiApplication.focusObject() is not None

    def _forget(self) -> None:
        self._owned = None
        self._timer.stop()

    def clear_if_owned(self) -> bool:
        """Clear the clipboard if it still holds Haven's text; True when it cleared."""
        owned = self._owned
        self._forget()
        if owned is None:
            return False
        if self._clipboard.text() != owned:
            return False
        self._setting = True
        try:
            self._clipboard.clear(QClipboard.Mode.Clipboard)
            if (
                self._clipboard.supportsSelection()
                and self._clipboard.text(QClipboard.Mode.Selection) == owned
            ):
                self._clipboard.clear(QClipboard.Mode.Selection)
        finally:
            self._setting = False
        self.cleared.emit()
        return True
