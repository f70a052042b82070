"""Windows session lock: the native event filter reacts to WM_WTSSESSION_CHANGE/LOCK only.

The registration (WTSRegisterSessionNotification) needs Windows; the message handling is
plain ctypes over the MSG structure Qt passes, so it is tested here with a real MSG.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes

from PySide6.QtCore import QByteArray

from ui.lock import (
    WINDOWS_MSG_EVENT,
    WM_WTSSESSION_CHANGE,
    WTS_SESSION_LOCK,
    WindowsSessionLockFilter,
)


def deliver(message: int, wparam: int, event_type: bytes = WINDOWS_MSG_EVENT) -> int:
    locks: list[bool] = []
    guard = WindowsSessionLockFilter(lambda: locks.append(True))
    msg = wintypes.MSG()
    msg.message = message
    msg.wParam = wparam
    result = guard.nativeEventFilter(QByteArray(event_type), ctypes.addressof(msg))
    assert result == (False, 0)  # never swallows the message
    return len(locks)


def test_a_session_lock_message_locks() -> None:
    assert deliver(WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK) == 1


def test_other_messages_do_not() -> None:
    assert deliver(WM_WTSSESSION_CHANGE, 0x8) == 0  # WTS_SESSION_UNLOCK
    assert deliver(0x0010, WTS_SESSION_LOCK) == 0  # WM_CLOSE
    assert deliver(WM_WTSSESSION_CHANGE, WTS_SESSION_LOCK, b"xcb_generic_event_t") == 0
