"""First run: the dialog creates an encrypted profile and lands on the main window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.profile import ProfilePaths, unlock
from ui.app import Shell
from ui.first_run import FirstRunDialog

PASSPHRASE = "copper kettle winter lantern"


def _shell(tmp_path: Path, fake_wait: Any) -> Shell:
    return Shell(tmp_path / "profiles" / "default", unlock_wait=fake_wait, listen_to_os=False)


def _type(qtbot: QtBot, widget: object, text: str) -> None:
    widget.setFocus()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)


def test_first_run_creates_profile_and_opens_main_window(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any
) -> None:
    shell = _shell(tmp_path, fake_wait)
    shell.start()
    dialog = shell.first_run
    assert isinstance(dialog, FirstRunDialog)
    qtbot.waitExposed(dialog)

    _type(qtbot, dialog.name, "Robin Firstrun")
    # Role by keyboard: Down chooses "Designated safeguarding lead".
    dialog.role.setFocus()
    qtbot.keyClick(dialog.role, Qt.Key.Key_Down)
    _type(qtbot, dialog.agency, "Example Academy")
    dialog.local_authority.setFocus()
    qtbot.keyClicks(dialog.local_authority, "Walsall")
    assert dialog.local_authority.currentText() == "Walsall"
    _type(qtbot, dialog.passphrase, PASSPHRASE)
    assert dialog.strength_label.text() != "Too weak"
    _type(qtbot, dialog.confirm, PASSPHRASE)
    assert dialog.use_keychain.isEnabled()  # the in-memory test keychain counts as real

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=10_000)
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.workspace is not None)
    assert window.session is not None
    assert window.session.info.role == "dsl"
    assert window.session.info.local_authority == "Walsall"
    assert "Robin" not in window.windowTitle()
    assert ProfilePaths(shell.profile_dir).exists()
    assert shell.first_run is None

    # The profile really is encrypted with that passphrase.
    window.lock_now()
    qtbot.waitUntil(lambda: window.unlock_screen is not None)
    again = unlock(shell.profile_dir, PASSPHRASE)
    assert again.info.name == "Robin Firstrun"
    again.lock()


def test_first_run_shows_specific_errors_inline(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any
) -> None:
    shell = _shell(tmp_path, fake_wait)
    shell.start()
    dialog = shell.first_run
    assert dialog is not None
    qtbot.waitExposed(dialog)

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.name_error.isVisible()
    assert dialog.name_error.text() == "Enter your full name."
    assert dialog.la_error.text() == "Choose the local authority you work in."
    assert "passphrase" in dialog.passphrase_error.text().lower()
    assert dialog.summary.text().startswith("There are 4 problems")
    assert dialog.summary.accessibleDescription() == dialog.summary.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name)

    _type(qtbot, dialog.name, "Robin")
    _type(qtbot, dialog.agency, "School")
    dialog.local_authority.setCurrentIndex(1)
    _type(qtbot, dialog.passphrase, PASSPHRASE)
    _type(qtbot, dialog.confirm, PASSPHRASE + " typo")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.confirm_error.text() == "The two passphrases are not the same."
    assert not dialog.name_error.isVisible()
    assert QApplication.focusWidget() is dialog.confirm
    assert not ProfilePaths(shell.profile_dir).exists()


def test_keychain_choice_is_disabled_without_a_secure_keychain(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    dialog = FirstRunDialog(tmp_path / "p")
    qtbot.addWidget(dialog)
    assert not dialog.use_keychain.isEnabled()
    assert "no secure keychain" in dialog.use_keychain.accessibleDescription()


def test_profile_with_keychain_unlocks_automatically(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any, shell_user: Any
) -> None:
    from app.profile import create_profile

    folder = tmp_path / "profiles" / "default"
    create_profile(folder, shell_user, PASSPHRASE, use_keychain=True).lock()
    shell = _shell(tmp_path, fake_wait)
    shell.start()
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)

    # After a lock the keychain is NOT used: the passphrase is needed.
    window.lock_now()
    qtbot.waitUntil(lambda: window.unlock_screen is not None)
    screen = window.unlock_screen
    assert screen is not None and not screen.busy
    assert window.session is None


def test_keychain_failure_falls_back_to_passphrase_with_plain_message(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any, shell_user: Any, new_keyring: Any
) -> None:
    from app.profile import create_profile

    folder = tmp_path / "profiles" / "default"
    create_profile(folder, shell_user, PASSPHRASE, use_keychain=True).lock()
    keyring.set_keyring(new_keyring())  # the keychain lost Haven's entry
    shell = _shell(tmp_path, fake_wait)
    shell.start()
    window = shell.main_window
    assert window is not None and window.unlock_screen is not None
    screen = window.unlock_screen
    qtbot.waitUntil(lambda: screen.notice.isVisible(), timeout=10_000)
    assert "passphrase" in screen.notice.text()
    assert window.session is None
    qtbot.keyClicks(screen.passphrase, PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)


def test_start_shows_first_run_and_writes_crash_log_locally(
    qtbot: QtBot, tmp_path: Path, qapp: QApplication
) -> None:
    """What run() does before its event loop, for `haven --profile-dir DIR`."""
    import os

    from ui.app import crash_log_folder, start

    shell, crash = start(qapp, tmp_path / "given" / "profile")
    try:
        assert crash is not None
        assert shell.profile_dir == tmp_path / "given" / "profile"
        assert shell.training_dir == tmp_path / "given" / "training"
        assert shell.first_run is not None and shell.first_run.isVisible()
        assert (crash_log_folder() / "crash.log").exists()
        assert str(crash_log_folder()).startswith(os.environ["XDG_DATA_HOME"])
        assert qapp.style().name().lower() == "fusion"
    finally:
        qapp.aboutToQuit.disconnect(shell.shutdown)
        if crash is not None:
            crash.uninstall()
    assert not ProfilePaths(tmp_path / "given" / "profile").exists()


def test_missing_form_view_gives_a_plain_message(
    qtbot: QtBot, window_factory: Any, open_session: Any, monkeypatch: Any
) -> None:
    import sys

    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setitem(sys.modules, "ui.form_view", None)
    window = window_factory(open_session)
    child = window.haven.add_child("No Form View", None)
    record = window.haven.start_record(child.id, "screening")
    window.open_record(record.id)
    assert window.form_view is None
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert any("cannot be opened" in b.text() for b in boxes)
    for box in boxes:
        box.close()
