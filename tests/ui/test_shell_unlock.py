"""Unlocking: wrong passphrase, growing back-off (injected, never slept), right passphrase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.app import Shell
from ui.unlock import failure_delay


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 4), (6, 8), (8, 30), (40, 30)],
)
def test_failure_delay_grows_then_caps(failures: int, seconds: float) -> None:
    assert failure_delay(failures) == seconds


def _attempt(qtbot: QtBot, screen: Any, text: str, expected_failures: int) -> None:
    screen.passphrase.selectAll()
    qtbot.keyClicks(screen.passphrase, text)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.failures == expected_failures, timeout=10_000)


def test_wrong_then_right_passphrase_with_growing_delay(
    qtbot: QtBot, profile_dir: Path, fake_wait: Any, shell_passphrase: str
) -> None:
    shell = Shell(profile_dir, unlock_wait=fake_wait, listen_to_os=False)
    shell.start()
    window = shell.main_window
    assert window is not None
    screen = window.unlock_screen
    assert screen is not None
    qtbot.waitExposed(window)
    assert window.session is None and window.workspace is None
    assert window.windowTitle() == "Haven — locked"
    assert not window.new_child_action.isEnabled()

    # Empty passphrase: a plain message, nothing tried.
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert screen.error.text() == "Enter your passphrase."

    _attempt(qtbot, screen, "not the passphrase", 1)
    assert "not right" in screen.error.text()
    assert screen.error.accessibleDescription() == screen.error.text()
    assert screen.unlock_button.isEnabled() and fake_wait.delays == []

    _attempt(qtbot, screen, "still not it!", 2)
    assert screen.unlock_button.isEnabled() and fake_wait.delays == []

    _attempt(qtbot, screen, "third time wrong", 3)
    assert fake_wait.delays == [1.0]
    assert not screen.unlock_button.isEnabled()
    assert "try again in 1 second." in screen.error.text()
    # While waiting, Return in the field does nothing.
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    assert screen.failures == 3 and not screen.busy
    fake_wait.finish()
    assert screen.unlock_button.isEnabled()

    _attempt(qtbot, screen, "fourth time wrong", 4)
    assert fake_wait.delays == [1.0, 2.0]
    assert "try again in 2 seconds." in screen.error.text()
    fake_wait.finish()

    screen.passphrase.selectAll()
    qtbot.keyClicks(screen.passphrase, shell_passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    assert window.session is not None
    assert window.new_child_action.isEnabled()
    assert window.windowTitle() == "Haven"
