"""Practise with example cases: a separate training profile, bannered in every window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.profile import ProfilePaths
from app.training import TRAINING_PASSPHRASE
from ui.app import Shell
from ui.new_child_dialog import NewChildDialog
from ui.theme import TRAINING_BANNER_TEXT


def _banners(widget: Any) -> list[QLabel]:
    return [
        label
        for label in widget.findChildren(QLabel, "trainingBanner")
        if label.isVisible() and label.text() == TRAINING_BANNER_TEXT
    ]


def test_practise_creates_training_profile_with_banner_everywhere(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any
) -> None:
    profile = tmp_path / "profiles" / "default"
    shell = Shell(profile, unlock_wait=fake_wait, listen_to_os=False)
    shell.start()
    dialog = shell.first_run
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.practise_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=30_000)
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.workspace is not None)
    # The training profile sits beside the real one, which was not created.
    assert shell.training_dir == tmp_path / "profiles" / "training"
    assert ProfilePaths(shell.training_dir).exists()
    assert not ProfilePaths(profile).exists()

    assert window.training and window.session is not None and window.session.training
    assert "TRAINING" in window.windowTitle()
    assert len(_banners(window)) == 1

    names = {c.name for c in window.haven.children()}
    assert {"Alex Example", "Taylor Sample", "Jordan Sample"} <= names
    panel = window.workspace.children_panel
    assert len(panel.visible_subject_ids()) == len(names)

    # A child with an overdue return interview shows the flag in its chronology.
    alex = next(c for c in window.haven.children() if c.name == "Alex Example")
    window.show_child(alex.id)
    assert window.chronology is not None
    assert "overdue" in window.chronology.flags.text()

    # Dialogs carry the banner too.
    window.new_child()
    new_child = window.findChild(NewChildDialog)
    assert new_child is not None and len(_banners(new_child)) == 1
    new_child.reject()

    # My work: training never sends.
    window.show_my_work()
    assert window.my_work is not None
    assert window.my_work.draft_count() >= 1
    assert not window.my_work.send_button.isEnabled()

    # The unlock screen of a training profile is bannered and shows the known passphrase.
    window.lock_now()
    qtbot.waitUntil(lambda: window.unlock_screen is not None)
    screen = window.unlock_screen
    assert len(_banners(screen)) == 1
    qtbot.keyClicks(screen.passphrase, TRAINING_PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    assert window.view_name == "my_work"


def test_practise_again_opens_the_existing_training_profile(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any
) -> None:
    from app.training import create_training_profile

    training = tmp_path / "profiles" / "training"
    create_training_profile(training).lock()
    shell = Shell(tmp_path / "profiles" / "default", unlock_wait=fake_wait, listen_to_os=False)
    shell.start()
    assert shell.first_run is not None
    shell.first_run.practise_button.click()
    window = shell.main_window
    assert window is not None and window.training
    screen = window.unlock_screen
    assert screen is not None and len(_banners(screen)) == 1
    assert "TRAINING" in window.windowTitle()
