"""After a crash, Haven offers to reopen the unfinished draft where the user was (issue 14).

The crash is real: a child process (helpers/form_kill_child.py) types into a question of
a draft and is killed with SIGKILL. The main window opened on the profile afterwards
shows a banner with the focus on "Reopen where you were"; pressing it with the keyboard
opens the draft at that section with the cursor in that question. The place itself is
kept as the user moves (section, question, check page) and forgotten at a clean stop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.form_driver import (
    FAST_KDF,
    PASSPHRASE,
    REPO_ROOT,
    USER,
    FormDriver,
    Workbench,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.profile import create_profile, unlock
from app.service import Haven
from tests.haven_testkit import read_line
from ui.form.autosave import DraftPlace, draft_left_open, saved_place, unfinished_drafts
from ui.main_window import MainWindow
from ui.workers import wait_for_all

CHILD = Path(__file__).with_name("helpers") / "form_kill_child.py"
ITEM = "ref_name"
"""The first question of section 2, where the child's (offscreen, never active) window
keeps its focus while QTest types into it."""
TEXT = "Sam Sample-Referrer"


def _crash_while_typing(folder: Path, record_id: str) -> None:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder), PASSPHRASE, record_id, ITEM, TEXT],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert read_line(process, timeout=60) == "typed"
        time.sleep(1.5)  # another process: past the autosave deadline, then killed
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


@pytest.fixture
def crashed(tmp_path: Path) -> tuple[Path, str, int]:
    """A profile whose screening draft was being typed in when Haven was killed."""
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    folder = tmp_path / "crashed"
    session = create_profile(folder, USER, PASSPHRASE, kdf=FAST_KDF)
    haven = Haven(session)
    child = haven.add_child("Jamie Example", "2012-02-10")
    record_id = haven.start_record(child.id, "screening").id
    form = haven.registry.get("screening")
    section = form.section_of(ITEM)
    assert section is not None
    section_index = form.sections.index(section)
    assert section_index > 0, "the test needs a place other than the first section"
    session.lock()
    _crash_while_typing(folder, record_id)
    return folder, record_id, section_index


def _window(qtbot: QtBot, folder: Path, fake_wait: Any) -> MainWindow:
    window = MainWindow(folder, listen_to_os=False, try_keychain=False, unlock_wait=fake_wait)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.open_session(unlock(folder, PASSPHRASE))
    # The banners are made once the window has painted (ui.shell.lock_cycle._add_banners).
    qtbot.waitUntil(lambda: window.reopen_banner is not None)
    return window


def test_after_a_crash_the_draft_reopens_where_the_user_was(
    qtbot: QtBot, crashed: tuple[Path, str, int], fake_wait: Any
) -> None:
    folder, record_id, section_index = crashed
    window = _window(qtbot, folder, fake_wait)
    banner = window.reopen_banner
    assert banner is not None and banner.isVisible()
    assert banner.record_id == record_id
    assert banner.place == DraftPlace(section_index, ITEM, False)
    assert "Haven stopped unexpectedly" in banner.message.text()
    assert "Jamie" not in banner.message.text(), "no child's name in the banner"
    # The offer has the focus: Enter, with nothing else, reopens the draft.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is banner.reopen_button)
    qtbot.keyClick(banner.reopen_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.view_name == "record")
    view = window.form_view
    assert view is not None
    assert view.current_section == section_index
    assert view.recovered_banner.isVisible()
    driver = FormDriver(qtbot, view)
    answer = driver.item(ITEM)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is answer.inputs()[0])
    assert str(answer.value()).endswith(TEXT)
    assert not banner.isVisible()
    assert wait_for_all(10_000)  # the queue count reads the store: done before teardown


def test_the_offer_can_be_closed_by_keyboard(
    qtbot: QtBot, crashed: tuple[Path, str, int], fake_wait: Any
) -> None:
    folder, record_id, _section = crashed
    window = _window(qtbot, folder, fake_wait)
    banner = window.reopen_banner
    assert banner is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is banner.reopen_button)
    qtbot.keyClick(banner.reopen_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is banner.dismiss_button
    qtbot.keyClick(banner.dismiss_button, Qt.Key.Key_Space)
    assert not banner.isVisible()
    assert QApplication.focusWidget() is window.workspace.children_panel.list
    assert window.view_name != "record"
    # Opening the draft from its chronology later still goes back to the same place.
    haven = window.haven
    assert haven is not None and draft_left_open(haven, record_id)
    assert wait_for_all(10_000)


def test_the_place_follows_the_user_and_goes_at_a_clean_stop(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    assert saved_place(bench.haven, record_id) is None, "nothing typed: no place kept"
    view.go_to_section(1)
    phone = driver.item("ref_phone").inputs()[0]
    driver.replace_text(phone, "07700 900999")
    with qtbot.waitSignal(view.saved, timeout=2000):
        pass
    assert saved_place(bench.haven, record_id) == DraftPlace(1, "ref_phone", False)
    assert unfinished_drafts(bench.haven) == [record_id]
    driver.press(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.current_section == 2)
    place = saved_place(bench.haven, record_id)
    assert place is not None and place.section_index == 2
    view.show_check_page()
    assert saved_place(bench.haven, record_id) == DraftPlace(view.current_section, None, True)
    with qtbot.waitSignal(view.closed, timeout=1000):
        driver.click(view.close_button)
    assert saved_place(bench.haven, record_id) is None
    assert unfinished_drafts(bench.haven) == []


def test_no_offer_after_a_clean_stop(qtbot: QtBot, window_factory: Any, open_session: Any) -> None:
    window = window_factory(open_session)
    haven = window.haven
    child = haven.add_child("Jamie Example", "2012-02-10")
    record = haven.start_record(child.id, "screening")
    qtbot.waitUntil(lambda: window.reopen_banner is not None)
    assert not window.reopen_banner.isVisible()
    assert unfinished_drafts(haven) == []
    window.open_record(record.id)
    assert window.reopen_banner.load(haven) is False


def test_what_autosave_still_owed_is_written_after_unlock(
    qtbot: QtBot, crashed: tuple[Path, str, int], fake_wait: Any
) -> None:
    # Killed after a save and before any drain: the search-index row is still queued.
    folder, record_id, _section = crashed
    probe = unlock(folder, PASSPHRASE)
    try:
        assert [r for r, _seq in probe.repo.pending_index()] == [record_id]
    finally:
        probe.lock()
    window = _window(qtbot, folder, fake_wait)
    haven = window.haven
    assert haven is not None
    # Written once the window has painted, off the UI thread, with no search or save.
    qtbot.waitUntil(lambda: haven.repo.pending_index() == [], timeout=10_000)
    assert "change" in [e.action for e in haven.repo.audit_entries(record_id)]
    assert wait_for_all(10_000)
