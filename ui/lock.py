"""Locking: after idle minutes, when the operating system's session locks, or on Ctrl+L.

SPEC 3: "Auto-lock after configurable idle minutes and when the OS session locks; unlock
with the passphrase." KeePassXC is the model (an application-wide event filter restarts a
single-shot timer on user input; per-OS screen-lock listeners).

What locking does, in order (`LockController.lock_now`):
1. ask the window to save unsaved typing and say where the user was (`prepare_for_lock`
   returns a `Position`), so at most nothing is lost;
2. destroy every widget that holds record text (`discard_record_widgets`): the widgets
   are deleted, not hidden, so no child's name or answer stays in the widget tree or in
   Qt's memory for longer than it has to;
3. clear the clipboard if it still holds text Haven put there;
4. close the database and forget the key (`Session.lock`);
5. show the unlock screen (`show_unlock_screen`), which re-opens the session with the
   passphrase and returns the user to the same `Position`.

Operating-system lock: on Linux, the login manager's `org.freedesktop.login1.Session.Lock`
signal (system bus, for this process's session) and the screensaver's `ActiveChanged(true)`
(`org.gnome.ScreenSaver`, `org.freedesktop.ScreenSaver`, session bus) through QtDBus when
it is available. On Windows, WTS session-change notifications: a hidden native window is
registered with WTSRegisterSessionNotification and a native event filter watches for
WM_WTSSESSION_CHANGE with WTS_SESSION_LOCK (`WindowsSessionLockFilter`). On macOS the
`com.apple.screenIsLocked` distributed notification needs PyObjC, which Haven does not
ship, so there Haven relies on its own idle lock.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import (
    SLOT,
    QAbstractNativeEventFilter,
    QEvent,
    QObject,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QApplication

from ui.errors import report_unexpected

log = logging.getLogger(__name__)

DEFAULT_IDLE_MINUTES = 5
IDLE_SETTING = "idle_lock_minutes"

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.InputMethod,
        QEvent.Type.Shortcut,
    }
)


@dataclass(frozen=True)
class Position:
    """Where the user was, so unlocking returns there: plain values, no widgets.

    `view` is "children" (nothing selected), "chronology" (a child), "my_work" or
    "record" (a form open). `section_index`, `item_id` and `on_check_page` come from the
    form view's own position.
    """

    view: str = "children"
    subject_id: str | None = None
    record_id: str | None = None
    section_index: int | None = None
    item_id: str | None = None
    on_check_page: bool = False


class Lockable(Protocol):
    """What the lock needs from the main window."""

    def prepare_for_lock(self) -> Position: ...

    def discard_record_widgets(self) -> None: ...

    def show_unlock_screen(self, position: Position) -> None: ...


class ClipboardClearer(Protocol):
    def clear_if_owned(self) -> bool: ...


class SessionLike(Protocol):
    def lock(self) -> None: ...


class IdleWatcher(QObject):
    """An application-wide event filter: any user input restarts a single-shot timer."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None, *, minutes: float = DEFAULT_IDLE_MINUTES):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self._installed = False
        self.inputs_seen = 0

    def set_minutes(self, minutes: float) -> None:
        self.set_interval_ms(int(max(minutes, 0.0) * 60_000))

    def set_interval_ms(self, ms: int) -> None:
        """Tests use milliseconds; 0 turns idle locking off."""
        active = self._timer.isActive()
        self._timer.setInterval(max(ms, 0))
        if active:
            self.restart()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.restart()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def restart(self) -> None:
        if self._timer.interval() > 0:
            self._timer.start()
        else:
            self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def remaining_ms(self) -> int:
        return self._timer.remainingTime()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
            self.inputs_seen += 1
        return False


WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WINDOWS_MSG_EVENT = b"windows_generic_MSG"


class WindowsSessionLockFilter(QAbstractNativeEventFilter):
    """Calls `on_lock` when Windows reports that this session locked (WM_WTSSESSION_CHANGE).

    Qt hands Windows messages to native event filters as a pointer to a MSG structure.
    """

    def __init__(self, on_lock: Callable[[], None]) -> None:
        super().__init__()
        self._on_lock = on_lock

    def nativeEventFilter(self, eventType: Any, message: Any) -> Any:
        if bytes(eventType) == WINDOWS_MSG_EVENT and message:
            from ctypes import wintypes

            msg = wintypes.MSG.from_address(int(message))
            if msg.message == WM_WTSSESSION_CHANGE and msg.wParam == WTS_SESSION_LOCK:
                self._on_lock()
        return False, 0


class ScreenLockListener(QObject):
    """Emits `screen_locked` when the desktop session locks (Linux, through QtDBus)."""

    screen_locked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listening: list[str] = []
        self._windows_filter: WindowsSessionLockFilter | None = None
        if sys.platform == "win32":
            self._listen_windows()
            return
        try:
            from PySide6 import QtDBus
        except ImportError:
            log.info("QtDBus is not available: screen-lock detection is off")
            return
        self._connect(QtDBus)

    def _connect(self, qtdbus: object) -> None:
        dbus = qtdbus.QDBusConnection  # type: ignore[attr-defined]
        session_bus = dbus.sessionBus()
        if session_bus.isConnected():
            # Any sender may say the screensaver is active: the worst a stray message can
            # do is lock Haven, which is the safe direction.
            for interface, path in (
                ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
                ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                ("org.freedesktop.ScreenSaver", "/ScreenSaver"),
            ):
                if session_bus.connect(
                    "",
                    path,
                    interface,
                    "ActiveChanged",
                    self,
                    SLOT("_on_screensaver(bool)"),
                ):
                    self.listening.append(f"{interface} {path}")
        system_bus = dbus.systemBus()
        if system_bus.isConnected():
            session_path = self._login_session_path(qtdbus, system_bus)
            if session_path and system_bus.connect(
                "org.freedesktop.login1",
                session_path,
                "org.freedesktop.login1.Session",
                "Lock",
                self,
                SLOT("_on_session_lock()"),
            ):
                self.listening.append("org.freedesktop.login1")

    @staticmethod
    def _login_session_path(qtdbus: object, system_bus: object) -> str | None:
        """This process's login1 session object path (signals are sent on it, not 'auto')."""
        iface = qtdbus.QDBusInterface(  # type: ignore[attr-defined]
            "org.freedesktop.login1",
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            system_bus,
        )
        if not iface.isValid():
            return None
        iface.setTimeout(1000)
        reply = iface.call("GetSessionByPID", os.getpid())
        args = reply.arguments() if reply is not None else []
        if not args:
            return None
        value = args[0]
        path = value.path() if hasattr(value, "path") else value
        return path if isinstance(path, str) and path.startswith("/") else None

    def _listen_windows(self) -> None:
        """Register a hidden native window for this session's lock notifications."""
        import ctypes

        from PySide6.QtGui import QWindow

        app = QApplication.instance()
        if app is None:
            return
        self._windows_filter = WindowsSessionLockFilter(self.screen_locked.emit)
        app.installNativeEventFilter(self._windows_filter)
        self._window = QWindow()
        hwnd = int(self._window.winId())
        wtsapi32 = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
        if wtsapi32.WTSRegisterSessionNotification(hwnd, 0):  # NOTIFY_FOR_THIS_SESSION
            self.listening.append("WTS session notifications")
        else:
            log.info("WTS session notifications are not available: screen-lock detection is off")

    @Slot(bool)
    def _on_screensaver(self, active: bool) -> None:
        if active:
            self.screen_locked.emit()

    @Slot()
    def _on_session_lock(self) -> None:
        self.screen_locked.emit()


class LockController(QObject):
    """Decides when to lock and carries out the lock in the safe order."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        target: Lockable,
        clipboard: ClipboardClearer | None,
        parent: QObject | None = None,
        *,
        idle_minutes: float = DEFAULT_IDLE_MINUTES,
        listen_to_os: bool = True,
    ) -> None:
        super().__init__(parent)
        self._target = target
        self._clipboard = clipboard
        self._session: SessionLike | None = None
        self._override_ms: int | None = None
        self.idle = IdleWatcher(self, minutes=idle_minutes)
        self.idle.idle.connect(self.lock_now)
        self.screen: ScreenLockListener | None = None
        if listen_to_os:
            self.screen = ScreenLockListener(self)
            self.screen.screen_locked.connect(self.lock_now)

    @property
    def is_locked(self) -> bool:
        return self._session is None

    def set_idle_minutes(self, minutes: float) -> None:
        """From the profile setting `idle_lock_minutes` (ignored when a test override is set)."""
        if self._override_ms is None:
            self.idle.set_minutes(minutes)

    def set_idle_ms(self, ms: int) -> None:
        """Override the idle time in milliseconds (tests, demonstrations)."""
        self._override_ms = ms
        self.idle.set_interval_ms(ms)

    def session_opened(self, session: SessionLike) -> None:
        self._session = session
        self.idle.start()
        self.unlocked.emit()

    @Slot()
    def lock_now(self) -> None:
        session = self._session
        if session is None:
            return
        self._session = None
        self.idle.stop()
        position = Position()
        try:
            position = self._target.prepare_for_lock()
        except Exception as exc:  # noqa: BLE001 - locking must go ahead even if saving failed
            report_unexpected(type(exc), exc, exc.__traceback__)
        self._target.discard_record_widgets()
        if self._clipboard is not None:
            self._clipboard.clear_if_owned()
        try:
            session.lock()
        finally:
            self._target.show_unlock_screen(position)
            self.locked.emit()

    def forget_session(self) -> None:
        """At quit: the caller locks the session itself."""
        self._session = None
        self.idle.stop()
