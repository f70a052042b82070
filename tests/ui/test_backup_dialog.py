"""The backup dialog through real widgets, offscreen: typed passphrases, the work off the
UI thread with progress, a plain result, the refusals shown beside the field, Cancel, and
what a screen reader and a keyboard user meet. The file written is then restored through
app.backup to prove it is a real backup.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.accessibility import accessible_name, assert_all_named, tab_reaches_everything
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from app.backup import SUFFIX, BackupSummary, restore_backup, write_backup
from app.profile import Session, unlock
from tests.haven_testkit import CHILD_DOB, FAST_KDF, YOUTH_WORKER, new_session
from ui import backup_dialog
from ui.backup_dialog import BackupDialog

# The backup file's own passphrase, not the profile's (the testkit's PASSPHRASE).
BACKUP_PASSPHRASE = "lantern otter basalt meadow"
# A long ASCII first name: its bytes are looked for in the encrypted file, where a short
# one could turn up by chance.
CHILD = "Perpetua Vantablack-Quist"
SLOW_MS = 30_000


@pytest.fixture
def make_session(tmp_path: Path) -> Iterator[object]:
    made: list[Session] = []

    def make(*, training: bool = False) -> Session:
        folder = tmp_path / ("training" if training else "profile")
        session = new_session(folder, replace(YOUTH_WORKER, training=training))
        session.repo.add_subject(session.actor, CHILD, CHILD_DOB)
        made.append(session)
        return session

    yield make
    for session in made:
        if session.is_open:
            session.lock()


@pytest.fixture
def session(make_session: object) -> Session:
    return make_session()  # type: ignore[operator, no-any-return]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def open_dialog(qtbot: QtBot, session: Session, out: Path) -> BackupDialog:
    dialog = BackupDialog(session, kdf=FAST_KDF, folder=out)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def type_into(qtbot: QtBot, field: QWidget, text: str) -> None:
    field.setFocus()
    qtbot.keyClicks(field, text)


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_typed_backup_is_written_and_restores(
    qtbot: QtBot, session: Session, out: Path, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, session, out)
    assert dialog.path.text().endswith(SUFFIX) and CHILD not in dialog.path.text()
    type_into(qtbot, dialog.passphrase, BACKUP_PASSPHRASE)
    assert dialog.strength.value() >= 1
    type_into(qtbot, dialog.confirm, BACKUP_PASSPHRASE)
    seen: list[int] = []
    dialog.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(dialog.backed_up, timeout=SLOW_MS):
        qtbot.keyClick(dialog.confirm, Qt.Key.Key_Return)  # the default button
    assert dialog.page == BackupDialog.PAGE_RESULT
    assert seen and seen == sorted(seen)
    assert dialog.passphrase.text() == "" and dialog.confirm.text() == ""  # not kept
    summary = dialog.summary
    assert isinstance(summary, BackupSummary)
    written = Path(dialog.path.text())
    assert summary.path == written and written.exists()
    assert written.stat().st_mode & 0o777 == 0o600
    assert CHILD.split()[0].encode() not in written.read_bytes()
    assert "1 child and 0 records" in dialog.result_text.text()
    assert str(written) in dialog.result_text.text()
    assert dialog.focusWidget() is dialog.result_text
    assert dialog.close_button.text() == "&Close"
    assert [e.action for e in session.repo.audit_entries()][-1] == "backup"

    restored = restore_backup(
        written, BACKUP_PASSPHRASE, tmp_path / "restored", "a fresh new passphrase", kdf=FAST_KDF
    )
    assert restored.children == 1
    again = unlock(restored.folder, "a fresh new passphrase")
    try:
        assert [c.name for c in again.repo.list_subjects()] == [CHILD]
    finally:
        again.lock()


def test_mismatched_passphrases_are_shown_beside_the_field(
    qtbot: QtBot, session: Session, out: Path
) -> None:
    dialog = open_dialog(qtbot, session, out)
    type_into(qtbot, dialog.passphrase, BACKUP_PASSPHRASE)
    type_into(qtbot, dialog.confirm, BACKUP_PASSPHRASE + "x")
    click(qtbot, dialog.backup_button)
    assert dialog.page == BackupDialog.PAGE_CHOICES
    assert "not the same" in dialog.error.message()
    assert accessible_name(dialog.error).startswith("Error: ")
    assert dialog.focusWidget() is dialog.confirm
    assert list(out.iterdir()) == []


def test_a_weak_backup_passphrase_is_refused(qtbot: QtBot, session: Session, out: Path) -> None:
    dialog = open_dialog(qtbot, session, out)
    type_into(qtbot, dialog.passphrase, "short")
    type_into(qtbot, dialog.confirm, "short")
    assert dialog.strength_label.text() == "Too weak"
    click(qtbot, dialog.backup_button)
    assert "at least 10 characters" in dialog.error.message()
    assert dialog.focusWidget() is dialog.passphrase
    assert list(out.iterdir()) == []


def test_a_missing_folder_is_refused(qtbot: QtBot, session: Session, out: Path) -> None:
    dialog = open_dialog(qtbot, session, out)
    dialog.path.setText(str(out / "gone" / "b.havenbackup"))
    type_into(qtbot, dialog.passphrase, BACKUP_PASSPHRASE)
    type_into(qtbot, dialog.confirm, BACKUP_PASSPHRASE)
    click(qtbot, dialog.backup_button)
    assert "does not exist" in dialog.error.message()
    assert dialog.page == BackupDialog.PAGE_CHOICES


def test_choose_uses_the_platform_dialog_and_adds_the_suffix(
    qtbot: QtBot, session: Session, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def fake_save(_parent: QWidget, caption: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(caption)
        return str(out / "monday"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    dialog = open_dialog(qtbot, session, out)
    click(qtbot, dialog.choose_button)
    assert asked == ["Save the backup as"]
    assert dialog.path.text() == str(out / f"monday{SUFFIX}")


def test_cancel_while_working_writes_no_file(
    qtbot: QtBot, session: Session, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker is held at its first progress report until Cancel has been pressed."""
    started = threading.Event()
    release = threading.Event()

    def held(
        session: Session, job: backup_dialog.BackupJob, stop: threading.Event, *, progress: object
    ) -> BackupSummary:
        def report(percent: int, text: str) -> None:
            started.set()
            release.wait(10)
            if callable(progress):
                progress(percent, text)

        return write_backup(
            session, job.path, job.passphrase, kdf=job.kdf, progress=report, cancelled=stop.is_set
        )

    monkeypatch.setattr(backup_dialog, "run_backup", held)
    dialog = open_dialog(qtbot, session, out)
    type_into(qtbot, dialog.passphrase, BACKUP_PASSPHRASE)
    type_into(qtbot, dialog.confirm, BACKUP_PASSPHRASE)
    click(qtbot, dialog.backup_button)
    qtbot.waitUntil(started.is_set, timeout=SLOW_MS)
    assert dialog.page == BackupDialog.PAGE_PROGRESS and dialog.running
    click(qtbot, dialog.close_button)  # Cancel: the dialog stays to say what happened
    release.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=SLOW_MS)
    assert dialog.isVisible()
    assert dialog.page == BackupDialog.PAGE_CHOICES
    assert "cancelled" in dialog.error.message()
    assert list(out.iterdir()) == []
    assert "backup" not in [e.action for e in session.repo.audit_entries()]


def test_every_control_is_named_and_reached_by_tab(
    qtbot: QtBot, session: Session, out: Path
) -> None:
    dialog = open_dialog(qtbot, session, out)
    assert_all_named(dialog)
    assert accessible_name(dialog.path) == "Backup file"
    assert accessible_name(dialog.passphrase) == "Backup passphrase"
    tab_reaches_everything(qtbot, dialog, dialog.path)
    type_into(qtbot, dialog.passphrase, BACKUP_PASSPHRASE)
    type_into(qtbot, dialog.confirm, BACKUP_PASSPHRASE)
    with qtbot.waitSignal(dialog.backed_up, timeout=SLOW_MS):
        click(qtbot, dialog.backup_button)
    assert_all_named(dialog)


def test_training_profile_shows_the_banner_and_says_so_in_the_name(
    qtbot: QtBot, make_session: object, out: Path
) -> None:
    session = make_session(training=True)  # type: ignore[operator]
    dialog = open_dialog(qtbot, session, out)
    banner = dialog.findChild(QWidget, "trainingBanner")
    assert banner is not None and banner.isVisible()
    assert "training" in Path(dialog.path.text()).name
